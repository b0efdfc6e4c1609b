// Publishes outbox events in batches to every configured sink, in order per entity. Idle, it waits for the
// `events` signal that recordEvents raises with its insert, and sweeps the outbox every few seconds in
// case a signal was lost (or the process does not listen), so an idle publisher costs well under one
// query a second.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { backoffDelay } from '../connectors/sdk/retry.js';
import type { Wakeups } from '../engine/execution/wakeups.js';
import type { Db } from '../storage/db.js';
import { claimEvents, markFailed, markSent } from './outbox.js';
import type { EventSink } from './sinks.js';

/** A failed delivery waits the shared backoff (retry.ts) from 1 s, at most 5 minutes, before the next try. */
const OUTBOX_BACKOFF = { baseMs: 1000, capMs: 5 * 60_000 };

export interface PublisherSettings {
  batchSize?: number;
  maxAttempts?: number;
  /**
   * Without `wakeups`: the pause between two polls of an idle outbox. With them: the sweep, the longest
   * an idle publisher waits for a signal before it looks at the outbox anyway.
   */
  idleMs?: number;
  /** The process's wake-ups (`deps.wakeups`): an idle publisher waits for the `events` signal. */
  wakeups?: Wakeups;
}

/** The sweep of an idle publisher that waits for signals. */
const SWEEP_MS = 5000;

type Settings = Required<Omit<PublisherSettings, 'wakeups'>> & Pick<PublisherSettings, 'wakeups'>;

export class EventPublisher {
  readonly #stopping = new AbortController();
  readonly #stopped = new Promise<void>((resolve) =>
    this.#stopping.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  #loop: Promise<void> | undefined;
  /** When the events that failed in this process come due again (ms epoch), for the idle wait. */
  #retries: number[] = [];

  private constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly sinks: EventSink[],
    private readonly settings: Settings,
  ) {}

  static start(db: Db, logger: Logger, sinks: EventSink[], settings: PublisherSettings = {}): EventPublisher {
    const publisher = new EventPublisher(db, logger, sinks, {
      batchSize: 100,
      maxAttempts: 10,
      idleMs: settings.wakeups ? SWEEP_MS : 250,
      ...settings,
    });
    publisher.#loop = publisher.#run();
    return publisher;
  }

  async #run(): Promise<void> {
    while (!this.#stopping.signal.aborted) {
      let published = 0;
      const batchAt = Date.now();
      try {
        published = await this.publishBatch();
      } catch (error) {
        this.logger.error({ err: error }, 'event publishing failed');
      }
      if (published < this.settings.batchSize) await this.#idle(batchAt);
    }
  }

  /** Waits for new events: a signal (or the sweep) with wake-ups, the poll interval without. */
  async #idle(batchAt: number): Promise<void> {
    const { wakeups, idleMs } = this.settings;
    if (!wakeups) {
      await sleep(idleMs, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
      return;
    }
    // A failed delivery is retried when its backoff ends, not a sweep later. A retry time the batch just
    // run had reached is done with (that batch claimed the event, or its retry moved on).
    this.#retries = this.#retries.filter((at) => at > batchAt);
    const retryInMs = this.#retries.length > 0 ? Math.min(...this.#retries) - Date.now() : idleMs;
    await wakeups.wait('events', Math.max(0, Math.min(idleMs, retryInMs)), this.#stopped);
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
          // The row's due time counts from its transaction's start, a little earlier than this.
          if (event.attempts + 1 < this.settings.maxAttempts) this.#retries.push(Date.now() + backoffMs);
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
