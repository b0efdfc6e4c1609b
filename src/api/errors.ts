// The v3 error envelope and the one place where errors become HTTP statuses.
import {
  AuthenticationError,
  InvalidConfigError,
  InvalidRequestError,
  MissingFromPayloadError,
  NotImplementedError,
} from '../connectors/sdk/errors.js';
import { InvalidIdError } from '../domain/ids.js';
import { CapabilityError, ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
export const ERROR_CODES = [
  'INTERNAL',
  'VALIDATION',
  'INVALID_ID',
  'MISSING_OR_INVALID_BODY',
  'CONFLICT',
  'CONNECTOR_CAPABILITY_NOT_SUPPORTED',
  'NOT_FOUND',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorCode: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const validationError = (message: string) => new ApiError(400, 'VALIDATION', message);
export const invalidIdError = (message: string) => new ApiError(400, 'INVALID_ID', message);
export const invalidBodyError = (message: string) => new ApiError(400, 'MISSING_OR_INVALID_BODY', message);
export const conflictError = (message: string) => new ApiError(400, 'CONFLICT', message);
export const notFoundError = (message: string) => new ApiError(404, 'NOT_FOUND', message);
export const capabilityError = (message: string) =>
  new ApiError(400, 'CONNECTOR_CAPABILITY_NOT_SUPPORTED', message);

const INTERNAL_MESSAGE = 'Internal error. Consult logs/traces to have more details.';
const PROGRAM_LIMIT_EXCEEDED = '54000';

interface FrameworkError {
  code?: string;
  statusCode?: number;
  validation?: unknown;
  message: string;
}

/** Maps any error to the v3 envelope; anything unexpected becomes a 500 without details. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof InvalidIdError) return invalidIdError(error.message);
  // Refused credentials are a config the caller sent (an install, a config update) or must fix: a 400
  // naming the PSP's reason, never a 500 and never the PSP's own 401 (the caller's credentials are fine).
  if (
    error instanceof InvalidConfigError ||
    error instanceof InvalidRequestError ||
    error instanceof MissingFromPayloadError ||
    error instanceof AuthenticationError
  ) {
    return validationError(error.message);
  }
  if (error instanceof NotFoundError) return notFoundError(error.message);
  if (error instanceof ConflictError) return conflictError(error.message);
  if (error instanceof ValidationError) return validationError(error.message);
  if (error instanceof CapabilityError) return capabilityError(error.message);
  // An operation no capability announces (a PSU's user calls): the connector answers for itself.
  if (error instanceof NotImplementedError) return capabilityError(error.message);
  if (error instanceof Error) {
    const framework = error as FrameworkError;
    if (framework.validation) return validationError(error.message);
    if (framework.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return new ApiError(413, 'MISSING_OR_INVALID_BODY', error.message);
    if (framework.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return new ApiError(415, 'MISSING_OR_INVALID_BODY', error.message);
    if (framework.code?.startsWith('FST_ERR_CTP_')) return invalidBodyError(error.message);
    const status = framework.statusCode;
    if (status !== undefined && status >= 400 && status < 500)
      return new ApiError(status, 'VALIDATION', error.message);
    // PostgreSQL's program_limit_exceeded: a value within every field limit can still be too large for an index
    // (a 1000-character reference of random CJK text makes an id past the 2704-byte btree limit once encoded,
    // and whether it fits depends on how well it compresses). The statement failed, so nothing was stored.
    if (framework.code === PROGRAM_LIMIT_EXCEEDED) {
      return validationError('a value is too large to be stored: an id, a reference or a name is too long');
    }
  }
  return new ApiError(500, 'INTERNAL', INTERNAL_MESSAGE);
}
