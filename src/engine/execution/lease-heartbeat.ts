// Lease renewal during PSP calls: while a step's connector call is in flight its lease is extended, so a
// PSP that takes longer than the lease to answer never lets a second worker claim the step and make the
// same call again. One heartbeat per process (and table) renews every lease in flight with one statement.
import type { Logger } from 'pino';

/** Extends the leases of `held` by the lease length; returns the ids whose lease was still theirs. */
export type RenewLeases = (held: readonly { id: string; token: string }[]) => Promise<string[]>;

export class LeaseHeartbeat {
  readonly #held = new Map<string, { id: string; token: string; holders: number }>();
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  /** Renewal statements run (tests and benchmarks read it). */
  beats = 0;

  constructor(
    private readonly renew: RenewLeases,
    leaseMs: number,
    private readonly logger: Logger,
    /** What the leases are of, for the log. */
    private readonly what: string,
    /** How often the leases are renewed: well inside the lease, so one late beat does not lose it. */
    private readonly everyMs = Math.max(20, Math.floor(leaseMs / 3)),
  ) {}

  /** Runs `call` with the step's lease kept alive until it settles. */
  async during<T>(step: { id: string; token: string }, call: () => Promise<T>): Promise<T> {
    const key = `${step.id}\u0000${step.token}`;
    const entry = this.#held.get(key) ?? { ...step, holders: 0 };
    entry.holders += 1;
    this.#held.set(key, entry);
    this.#timer ??= setInterval(() => void this.#beat(), this.everyMs);
    try {
      return await call();
    } finally {
      entry.holders -= 1;
      if (entry.holders === 0) this.#held.delete(key);
      if (this.#held.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    }
  }

  async #beat(): Promise<void> {
    // A beat still running (a slow database) is not stacked with another.
    if (this.#beating || this.#held.size === 0) return;
    const held = [...this.#held.values()].map(({ id, token }) => ({ id, token }));
    this.#beating = (async () => {
      try {
        this.beats += 1;
        const renewed = new Set(await this.renew(held));
        const lost = held.filter((h) => !renewed.has(h.id) && this.#held.has(`${h.id}\u0000${h.token}`));
        if (lost.length > 0) {
          this.logger.error(
            { ids: lost.map((h) => h.id), what: this.what },
            'lost a lease while its work was in flight; this worker will not commit that outcome',
          );
        }
      } catch (error) {
        this.logger.error({ err: error, what: this.what }, 'renewing leases failed');
      } finally {
        this.#beating = undefined;
      }
    })();
    await this.#beating;
  }
}
