// Webhook load: signed Generic `transaction.created` deliveries, a closed-loop sender that runs in its own
// thread (so it never shares an event loop with a server it measures), and latency percentiles.
import { Worker } from 'node:worker_threads';
import { Webhook } from 'standardwebhooks';

/** One prepared request: its headers and its exact body. */
export interface Delivery {
  headers: Record<string, string>;
  body: string;
}

/** A `transaction.created` event for transaction number `index`, signed the Standard Webhooks way. */
export function signedTransactionCreated(signer: Webhook, runTag: string, index: number, at: Date): Delivery {
  const messageId = `msg_${runTag}_${index}`;
  const time = at.toISOString();
  const body = JSON.stringify({
    type: 'transaction.created',
    createdAt: time,
    data: {
      id: transactionReference(runTag, index),
      createdAt: time,
      updatedAt: time,
      currency: 'EUR/2',
      type: 'PAYIN',
      status: 'SUCCEEDED',
      amount: String(1000 + index),
      destinationAccountID: 'acc_bench',
      metadata: { bench: 'webhooks' },
    },
  });
  return {
    headers: {
      'content-type': 'application/json',
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signer.sign(messageId, at, body),
    },
    body,
  };
}

/** The integration service's id of transaction number `index`: the payment's reference in Paybridge. */
export const transactionReference = (runTag: string, index: number) => `txn_${runTag}_${index}`;

/**
 * `fetch`: Node's built-in fetch (undici). `http`: node:http with a keep-alive agent, about three times
 * cheaper per request in Node 20, for when fetch itself is the limit (a bare receiver on few cores).
 */
export type LoadClient = 'fetch' | 'http';

export interface LoadRequest {
  url: string;
  concurrency: number;
  client: LoadClient;
  /** Send only the first `limit` deliveries (a warm-up); all of them when absent. */
  limit?: number;
}

export interface LoadResult {
  /** Epoch ms (fractional) when the first request went out, comparable across threads. */
  startedAtEpochMs: number;
  /** First request sent → last answer received. */
  ms: number;
  sent: number;
  /** Latency of every 200 answer, in ms, in completion order. */
  latencies: Float64Array;
  /** Answers other than 200, by status (`error` for a failed connection). */
  failures: Record<string, number>;
  /** The first such answer, to explain it. */
  firstFailure?: string;
}

export interface DeliverySender {
  run(request: LoadRequest): Promise<LoadResult>;
  stop(): Promise<void>;
}

/** Starts the sender thread with every delivery it will send, so sending is the only work it times. */
export function startDeliverySender(deliveries: Delivery[]): DeliverySender {
  const worker = new Worker(new URL('./delivery-sender.js', import.meta.url), { workerData: { deliveries } });
  worker.unref();
  return {
    run: (request) =>
      new Promise<LoadResult>((resolve, reject) => {
        const onError = (error: Error) => {
          worker.off('message', onMessage);
          reject(error);
        };
        const onMessage = (result: LoadResult) => {
          worker.off('error', onError);
          resolve(result);
        };
        worker.once('message', onMessage);
        worker.once('error', onError);
        worker.postMessage(request);
      }),
    stop: async () => {
      await worker.terminate();
    },
  };
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles (ms). */
export function summarize(latencies: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
  return {
    count: sorted.length,
    p50: rank(0.5),
    p90: rank(0.9),
    p99: rank(0.99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}
