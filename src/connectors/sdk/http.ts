// The PSP HTTP client every connector shares: timeouts, retries, and HTTP outcomes turned into typed errors.
import { parseJson } from '../../domain/json.js';
import type { PspFetch } from './context.js';
import { isRetryable, UpstreamError } from './errors.js';
import { errorFromAnswer, errorFromTransport, malformedJsonError, type PspAnswer } from './http-errors.js';
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

/** A PSP's answer, read whole: what a client with its own error or JSON handling works from. */
export type PspExchange = Required<Pick<PspAnswer, 'status' | 'body' | 'host'>> & { headers: Headers };

/**
 * One request through the connector's fetch, with what every client needs and none should write again:
 * a deadline, no redirects (they would carry the credentials elsewhere), and transport failures, a
 * timeout or a body cut short, as typed errors. The status is the caller's to judge: `pspRequest` does it
 * with `errorFromAnswer`; a client whose PSP words its refusals differently, or whose JSON needs its own
 * parser (numbers kept as literals, say), starts here.
 */
export async function pspExchange(
  fetch: PspFetch,
  url: string | URL,
  options: Omit<PspRequestOptions, 'retry'> = {},
): Promise<PspExchange> {
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
  return { status: response.status, headers: response.headers, body: text, host };
}

async function requestOnce(fetch: PspFetch, url: string | URL, options: PspRequestOptions): Promise<unknown> {
  const answer = await pspExchange(fetch, url, options);
  const refusal = errorFromAnswer(answer);
  if (refusal) throw refusal;
  if (answer.body.trim() === '') return undefined;
  try {
    return parseJson(answer.body);
  } catch {
    throw malformedJsonError(answer.status, answer.host);
  }
}
