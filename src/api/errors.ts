// The v3 error envelope and the one place where errors become HTTP statuses.
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
export const capabilityError = (message: string) => new ApiError(400, 'CONNECTOR_CAPABILITY_NOT_SUPPORTED', message);
