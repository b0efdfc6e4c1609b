// A claim loop: the one way a worker takes work from the database. Work lives in its own table (schedules,
// webhook deliveries, payment initiations, jobs); a loop claims a batch of due rows in ONE statement that
// also takes their leases, runs them concurrently, and claims again when half its slots are free. Idle, it
// waits for a notification (wakeups.ts) or its sweep timer, so an idle loop costs one query per sweep.
import type { Logger } from 'pino';
import type { Wakeups, WorkKind } from './wakeups.js';

export interface Claimed<T> {
  items: T[];
  /**
   * How long until the next row that is not due yet falls due (undefined: unknown or none). The loop sleeps
   * no longer than that, so work scheduled for later starts on time without a notification.
   */
  nextDueInMs?: number;
}

export interface ClaimSource<T> {
  kind: WorkKind;
  /** Claims up to `limit` due rows and takes their leases, in one statement. */
  claim(limit: number): Promise<Claimed<T>>;
  /**
   * Handles one claimed row. It must end the row's lease itself (by committing its outcome); a throw is
   * logged and the row comes back when its lease expires.
   */
  handle(item: T): Promise<void>;
}

export interface LoopOptions {
  /** Rows handled at once. */
  concurrency: number;
  /** Longest sleep without a notification: the sweep that finds work whose notification was lost. */
  sweepMs: number;
  wakeups: Wakeups;
  logger: Logger;
}

/** Backoff after a failed claim (the database is down or unreachable). */
const CLAIM_ERROR_PAUSE_MS = 1000;

/**
 * Runs the loop until `options.wakeups` stops; resolves once every handled row has finished. Claims only
 * when at least half the slots are free (or nothing runs), so a busy loop claims in batches, not one by one.
 */
export async function runClaimLoop<T>(source: ClaimSource<T>, options: LoopOptions): Promise<void> {
  const { wakeups, logger } = options;
  const running = new Set<Promise<void>>();
  const refill = Math.max(1, Math.ceil(options.concurrency / 2));
  let finished: () => void = () => undefined;
  let oneFinished = new Promise<void>((resolve) => (finished = resolve));
  const start = (item: T) => {
    const task = source
      .handle(item)
      .catch((error: unknown) => logger.error({ err: error, kind: source.kind }, 'work item failed'))
      .finally(() => {
        running.delete(task);
        finished();
        oneFinished = new Promise<void>((resolve) => (finished = resolve));
      });
    running.add(task);
  };
  while (!wakeups.stopping.aborted) {
    const free = options.concurrency - running.size;
    if (free < refill && running.size > 0) {
      await oneFinished;
      continue;
    }
    let claimed: Claimed<T>;
    try {
      claimed = await source.claim(free);
    } catch (error) {
      logger.error({ err: error, kind: source.kind }, 'claiming work failed');
      await wakeups.wait(source.kind, CLAIM_ERROR_PAUSE_MS);
      continue;
    }
    for (const item of claimed.items) start(item);
    if (claimed.items.length === free) continue;
    // Fewer rows than free slots: nothing more is due now. Wait for a signal, the next due row, the sweep,
    // or (when rows are running) the first of them to finish, which frees a slot for work due meanwhile.
    const sleepMs = Math.min(options.sweepMs, claimed.nextDueInMs ?? Number.POSITIVE_INFINITY);
    await wakeups.wait(source.kind, sleepMs, running.size > 0 ? oneFinished : undefined);
  }
  await Promise.all(running);
}
