// Publishes outbox events to NATS JetStream in batches; the message id is the event id, so the broker drops repeats.
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { stringifyJson } from '../domain/json.js';
import { formatDbTime } from '../domain/time.js';
import type { Db } from '../storage/db.js';
import { type ClaimedEvent, claimEvents, markFailed, markSent } from './outbox.js';

export interface PublisherSettings {
  natsUrl: string;
  stream: string;
  /** Events go to `<subject>.<EVENT_TYPE>`. */
  subject: string;
  batchSize?: number;
  maxAttempts?: number;
  idleMs?: number;
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

export class EventPublisher {
  readonly #stopping = new AbortController();
  #loop: Promise<void> | undefined;

  private constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly settings: Required<PublisherSettings>,
  ) {}

  /** Connects, makes sure the stream exists (with a de-duplication window), and starts publishing. */
  static async start(db: Db, logger: Logger, settings: PublisherSettings): Promise<EventPublisher> {
    const nc = await connect({ servers: settings.natsUrl, name: 'paybridge' });
    const jsm = await jetstreamManager(nc);
    const subjects = [`${settings.subject}.>`];
    try {
      await jsm.streams.info(settings.stream);
    } catch {
      await jsm.streams.add({ name: settings.stream, subjects, duplicate_window: nanos(10 * 60_000) });
    }
    const publisher = new EventPublisher(db, logger, nc, jetstream(nc), {
      batchSize: 100,
      maxAttempts: 10,
      idleMs: 250,
      ...settings,
    });
    publisher.#loop = publisher.#run();
    return publisher;
  }

  async #run(): Promise<void> {
    while (!this.#stopping.signal.aborted) {
      let published = 0;
      try {
        published = await this.publishBatch();
      } catch (error) {
        this.logger.error({ err: error }, 'event publishing failed');
      }
      if (published < this.settings.batchSize) {
        await sleep(this.settings.idleMs, undefined, { signal: this.#stopping.signal }).catch(
          () => undefined,
        );
      }
    }
  }

  /**
   * Claims a batch and publishes it in order, waiting for each acknowledgement. The first failure ends
   * the batch: that event backs off and the rest stay pending, so no event overtakes an earlier one of
   * the same entity. Returns how many events were claimed.
   */
  async publishBatch(): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const claimed = await claimEvents(trx, this.settings.batchSize);
      const sent: string[] = [];
      for (const event of claimed) {
        try {
          await this.js.publish(`${this.settings.subject}.${event.type}`, envelope(event), {
            msgID: event.id,
          });
          sent.push(event.id);
        } catch (error) {
          const backoffMs = Math.min(1000 * 2 ** event.attempts, 5 * 60_000);
          await markFailed(trx, [event.id], String(error), backoffMs, this.settings.maxAttempts);
          this.logger.warn(
            { err: error, eventId: event.id, attempt: event.attempts + 1 },
            'event delivery failed',
          );
          break;
        }
      }
      await markSent(trx, sent);
      return claimed.length;
    });
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#loop;
    await this.nc.drain();
  }
}
