// Errors thrown by official PSP SDKs (Stripe, Adyen, Mangopay, axios- and fetch-style clients) turned into the typed connector errors.
import {
  AuthenticationError,
  ConnectorError,
  InvalidRequestError,
  UpstreamError,
  UpstreamTimeoutError,
  WebhookVerificationError,
} from './errors.js';
import {
  type AnswerHeaders,
  errorFromStatus,
  errorFromTransport,
  isTimeout,
  reasonInBody,
  reasonInText,
} from './http-errors.js';

/*
 * SDK errors are recognised by their documented shapes, never by `instanceof`: an SDK loaded twice (its
 * CommonJS and ESM builds, two versions in one tree) has two copies of each class, and this module must
 * not load every SDK to know their classes.
 */

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null;
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined;
const statusIn = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599 ? value : undefined;
const headersIn = (value: unknown): AnswerHeaders | undefined =>
  isObject(value) ? (value as AnswerHeaders) : undefined;

/** A reason from a body an SDK kept parsed (an object) or as text. */
function reasonOf(body: unknown): string | undefined {
  if (typeof body === 'string') return reasonInText(body);
  return reasonInBody(body);
}

function fromStatus(
  status: number,
  options: { headers?: AnswerHeaders | undefined; reason?: string | undefined; psp: string | undefined },
): ConnectorError {
  return errorFromStatus({
    status,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.reason ? { reason: options.reason } : {}),
    ...(options.psp ? { host: options.psp } : {}),
  });
}

/**
 * Stripe (`stripe`): every error is a StripeError whose `type` names its class (StripeRateLimitError,
 * StripeAuthenticationError, StripePermissionError, StripeConnectionError, StripeInvalidRequestError,
 * StripeAPIError, …) and carries `statusCode` and the answer's `headers` when Stripe answered.
 */
function fromStripe(error: Fields, psp: string | undefined): ConnectorError | undefined {
  const type = text(error.type);
  if (!type || !('rawType' in error || 'raw' in error) || !/^(Stripe|RateLimitError$)/.test(type)) {
    return undefined;
  }
  const status = statusIn(error.statusCode);
  const headers = headersIn(error.headers);
  const reason = text(error.message);
  const who = psp ?? 'Stripe';
  switch (type) {
    case 'StripeConnectionError': {
      // The SDK wraps its transport failure in `detail`; a timeout there has code ETIMEDOUT.
      return isTimeout(error.detail)
        ? new UpstreamTimeoutError(`no answer from ${who} in time: ${reason ?? 'timeout'}`)
        : new UpstreamError(`cannot reach ${who}: ${reason ?? 'connection failed'}`);
    }
    case 'StripeRateLimitError':
    case 'RateLimitError':
      return fromStatus(429, { headers, reason, psp: who });
    case 'StripeAuthenticationError':
      return fromStatus(status === 403 ? 403 : 401, { reason, psp: who });
    case 'StripePermissionError':
      return fromStatus(403, { reason, psp: who });
    case 'StripeSignatureVerificationError':
      return new WebhookVerificationError(reason ?? 'the Stripe signature does not verify');
    default:
      if (status !== undefined) return fromStatus(status, { headers, reason, psp: who });
      // No status: Stripe's answer was unreadable (invalid JSON), or the SDK failed before an answer.
      return new UpstreamError(`${who} failed: ${reason ?? type}`);
  }
}

/**
 * Adyen (`@adyen/api-library`): an answer that is not 2xx rejects with an HttpClientException
 * (`statusCode`, `responseHeaders`, `responseBody`, and `apiError` when the body is Adyen's error JSON);
 * a request that got no answer rejects with an ApiException (a plain object: `name`, `message`, and
 * `statusCode`, which defaults to 500 even for a refused connection).
 */
function fromAdyen(error: Fields, psp: string | undefined): ConnectorError | undefined {
  const who = psp ?? 'Adyen';
  if (error.name === 'HttpClientException') {
    const status = statusIn(error.statusCode);
    const apiError = isObject(error.apiError) ? error.apiError : undefined;
    const reason = text(apiError?.message) ?? reasonOf(error.responseBody);
    if (status === undefined)
      return new UpstreamError(`${who} failed: ${text(error.message) ?? 'no status'}`);
    return fromStatus(status, { headers: headersIn(error.responseHeaders), reason, psp: who });
  }
  if (error.name === 'ApiException') {
    const message = text(error.message) ?? 'failed';
    const status = statusIn(error.statusCode);
    // Node's socket errors ("connect ECONNREFUSED …", "socket hang up") arrive as ApiException(message, 500).
    if (status === undefined || (status === 500 && TRANSPORT_MESSAGE.test(message))) {
      return errorFromTransport(new Error(message), { host: who });
    }
    return fromStatus(status, { reason: message, psp: who });
  }
  return undefined;
}

/** Node and undici socket failures, as their messages name them (SDKs that keep only the message). */
const TRANSPORT_MESSAGE =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|socket hang up|timeout/i;

/** Mangopay error report `Type`s that mean refused credentials (the other SDKs' tests name both). */
const MANGOPAY_AUTH_TYPES = new Set(['not_authorized', 'forbidden_ressource', 'unauthorized']);
/** Mangopay error report `Type`s of a request the PSP refused for its content. */
const MANGOPAY_REFUSAL_TYPES = new Set(['param_error', 'ressource_not_found', 'invalid_action']);
/** OAuth 2 token endpoint errors (RFC 6749 §5.2) that mean the client's credentials were refused. */
const OAUTH_CREDENTIAL_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'invalid_token']);

