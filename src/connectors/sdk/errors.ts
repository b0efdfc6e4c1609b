// Typed connector errors; the engine and the API map them to outcomes in one place each.

export class ConnectorError extends Error {
  override name = 'ConnectorError';
}

/** The connector (or the PSP) does not support this operation. Terminal. */
export class NotImplementedError extends ConnectorError {
  override name = 'NotImplementedError';
  constructor(operation = 'operation') {
    super(`${operation} is not implemented by this connector`);
  }
}

/** The connector was asked to work before it was installed. Retryable. */
export class NotYetInstalledError extends ConnectorError {
  override name = 'NotYetInstalledError';
  constructor() {
    super('connector is not yet installed');
  }
}

/** The request is invalid for this PSP (bad amount, unsupported currency, …). Terminal. */
export class InvalidRequestError extends ConnectorError {
  override name = 'InvalidRequestError';
  constructor(
    message: string,
    /** The PSP's HTTP status, when the refusal came as one (a 4xx). */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The connector configuration is invalid. Terminal; surfaces as a 400 at install. */
export class InvalidConfigError extends ConnectorError {
  override name = 'InvalidConfigError';
}

/** A child task ran without the parent item it needs. Terminal. */
export class MissingFromPayloadError extends ConnectorError {
  override name = 'MissingFromPayloadError';
  constructor() {
    super('missing from payload in request');
  }
}

/** The PSP rate-limited us; retry after `retryAfterMs` when it said so. */
export class UpstreamRateLimitError extends ConnectorError {
  override name = 'UpstreamRateLimitError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * The PSP refused the connector's credentials (401 or 403): wrong, expired or revoked keys, or keys
 * without the permission the call needs. Repeating cannot fix it, so a schedule that meets it pauses at
 * once with this reason, and an install answers 400 with it; the fix is a config update.
 */
export class AuthenticationError extends ConnectorError {
  override name = 'AuthenticationError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The PSP did not answer in time. Retryable for reads; an unknown outcome for writes. */
export class UpstreamTimeoutError extends ConnectorError {
  override name = 'UpstreamTimeoutError';
}

/** The PSP answered with an error (5xx, or a transport failure). Retryable for reads. */
export class UpstreamError extends ConnectorError {
  override name = 'UpstreamError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Whether a failed read may be retried. */
export function isRetryable(error: unknown): boolean {
  return (
    error instanceof UpstreamRateLimitError ||
    error instanceof UpstreamTimeoutError ||
    error instanceof UpstreamError ||
    error instanceof NotYetInstalledError
  );
}

/**
 * A webhook failed verification (bad or missing signature, stale timestamp, wrong secret). The delivery
 * is recorded as rejected and never becomes data; it is not retried.
 */
export class WebhookVerificationError extends ConnectorError {
  override name = 'WebhookVerificationError';
}

/**
 * Runs a removal at the PSP (a webhook, a subscription) where "already gone" counts as done: a 404
 * refusal is swallowed, so uninstall can be repeated after a partial failure. Anything else is thrown.
 */
export async function removeIfPresent(remove: () => Promise<unknown>): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (!(error instanceof InvalidRequestError && error.status === 404)) throw error;
  }
}
