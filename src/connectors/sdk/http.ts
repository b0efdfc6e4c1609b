// The PSP HTTP client every connector shares: timeouts, retries, and HTTP outcomes turned into typed errors.
import { parseJson } from '../../domain/json.js';
import type { PspFetch } from './context.js';
import { isRetryable, UpstreamError } from './errors.js';
import { errorFromAnswer, errorFromTransport, malformedJsonError } from './http-errors.js';
import { backoffDelay, retryAfterOf } from './retry.js';

// Kept here too: connectors and tests import it from the HTTP client.
export { parseRetryAfter } from './http-errors.js';

export interface PspRequestOptions extends Omit<RequestInit, 'signal' | 'redirect'> {
  /** Abort after this long (default 30 s); the call then fails with UpstreamTimeoutError. */
  timeoutMs?: number;
  /**
   * Retries of a transient failure (rate limit, timeout, 5xx, lost connection) within this call, with
   * exponential backoff and full jitter, never sooner than the PSP's Retry-After. Only for requests
   * that are safe to repeat (reads, or writes the PSP de-duplicates by idempotency key). A Retry-After
   * longer than `maxRetryAfterMs` (default 10 s) is not waited out here: the error goes to the caller,
   * whose schedule comes back later. The backoff (retry.ts) starts at `baseDelayMs` (default 100 ms)
   * and is capped at `maxDelayMs` (default 10 s). Default: no retries.
   */
  retry?: { attempts: number; baseDelayMs?: number; maxDelayMs?: number; maxRetryAfterMs?: number };
}

/**
 * Calls a PSP through the connector's fetch (ConnectorContext.fetch) and returns its JSON body
 * (bigint-exact). Failures map to the engine's error classes (see http-errors.ts): 429 →
 * UpstreamRateLimitError (with Retry-After); 408, 504 and timeouts → UpstreamTimeoutError; other 5xx,
 * connection failures and unreadable bodies → UpstreamError (retried for reads; for writes the caller
 * must treat them as an unknown outcome); 401 and 403 → AuthenticationError; other 4xx →
 * InvalidRequestError (neither retried).
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
      const retryAfterMs = retryAfterOf(error);
      if ((retryAfterMs ?? 0) > (retry?.maxRetryAfterMs ?? 10_000)) throw error;
      const policy = { baseMs: retry?.baseDelayMs ?? 100, capMs: retry?.maxDelayMs ?? 10_000 };
      const delay = backoffDelay(policy, attempt, { retryAfterMs });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function requestOnce(fetch: PspFetch, url: string | URL, options: PspRequestOptions): Promise<unknown> {
  const { timeoutMs = 30_000, ...init } = options;
  const { host } = new URL(url);
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw errorFromTransport(error, { host, timeoutMs });
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    // The answer started but its body never arrived whole: the status alone does not say what happened.
    const cause = errorFromTransport(error, { host, timeoutMs });
    throw cause instanceof UpstreamError
      ? new UpstreamError(`connection lost while reading ${host}: ${cause.message}`, response.status)
      : cause;
  }
  const refusal = errorFromAnswer({ status: response.status, headers: response.headers, body: text, host });
  if (refusal) throw refusal;
  if (text.trim() === '') return undefined;
  try {
    return parseJson(text);
  } catch {
    throw malformedJsonError(response.status, host);
  }
}
