// The PSP HTTP client every connector shares: timeouts, retries, and HTTP outcomes turned into typed errors.
import { parseJson } from '../../domain/json.js';
import {
  InvalidRequestError,
  isRetryable,
  UpstreamError,
  UpstreamRateLimitError,
  UpstreamTimeoutError,
} from './errors.js';
import type { PspFetch } from './context.js';

export interface PspRequestOptions extends Omit<RequestInit, 'signal' | 'redirect'> {
  /** Abort after this long (default 30 s); the call then fails with UpstreamTimeoutError. */
  timeoutMs?: number;
  /**
   * Retries of a transient failure (rate limit, timeout, 5xx, lost connection) within this call, with
   * exponential backoff and full jitter, never sooner than the PSP's Retry-After. Only for requests
   * that are safe to repeat (reads, or writes the PSP de-duplicates by idempotency key). A Retry-After
   * longer than `maxRetryAfterMs` (default 10 s) is not waited out here: the error goes to the caller,
   * whose schedule comes back later. Default: no retries.
   */
  retry?: { attempts: number; baseDelayMs?: number; maxRetryAfterMs?: number };
}

/** `Retry-After` as milliseconds: either delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Calls a PSP through the connector's fetch (ConnectorContext.fetch) and returns its JSON body (bigint-exact). Failures map to the engine's error classes:
 * 429 → UpstreamRateLimitError (with Retry-After); 408, 504 and timeouts → UpstreamTimeoutError; other
 * 5xx, connection failures and unreadable bodies → UpstreamError (retried for reads; for writes the
 * caller must treat them as an unknown outcome); other 4xx → InvalidRequestError (not retried).
 *
 * Redirects are not followed: a redirect would carry the connector's credentials (an API-key header, say)
 * to wherever it points. A 3xx is an UpstreamError that names the target. The outbound policy, the
 * call budget, metrics and logging are the given fetch's (the engine's: see fetch.ts), so they hold for
 * every request a connector makes, through this client or not.
 */
export async function pspRequest(
  fetch: PspFetch,
  url: string | URL,
  options: PspRequestOptions = {},
): Promise<unknown> {
  const { retry, ...once } = options;
  const attempts = retry?.attempts ?? 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await requestOnce(fetch, url, once);
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      const retryAfter = error instanceof UpstreamRateLimitError ? (error.retryAfterMs ?? 0) : 0;
      if (retryAfter > (retry?.maxRetryAfterMs ?? 10_000)) throw error;
      const backoff = (retry?.baseDelayMs ?? 100) * 2 ** attempt * Math.random();
      await new Promise((resolve) => setTimeout(resolve, Math.max(backoff, retryAfter)));
    }
  }
}

/** Why fetch failed: undici says "fetch failed" and keeps the reason (ECONNREFUSED, …) as the cause. */
function transportReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? error.cause.message : error.message;
}

async function requestOnce(fetch: PspFetch, url: string | URL, options: PspRequestOptions): Promise<unknown> {
  const { timeoutMs = 30_000, ...init } = options;
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw new UpstreamTimeoutError(`no answer from ${new URL(url).host} within ${timeoutMs} ms`);
    }
    throw new UpstreamError(`cannot reach ${new URL(url).host}: ${transportReason(error)}`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new UpstreamError(
      `connection lost while reading ${new URL(url).host}: ${String(error)}`,
      response.status,
    );
  }
  if (response.status === 429) {
    throw new UpstreamRateLimitError(
      `rate limited by ${new URL(url).host}`,
      parseRetryAfter(response.headers.get('retry-after')),
    );
  }
  if (response.status === 408 || response.status === 504) {
    throw new UpstreamTimeoutError(`${new URL(url).host} answered ${response.status}`);
  }
  if (response.status >= 500)
    throw new UpstreamError(`${new URL(url).host} answered ${response.status}`, response.status);
  if (response.status >= 400) {
    throw new InvalidRequestError(
      `${new URL(url).host} refused the request (${response.status}): ${text.slice(0, 500)}`,
      response.status,
    );
  }
  if (response.status >= 300) {
    const location = response.headers.get('location');
    throw new UpstreamError(
      `${new URL(url).host} answered ${response.status}, a redirect${location ? ` to ${location}` : ''}; ` +
        'PSP calls do not follow redirects (they would carry the credentials along), so check the endpoint',
      response.status,
    );
  }
  if (text.trim() === '') return undefined;
  try {
    return parseJson(text);
  } catch {
    throw new UpstreamError(`${new URL(url).host} answered with malformed JSON`, response.status);
  }
}