/**
 * Mangopay (`mangopay2-nodejs-sdk`): its promises reject with the answer's body, not an error: Mangopay's
 * error report (`Message`, `Type`, `Id`, `errors`), the OAuth token endpoint's `{error,
 * error_description}`, `{Message: 'Request timed out', Code: 408}` on its own timeout, or (with the
 * request option `resolveWithFullResponse`) the axios response, which keeps the status and headers.
 * Without a status, only a report `Type` the PSP documents says more than "the call failed".
 */
function fromMangopay(error: Fields, psp: string | undefined): ConnectorError | undefined {
  const who = psp ?? 'Mangopay';
  const message = text(error.Message);
  if (message !== undefined && error.Code === 408) {
    return new UpstreamTimeoutError(`no answer from ${who} in time: ${message}`);
  }
  const type = text(error.Type);
  if (message !== undefined && type !== undefined) {
    const reason = `${message} (${type})`;
    if (MANGOPAY_AUTH_TYPES.has(type))
      return new AuthenticationError(`${who} refused the connector's credentials: ${reason}`);
    if (MANGOPAY_REFUSAL_TYPES.has(type))
      return new InvalidRequestError(`${who} refused the request: ${reason}`);
    return new UpstreamError(`${who} failed: ${reason}`);
  }
  const oauth = text(error.error);
  if (oauth !== undefined && OAUTH_CREDENTIAL_ERRORS.has(oauth)) {
    const detail = text(error.error_description);
    return new AuthenticationError(
      `${who} refused the connector's credentials (${oauth}${detail ? `: ${detail}` : ''})`,
    );
  }
  return undefined;
}

/**
 * axios errors (`isAxiosError`, `response.status`, `response.headers`, `response.data`, `code`), axios
 * responses, and fetch-style or other HTTP errors with a status at `status`, `statusCode` or
 * `response.status` (got, ky, ofetch, generated clients).
 */
function fromHttpShaped(error: Fields, psp: string | undefined): ConnectorError | undefined {
  const response = isObject(error.response) ? error.response : undefined;
  const status =
    statusIn(response?.status) ??
    statusIn(response?.statusCode) ??
    statusIn(error.status) ??
    statusIn(error.statusCode) ??
    statusIn(error.httpStatus);
  if (status !== undefined) {
    const source = response ?? error;
    const headers = headersIn(source.headers);
    const body = source.data ?? source.body ?? source.responseBody ?? error.body ?? error.data;
    const reason = reasonOf(body) ?? (response ? text(error.message) : undefined);
    return fromStatus(status, { headers, reason, psp });
  }
  if (
    error.isAxiosError === true ||
    isTimeout(error) ||
    (typeof error.code === 'string' && /^E[A-Z]+$|^UND_ERR/.test(error.code))
  ) {
    return errorFromTransport(error, psp ? { host: psp } : {});
  }
  return undefined;
}

/**
 * The typed connector error for anything an official PSP SDK (or an HTTP client) threw or rejected
 * with: rate limits keep the Retry-After the PSP sent, refused credentials become AuthenticationError
 * (the schedule pauses with the PSP's reason), refusals keep their status, timeouts and lost connections
 * stay retryable. What matches no known shape becomes an UpstreamError: for a read it is retried, and
 * for a write it leaves the outcome unknown, which is the safe reading of a failure nobody can classify.
 * Typed connector errors pass through unchanged. `psp` names the PSP in messages (default: the SDK's).
 *
 * ```ts
 * try { return await stripe.payouts.create(body, { idempotencyKey }); }
 * catch (error) { throw errorFromPspSdk(error); }
 * ```
 */
export function errorFromPspSdk(error: unknown, options: { psp?: string } = {}): ConnectorError {
  if (error instanceof ConnectorError) return error;
  // What the connector's own fetch threw (an endpoint the allow list refuses, a spent call budget), which
  // an SDK wrapped as its connection error (`cause`, or Stripe's `detail`), keeps its meaning: a
  // connection error would be retried for ever.
  const own = ownErrorInside(error);
  if (own) return own;
  const { psp } = options;
  if (isObject(error)) {
    const mapped =
      fromStripe(error, psp) ??
      fromAdyen(error, psp) ??
      fromMangopay(error, psp) ??
      fromHttpShaped(error, psp);
    if (mapped) {
      if (error instanceof Error && mapped !== error) mapped.cause = error;
      return mapped;
    }
    // "fetch failed" with the socket error as its cause, or a socket error an SDK let through.
    if (error instanceof Error && isObject(error.cause)) {
      const cause = fromHttpShaped(error.cause, psp);
      if (cause) return Object.assign(cause, { cause: error });
    }
  }
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : String(error);
  const unknown = new UpstreamError(`${psp ?? 'the PSP'} call failed: ${message}`);
  if (error instanceof Error) unknown.cause = error;
  return unknown;
}

/** A ConnectorError an SDK wrapped, found through `cause` or `detail` (a few levels at most). */
function ownErrorInside(error: unknown): ConnectorError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && isObject(current); depth++) {
    const inner: unknown = current.cause ?? current.detail;
    if (inner instanceof ConnectorError) return inner;
    current = inner;
  }
  return undefined;
}
