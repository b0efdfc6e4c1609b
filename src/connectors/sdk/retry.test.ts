// Properties of the one retry policy (fast-check): bounds, full jitter, the cap, Retry-After honoured.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UpstreamError, UpstreamRateLimitError } from './errors.js';
import { backoffDelay, retryAfterOf } from './retry.js';

const policies = fc.record({
  baseMs: fc.integer({ min: 0, max: 60_000 }),
  capMs: fc.integer({ min: 0, max: 24 * 3_600_000 }),
});
const attempts = fc.integer({ min: 0, max: 2000 });
const randoms = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const retryAfters = fc.option(fc.integer({ min: 0, max: 7 * 24 * 3_600_000 }), { nil: undefined });

describe('The retry policy', () => {
  it('waits between 0 and min(cap, base·2^attempt) when the PSP did not say how long', () => {
    fc.assert(
      fc.property(policies, attempts, randoms, (policy, attempt, r) => {
        const delay = backoffDelay(policy, attempt, { random: () => r });
        expect(Number.isFinite(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        const ceiling = policy.baseMs === 0 ? 0 : Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }),
    );
  });

  it('never waits less than the Retry-After, and never more than the larger of it and the cap', () => {
    fc.assert(
      fc.property(policies, attempts, randoms, retryAfters, (policy, attempt, r, retryAfterMs) => {
        const delay = backoffDelay(policy, attempt, { retryAfterMs, random: () => r });
        expect(delay).toBeGreaterThanOrEqual(retryAfterMs ?? 0);
        expect(delay).toBeLessThanOrEqual(Math.max(policy.capMs, retryAfterMs ?? 0));
      }),
    );
  });

  it('jitters over the whole range: the random draw scales the delay from zero to the ceiling', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 20 }), (baseMs, attempt) => {
        const policy = { baseMs, capMs: Number.MAX_SAFE_INTEGER };
        expect(backoffDelay(policy, attempt, { random: () => 0 })).toBe(0);
        expect(backoffDelay(policy, attempt, { random: () => 0.5 })).toBe((baseMs * 2 ** attempt) / 2);
      }),
    );
  });

  it('grows exponentially until the cap, then stays there', () => {
    const policy = { baseMs: 100, capMs: 1000 };
    const ceilings = [0, 1, 2, 3, 4, 5, 60].map((attempt) =>
      backoffDelay(policy, attempt, { random: () => 1 }),
    );
    expect(ceilings).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('reads the Retry-After of a rate limit and of nothing else', () => {
    expect(retryAfterOf(new UpstreamRateLimitError('slow down', 7000))).toBe(7000);
    expect(retryAfterOf(new UpstreamRateLimitError('slow down'))).toBeUndefined();
    expect(retryAfterOf(new UpstreamError('down', 503))).toBeUndefined();
  });
});
