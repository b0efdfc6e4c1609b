// PSP answers and transport failures turned into the typed connector errors: the one mapping every connector shares.
import {
  AuthenticationError,
  type ConnectorError,
  InvalidRequestError,
  UpstreamError,
  UpstreamRateLimitError,
  UpstreamTimeoutError,
} from './errors.js';

/** Header values as fetch (`Headers`), node:http, axios or a PSP SDK hand them over. */
export type AnswerHeaders =
  Headers | Readonly<Record<string, string | readonly string[] | number | undefined | null>>;

/** What a PSP answered, as far as the error mapping needs it. */
export interface PspAnswer {
  status: number;
  headers?: AnswerHeaders;
  /** The body as text (JSON or not); only a short reason is ever taken from it. */
  body?: string;
  /** Who answered (the URL's host), named in the message; "the PSP" when absent. */
  host?: string;
}

/** The longest PSP reason an error message carries; PSP bodies can be pages long. */
const REASON_MAX = 300;

/** `Retry-After` as milliseconds: either delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** One header, whatever shape the headers come in (names compared case-insensitively). */
export function headerValue(headers: AnswerHeaders | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined || value === null) continue;
    return Array.isArray(value) ? String(value[0]) : String(value as string | number);
  }
  return undefined;
}

const clip = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > REASON_MAX ? `${flat.slice(0, REASON_MAX)}…` : flat;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Fields PSPs put their human-readable reason in, most specific first. */
const REASON_FIELDS = [
  'message',
  'Message',
  'error_description',
  'detail',
  'Detail',
  'errorMessage',
  'error_message',
  'description',
  'reason',
];

/**
 * Fields PSPs put a machine-readable code or short title in (`INSUFFICIENT_FUNDS`). Kept beside the
 * message, because the code is often what an operator (or a test) looks for. Not `type`: PSPs use it
 * for a broad category (Stripe's `authentication_error`) that adds nothing to the message.
 */
const CODE_FIELDS = ['code', 'Code', 'title', 'Title', 'error_code', 'errorCode'];

