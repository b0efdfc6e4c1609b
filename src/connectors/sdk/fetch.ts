// The pieces of the engine's connector fetch: the outbound policy on every request, exchange observation, and URL redaction for logs.
import type { PspFetch } from './context.js';
import { afterPspAnswer, beforePspCall } from './outbound.js';

/** What one HTTP exchange with a PSP was, as metrics and logs see it: never headers or bodies. */
export interface PspExchange {
  method: string;
  url: URL;
  /** The HTTP status, or undefined when no answer came (connection refused, timeout, abort). */
  status?: number;
  /** From the request to the answer's headers (or the failure). */
  durationMs: number;
}

/** Hooks around each request of an observed fetch. */
export interface FetchObserver {
  /** Before the request is sent (after the outbound policy allowed it): the call budget waits here. */
  before?(url: URL, method: string): Promise<void>;
  /** After the answer's headers (or the failure), once per exchange. */
  exchange?(exchange: PspExchange): void;
}

function requestUrl(input: string | URL): URL {
  return input instanceof URL ? input : new URL(input);
}

/**
 * A fetch under the outbound policy (outbound.ts): a host outside PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW is
 * refused before anything is sent, and answers of internal hosts are marked so their errors stay hidden
 * from API callers. Redirects are never followed, whatever the caller asked (an official PSP SDK
 * usually asks to follow): a redirect would carry the credentials to a host the policy never saw, so
 * the 3xx itself is the answer. Applied to every request, so a connector that hands this fetch to its
 * PSP's SDK is covered like one that uses pspRequest.
 */
export function policedFetch(inner: PspFetch, observer: FetchObserver = {}): PspFetch {
  return async (input, init) => {
    const url = requestUrl(input);
    const method = (init?.method ?? 'GET').toUpperCase();
    await beforePspCall(url);
    if (observer.before) await observer.before(url, method);
    const redirect = init?.redirect === 'error' ? 'error' : 'manual';
    const started = performance.now();
    let response: Response;
    try {
      response = await inner(input, { ...init, redirect });
    } catch (error) {
      observer.exchange?.({ method, url, durationMs: performance.now() - started });
      throw error;
    }
    afterPspAnswer();
    observer.exchange?.({ method, url, status: response.status, durationMs: performance.now() - started });
    return response;
  };
}

/** Query parameters whose values are credentials more often than not. */
const SECRET_PARAMETER =
  /key|token|secret|sig|password|passwd|pwd|pass$|auth|credential|session|cookie|jwt|bearer|otp/i;

export const REDACTED = '[REDACTED]';

/** `value` with every occurrence of any secret (as written, and URL-encoded) replaced. */
function withoutSecrets(value: string, secrets: readonly string[]): string {
  let text = value;
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) text = text.split(form).join(REDACTED);
  }
  return text;
}

/**
 * A URL's path and query as a log may show them: values of secret-looking query parameters (key,
 * token, secret, signature, password, …) and any of `secrets` (the connector's configured secret
 * values, wherever they appear, in the path too) replaced by [REDACTED]. No user info, no fragment.
 */
export function redactedTarget(url: URL, secrets: readonly string[] = []): string {
  const path = withoutSecrets(url.pathname, secrets);
  if (url.search === '') return path;
  const query = url.search
    .slice(1)
    .split('&')
    .map((pair) => {
      const at = pair.indexOf('=');
      const rawName = at < 0 ? pair : pair.slice(0, at);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // Malformed escapes: judge the name as written.
      }
      if (at >= 0 && SECRET_PARAMETER.test(name)) return `${withoutSecrets(rawName, secrets)}=${REDACTED}`;
      return withoutSecrets(pair, secrets);
    })
    .join('&');
  return `${path}?${query}`;
}
