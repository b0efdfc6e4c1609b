// What a worker process shares between its running schedule runs: the group commit that writes the pages
// of concurrent runs in one transaction, and the lease renewal that keeps all their leases with one statement.
import { renewLeases } from '../../storage/schedules.js';
import type { EngineDeps } from '../deps.js';
import { commitPages, type PageCommit, type RunPage, type RunningSchedule } from './page-commit.js';

/** A page waits at most this long for other runs' pages before its group commits. */
const GROUP_WINDOW_MS = 5;
/** A group commits at once when it holds this many runs... */
const GROUP_MAX_RUNS = 500;
/** ...or this many rows (items, children). */
const GROUP_MAX_ROWS = 5000;
/** Groups committing at once (each on its own connection). */
const GROUP_MAX_IN_FLIGHT = 2;

interface Waiting extends RunPage {
  resolve: (owned: boolean) => void;
  reject: (error: unknown) => void;
}

const rowsOf = (page: PageCommit) => {
  const w = page.writes;
  return (
    1 +
    w.accounts.length +
    w.balances.length +
    w.payments.length +
    w.adjustments.length +
    w.orders.length +
    w.conversions.length +
    w.children.length
  );
};

export class ScheduleRuns {
  readonly #deps: EngineDeps;
  /** Runs in progress in this process: schedule id → run instance (the lease holder). */
  readonly #active = new Map<string, string>();
  #renewal: NodeJS.Timeout | undefined;
  #renewing = false;
  #waiting: Waiting[] = [];
  #rows = 0;
  #oldest = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  /** Groups committed, and runs in them (tests and benchmarks read them). */
  readonly stats = { groups: 0, runs: 0, fallbacks: 0 };

  readonly #windowMs: number;

  /** `windowMs`: how long a page waits for others (tests set it long, to group by arrival alone). */
  constructor(deps: EngineDeps, options: { windowMs?: number } = {}) {
    this.#deps = deps;
    this.#windowMs = options.windowMs ?? GROUP_WINDOW_MS;
  }

  /** A run starts: its lease is renewed with the others' until it ends. */
  started(scheduleId: string, instanceId: string): void {
    this.#active.set(scheduleId, instanceId);
    if (!this.#renewal) {
      // A third of the lease: two renewals may fail (a busy database) before the lease runs out.
      this.#renewal = setInterval(() => void this.#renew(), Math.max(50, this.#deps.leaseMs / 3));
      this.#renewal.unref();
    }
  }

  ended(scheduleId: string, instanceId: string): void {
    if (this.#active.get(scheduleId) === instanceId) this.#active.delete(scheduleId);
    if (this.#active.size === 0 && this.#renewal) {
      clearInterval(this.#renewal);
      this.#renewal = undefined;
    }
    // A run that ends may be the one the waiting group was waiting for.
    this.#schedule();
  }

  /** Renews the leases now (the timer does it every third of the lease; tests call it directly). */
  renewNow(): Promise<void> {
    return this.#renew();
  }

  /** One statement renews every lease this process holds. */
  async #renew(): Promise<void> {
    if (this.#renewing || this.#active.size === 0) return;
    this.#renewing = true;
    try {
      const leases = [...this.#active].map(([scheduleId, instanceId]) => ({ scheduleId, instanceId }));
      await renewLeases(this.#deps.db, leases, this.#deps.leaseMs);
    } catch (error) {
      this.#deps.logger.warn({ err: error }, 'renewing the leases of running schedules failed');
    } finally {
      this.#renewing = false;
    }
  }

  /** Queues a run's page for the next group commit; resolves with whether the run still owned its schedule. */
  commit(run: RunningSchedule, page: PageCommit): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      if (this.#waiting.length === 0) this.#oldest = Date.now();
      this.#waiting.push({ run, page, resolve, reject });
      this.#rows += rowsOf(page);
      this.#schedule();
    });
  }

  /**
   * Starts a group when it is full, when every running run of this process is in it (nobody else could
   * join: no reason to wait), or when its oldest page has waited GROUP_WINDOW_MS.
   */
  #schedule(): void {
    if (this.#waiting.length === 0 || this.#inFlight >= GROUP_MAX_IN_FLIGHT) return;
    const full = this.#waiting.length >= GROUP_MAX_RUNS || this.#rows >= GROUP_MAX_ROWS;
    const everyone = this.#waiting.length >= this.#active.size;
    const waited = Date.now() - this.#oldest >= this.#windowMs;
    if (!full && !everyone && !waited) {
      this.#timer ??= setTimeout(
        () => {
          this.#timer = undefined;
          this.#schedule();
        },
        this.#windowMs - (Date.now() - this.#oldest),
      );
      return;
    }
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#take();
    this.#inFlight += 1;
    void this.#commitGroup(batch).finally(() => {
      this.#inFlight -= 1;
      this.#schedule();
    });
  }

  /** Takes the oldest pages, up to the group's bounds. */
  #take(): Waiting[] {
    let rows = 0;
    let n = 0;
    while (n < this.#waiting.length && n < GROUP_MAX_RUNS && (n === 0 || rows < GROUP_MAX_ROWS)) {
      rows += rowsOf((this.#waiting[n] as Waiting).page);
      n += 1;
    }
    const batch = this.#waiting.slice(0, n);
    this.#waiting = this.#waiting.slice(n);
    this.#rows -= rows;
    this.#oldest = Date.now();
    return batch;
  }

  /**
   * Commits a group in one transaction. If it fails, each run commits alone, so one bad run (a row its
   * writes cannot store) fails only itself: its error goes back to its run, which records a failed run.
   */
  async #commitGroup(batch: Waiting[]): Promise<void> {
    try {
      const owned = await commitPages(this.#deps, batch);
      this.stats.groups += 1;
      this.stats.runs += batch.length;
      for (const item of batch) item.resolve(owned.has(item.run.scheduleId));
      return;
    } catch (error) {
      if (batch.length === 1) {
        (batch[0] as Waiting).reject(error);
        return;
      }
      this.stats.fallbacks += 1;
      this.#deps.logger.warn(
        { err: error, runs: batch.length },
        'a group commit failed; committing its runs one by one',
      );
    }
    await Promise.all(
      batch.map(async (item) => {
        try {
          const owned = await commitPages(this.#deps, [item]);
          item.resolve(owned.has(item.run.scheduleId));
        } catch (error) {
          item.reject(error);
        }
      }),
    );
  }
}

const perDeps = new WeakMap<EngineDeps, ScheduleRuns>();

/** The process's (more exactly: these deps') shared run state, created on first use. */
export function scheduleRunsOf(deps: EngineDeps): ScheduleRuns {
  let runs = perDeps.get(deps);
  if (!runs) {
    runs = new ScheduleRuns(deps);
    perDeps.set(deps, runs);
  }
  return runs;
}