function firstText(body: Record<string, unknown>, fields: readonly string[]): string | undefined {
  for (const field of fields) {
    const value = body[field];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/** The PSP's own reason in a parsed error body: `message`, `error.message`, `errors[0].detail`, … */
export function reasonInBody(body: unknown, depth = 0): string | undefined {
  if (depth > 2) return undefined;
  if (Array.isArray(body)) return body.length > 0 ? reasonInBody(body[0], depth + 1) : undefined;
  if (!isRecord(body)) return undefined;
  const message = firstText(body, REASON_FIELDS);
  const code = firstText(body, CODE_FIELDS);
  if (message !== undefined || code !== undefined) {
    return clip(code && message && !message.includes(code) ? `${code}: ${message}` : (message ?? code ?? ''));
  }
  for (const field of ['error', 'errors', 'Errors', 'fault']) {
    const value = body[field];
    if (typeof value === 'string' && value.trim() !== '') return clip(value);
    const nested = reasonInBody(value, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * The reason in a body given as text: from JSON when it parses, else the text itself, clipped (an HTML
 * error page included: it is often all an operator has to go on, and redaction hides it from API
 * callers when the host is internal).
 */
export function reasonInText(body: string | undefined, { plainText = true } = {}): string | undefined {
  if (body === undefined || body.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return reasonInBody(parsed);
  } catch {
    return plainText ? clip(body) : undefined;
  }
}

/** What an error status (with the PSP's reason, when known) means for the engine. */
export interface StatusRefusal {
  status: number;
  headers?: AnswerHeaders;
  reason?: string;
  host?: string;
  now?: number;
}

/**
 * The typed error for a non-2xx status. 429 → UpstreamRateLimitError (Retry-After honoured); 408 and 504
 * → UpstreamTimeoutError; other 5xx → UpstreamError; 401 and 403 → AuthenticationError; 409 and 425
 * (a conflict, e.g. the same idempotency key still in flight) → UpstreamError, an unknown outcome; other
 * 4xx → InvalidRequestError; 3xx → UpstreamError refusing the redirect; anything else → UpstreamError.
 */
export function errorFromStatus(refusal: StatusRefusal): ConnectorError {
  const { status, headers, host, now = Date.now() } = refusal;
  const who = host ?? 'the PSP';
  const reason = refusal.reason ? `: ${refusal.reason}` : '';
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'), now);
    const after = retryAfterMs === undefined ? '' : ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)`;
    return new UpstreamRateLimitError(`rate limited by ${who}${after}${reason}`, retryAfterMs);
  }
  if (status === 408 || status === 504) {
    return new UpstreamTimeoutError(`${who} answered ${status}, a timeout${reason}`);
  }
  if (status >= 500) return new UpstreamError(`${who} answered ${status}${reason}`, status);
  if (status === 401 || status === 403) {
    return new AuthenticationError(
      `${who} refused the connector's credentials (HTTP ${status}${reason})`,
      status,
    );
  }
  if (status === 409 || status === 425) {
    // A conflict is what PSPs answer when a request with the same idempotency key is still running, or
    // was made with other parameters: the first request may well have moved the money. Calling it a
    // refusal would mark a payout FAILED that may have been paid, so it is an unknown outcome, repeated
    // with the same key (a replay then answers what the first request did).
    return new UpstreamError(
      `${who} answered ${status}, a conflict (the outcome of an earlier request with this key is unknown)${reason}`,
      status,
    );
  }
  if (status >= 400)
    return new InvalidRequestError(`${who} refused the request (${status})${reason}`, status);
  if (status >= 300) {
    const location = headerValue(headers, 'location');
    return new UpstreamError(
      `${who} answered ${status}, a redirect${location ? ` to ${location}` : ''}; ` +
        'PSP calls do not follow redirects (they would carry the credentials along), so check the endpoint',
      status,
    );
  }
  return new UpstreamError(`${who} answered with an unexpected status ${status}`, status);
}

/**
 * The typed error for a PSP answer, or undefined for a success (2xx). The reason comes from the body:
 * a JSON message field for refused credentials (never the raw body, never a header), a JSON message
 * field or short plain text for other refusals.
 */
export function errorFromAnswer(answer: PspAnswer, now = Date.now()): ConnectorError | undefined {
  const { status } = answer;
  if (status >= 200 && status < 300) return undefined;
  const credentials = status === 401 || status === 403;
  const reason = status >= 400 ? reasonInText(answer.body, { plainText: !credentials }) : undefined;
  return errorFromStatus({
    status,
    now,
    ...(answer.headers ? { headers: answer.headers } : {}),
    ...(reason ? { reason } : {}),
    ...(answer.host ? { host: answer.host } : {}),
  });
}

/** Error codes of node, undici and HTTP clients that mean "no answer in time". */
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Why a request failed below HTTP: undici says "fetch failed" and keeps the reason (ECONNREFUSED, …) as the cause. */
function transportReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? error.cause.message : error.message;
}

/** Whether a failure below HTTP was the request running out of time (an abort signal, a socket timeout). */
export function isTimeout(error: unknown): boolean {
  if (!isRecord(error) && !(error instanceof Error)) return false;
  const { name, code, cause } = error as { name?: unknown; code?: unknown; cause?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError') return true;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return true;
  return cause !== undefined && cause !== error && isTimeout(cause);
}

/**
 * The typed error for a request that got no answer: a timeout or an abort → UpstreamTimeoutError;
 * refused, reset or unresolvable connections → UpstreamError without a status (retryable; for a write,
 * an unknown outcome).
 */
export function errorFromTransport(
  error: unknown,
  where: { host?: string; timeoutMs?: number } = {},
): ConnectorError {
  const who = where.host ?? 'the PSP';
  if (isTimeout(error)) {
    return new UpstreamTimeoutError(
      where.timeoutMs === undefined
        ? `no answer from ${who} in time: ${transportReason(error)}`
        : `no answer from ${who} within ${where.timeoutMs} ms`,
    );
  }
  return new UpstreamError(`cannot reach ${who}: ${transportReason(error)}`);
}

/** A success status whose body is not the JSON it should be: the PSP's fault, retryable for reads. */
export function malformedJsonError(status: number, host?: string): UpstreamError {
  return new UpstreamError(`${host ?? 'the PSP'} answered with malformed JSON`, status);
}
