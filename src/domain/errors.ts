// Engine errors the API turns into 4xx answers (connector errors live in connectors/sdk/errors.ts).

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** A request that breaks a rule the schema cannot express (an account of another connector, …). */
export class ValidationError extends Error {
  override name = 'ValidationError';
}

/** The object is not in a status that allows this action (approve twice, reverse before processing, …). */
export class InvalidTransitionError extends ValidationError {
  override name = 'InvalidTransitionError';
}

/** The connector lacks the capability the request needs. */
export class CapabilityError extends Error {
  override name = 'CapabilityError';
}

/** Whether a database error is a unique-constraint violation (pg and PGlite both report SQLSTATE). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** Whether a database error is a foreign-key violation: the row referred to is gone. */
export function isForeignKeyViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23503';
}
