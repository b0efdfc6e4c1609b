// The one retry policy: exponential backoff with full jitter, capped, never sooner than the PSP's Retry-After.
import { UpstreamRateLimitError } from './errors.js';

/** How a place backs off: the first ceiling (`baseMs`) doubles with each attempt up to `capMs`. */
export interface Backoff {
  baseMs: number;
  capMs: number;
}

/**
 * How long to wait before try number `attempt + 1` (attempt 0 is the first retry): a uniformly random
 * delay between 0 and min(cap, base·2^attempt) ("full jitter", which spreads contenders best and does
 * the least total work), but never less than `retryAfterMs`, the wait the PSP asked for. A Retry-After
 * longer than the cap is still honoured: the cap bounds our own eagerness, not the PSP's instruction.
 * Pure and synchronous: most callers schedule a later job with it rather than sleep.
 */
export function backoffDelay(
  policy: Backoff,
  attempt: number,
  options: { retryAfterMs?: number | undefined; random?: () => number } = {},
): number {
  const { retryAfterMs, random = Math.random } = options;
  const exponent = Math.max(0, Math.floor(attempt));
  const base = Math.max(0, policy.baseMs);
  const cap = Math.max(0, policy.capMs);
  // 2 ** exponent overflows to Infinity for large attempts; a zero base must not make that NaN.
  const ceiling = base === 0 ? 0 : Math.min(cap, base * 2 ** exponent);
  const jittered = Math.min(ceiling, random() * ceiling);
  return Math.max(jittered, retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : 0);
}

/** The Retry-After an error carries (a rate limit that said how long to wait), for `backoffDelay`. */
export function retryAfterOf(error: unknown): number | undefined {
  return error instanceof UpstreamRateLimitError ? error.retryAfterMs : undefined;
}
