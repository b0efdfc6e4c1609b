// Wake-ups without polling: work is signalled with NOTIFY (delivered when the signalling transaction
// commits) and a worker waiting for that kind of work starts within milliseconds. A lost notification (a
// dropped listener connection, another database) only delays work until the waiting loop's next sweep.
import { setMaxListeners } from 'node:events';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db, OpenedDatabase } from '../../storage/db.js';

/** The one channel every kind of work is signalled on; the payload names the kind. */
export const WORK_CHANNEL = 'paybridge_work';

/**
 * The kinds of work a worker claims from the database. Each has its own claim loop (see loop.ts); the
 * payload of a notification is the kind's name.
 */
export type WorkKind = 'schedules' | 'webhooks' | 'movements' | 'jobs' | 'events';

/**
 * The SQL that signals work of `kind`: use it inside a statement you run anyway (`SELECT …, ${notifyWork(kind)}`
 * or a CTE) to save the round trip. Inside a transaction PostgreSQL delivers it at commit, and only once
 * per transaction however often it is raised.
 */
export const notifyWork = (kind: WorkKind) => sql<void>`pg_notify(${WORK_CHANNEL}, ${kind})`;

/** Signals work of `kind` with a statement of its own (delivered at commit when `db` is a transaction). */
export async function signalWork(db: Db, kind: WorkKind): Promise<void> {
  await sql`SELECT ${notifyWork(kind)}`.execute(db);
}

/** What a claim loop waits on: a signal for its kind, its sweep timer, or the stop of the worker. */
export class Wakeups {
  readonly #waiters = new Map<WorkKind, Set<() => void>>();
  /** Kinds signalled while no loop of that kind was waiting: the next wait returns at once. */
  readonly #pending = new Set<WorkKind>();
  readonly #stopping = new AbortController();
  #unlisten: (() => Promise<void>) | undefined;
  /** Notifications received, by kind (tests and benchmarks read it). */
  readonly received = new Map<string, number>();

  private constructor() {
    setMaxListeners(0, this.#stopping.signal);
  }

  /** Listens on the database's work channel. Without a database (`undefined`), only local pokes wake loops. */
  static async start(database: Pick<OpenedDatabase, 'listen'> | undefined, logger: Logger): Promise<Wakeups> {
    const wakeups = new Wakeups();
    if (database) {
      try {
        wakeups.#unlisten = await database.listen(WORK_CHANNEL, (payload) =>
          wakeups.poke(payload as WorkKind),
        );
      } catch (error) {
        // The loops' sweeps still find all work, only later.
        logger.warn(
          { err: error },
          'could not listen for work notifications; workers will find work by sweeping',
        );
      }
    }
    return wakeups;
  }

  /** The signal every loop stops on. */
  get stopping(): AbortSignal {
    return this.#stopping.signal;
  }

  /** Wakes the loops waiting for `kind` (what a notification does; also usable within one process). */
  poke(kind: WorkKind): void {
    this.received.set(kind, (this.received.get(kind) ?? 0) + 1);
    const waiting = this.#waiters.get(kind);
    if (!waiting || waiting.size === 0) {
      this.#pending.add(kind);
      return;
    }
    for (const wake of [...waiting]) wake();
  }

  /**
   * Resolves after `ms`, when `kind` is signalled, when `orUntil` settles, or when the worker stops, whichever
   * comes first: 'signal' for a signal (including one that came while nobody waited), 'timeout' otherwise.
   */
  wait(kind: WorkKind, ms: number, orUntil?: Promise<unknown>): Promise<'signal' | 'timeout'> {
    if (this.#pending.delete(kind)) return Promise.resolve('signal');
    if (this.#stopping.signal.aborted) return Promise.resolve('timeout');
    return new Promise((resolve) => {
      const waiting = this.#waiters.get(kind) ?? new Set<() => void>();
      this.#waiters.set(kind, waiting);
      const done = (how: 'signal' | 'timeout') => {
        clearTimeout(timer);
        waiting.delete(wake);
        this.#stopping.signal.removeEventListener('abort', stop);
        resolve(how);
      };
      const wake = () => done('signal');
      const stop = () => done('timeout');
      const timer = setTimeout(() => done('timeout'), Math.max(0, ms));
      waiting.add(wake);
      this.#stopping.signal.addEventListener('abort', stop, { once: true });
      void orUntil?.then(stop, stop);
    });
  }

  /** Wakes every waiting loop for good and stops listening. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#unlisten?.();
  }
}
