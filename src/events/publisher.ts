// Publishes outbox events in batches to every configured sink, in order per entity.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { backoffDelay } from '../connectors/sdk/retry.js';
import type { Db } from '../storage/db.js';
import { claimEvents, markFailed, markSent } from './outbox.js';
import type { EventSink } from './sinks.js';

/** A failed delivery waits the shared backoff (retry.ts) from 1 s, at most 5 minutes, before the next try. */
const OUTBOX_BACKOFF = { baseMs: 1000, capMs: 5 * 60_000 };

export interface PublisherSettings {
  batchSize?: number;
  maxAttempts?: number;
  idleMs?: number;
}

export class EventPublisher {
  readonly #stopping = new AbortController();
  #loop: Promise<void> | undefined;

  private constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly sinks: EventSink[],
    private readonly settings: Required<PublisherSettings>,
  ) {}

  static start(db: Db, logger: Logger, sinks: EventSink[], settings: PublisherSettings = {}): EventPublisher {
    const publisher = new EventPublisher(db, logger, sinks, {
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
          for (const sink of this.sinks) await sink.deliver(event);
          sent.push(event.id);
        } catch (error) {
          const backoffMs = backoffDelay(OUTBOX_BACKOFF, event.attempts);
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
    for (const sink of this.sinks) await sink.close();
  }
}
