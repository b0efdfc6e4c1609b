// The sender thread of delivery-load.ts: POSTs the prepared deliveries with C concurrent senders (each
// sends its next delivery when its previous one is answered) and times every answer.
import { Agent, request as httpRequest } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import type { Delivery, LoadClient, LoadRequest, LoadResult } from './delivery-load.js';

const { deliveries } = workerData as { deliveries: Delivery[] };

type Post = (url: string, delivery: Delivery) => Promise<{ status: number; text: string }>;

const postWithFetch: Post = async (url, delivery) => {
  const response = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
  return { status: response.status, text: await response.text() };
};

// Keep-alive, one socket per sender, as fetch's default dispatcher does.
const agent = new Agent({ keepAlive: true });

const postWithHttp: Post = (url, delivery) =>
  new Promise((resolve, reject) => {
    const body = Buffer.from(delivery.body);
    const outgoing = httpRequest(
      url,
      { method: 'POST', agent, headers: { ...delivery.headers, 'content-length': body.length } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });

const POSTS: Record<LoadClient, Post> = { fetch: postWithFetch, http: postWithHttp };

async function run({ url, concurrency, limit, client }: LoadRequest): Promise<LoadResult> {
  const post = POSTS[client];
  const total = Math.min(limit ?? deliveries.length, deliveries.length);
  const latencies = new Float64Array(total);
  const failures: Record<string, number> = {};
  let firstFailure: string | undefined;
  let ok = 0;
  let next = 0;

  const sender = async () => {
    for (let i = next++; i < total; i = next++) {
      const delivery = deliveries[i] as Delivery;
      const sentAt = performance.now();
      try {
        const { status, text } = await post(url, delivery);
        if (status === 200) {
          latencies[ok++] = performance.now() - sentAt;
          continue;
        }
        failures[status] = (failures[status] ?? 0) + 1;
        firstFailure ??= `${status} ${text.slice(0, 300)}`;
      } catch (error) {
        failures.error = (failures.error ?? 0) + 1;
        firstFailure ??=
          error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error);
      }
    }
  };

  const startedAtEpochMs = performance.timeOrigin + performance.now();
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, sender));
  const ms = performance.now() - started;
  const result: LoadResult = {
    startedAtEpochMs,
    ms,
    sent: total,
    latencies: latencies.slice(0, ok),
    failures,
  };
  if (firstFailure !== undefined) result.firstFailure = firstFailure;
  return result;
}

parentPort?.on('message', (request: LoadRequest) => {
  void run(request).then((result) => parentPort?.postMessage(result));
});
