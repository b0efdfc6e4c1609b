// Engine errors the API turns into 4xx answers (connector errors live in connectors/sdk/errors.ts).

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** Whether a database error is a unique-constraint violation (pg and PGlite both report SQLSTATE). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
