// Where events go: NATS JetStream, and/or an HTTP endpoint signed the Standard Webhooks way.
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { Webhook } from 'standardwebhooks';
import { stringifyJson } from '../domain/json.js';
import { formatDbTime } from '../domain/time.js';
import type { ClaimedEvent } from './outbox.js';

export interface EventSink {
  /** Delivers one event or throws; the same event may be delivered again after a failure. */
  deliver(event: ClaimedEvent): Promise<void>;
  close(): Promise<void>;
}

/** The message body, in Formance's envelope. */
export function envelope(event: ClaimedEvent): string {
  return stringifyJson({
    idempotency_key: event.id,
    date: formatDbTime(event.created_at),
    app: 'payments',
    version: 'v3',
    type: event.type,
    payload: event.payload,
  });
}

/** JetStream: one subject per event type; the event id is the message id, so the broker drops repeats. */
export class NatsSink implements EventSink {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly subject: string,
  ) {}

  /** Connects, and creates the stream (with a de-duplication window) when it does not exist. */
  static async connect(settings: { url: string; stream: string; subject: string }): Promise<NatsSink> {
    const nc = await connect({ servers: settings.url, name: 'paybridge' });
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(settings.stream);
    } catch {
      await jsm.streams.add({
        name: settings.stream,
        subjects: [`${settings.subject}.>`],
        duplicate_window: nanos(10 * 60_000),
      });
    }
    return new NatsSink(nc, jetstream(nc), settings.subject);
  }

  async deliver(event: ClaimedEvent): Promise<void> {
    await this.js.publish(`${this.subject}.${event.type}`, envelope(event), { msgID: event.id });
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}

/**
 * An HTTP endpoint: POST with `webhook-id` (the event id, for de-duplication), `webhook-timestamp` and
 * `webhook-signature` (HMAC-SHA256 over id.timestamp.body, by the standardwebhooks library). Any answer
 * but 2xx is a failure, retried later.
 */
export class HttpSink implements EventSink {
  private readonly signer: Webhook;

  constructor(
    private readonly url: string,
    secret: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.signer = new Webhook(secret);
  }

  async deliver(event: ClaimedEvent): Promise<void> {
    const body = envelope(event);
    const now = new Date();
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': event.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': this.signer.sign(event.id, now, body),
      },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${new URL(this.url).host} answered ${response.status}`);
  }

  async close(): Promise<void> {}
}
