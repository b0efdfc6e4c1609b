// The simulator's typed refusal and its one error body, `{Title, Detail}`, as the Generic contract's `Error` schema has it.

export interface ErrorBody {
  Title: string;
  Detail: string;
}

/** A refusal with its HTTP status; the server's error handler is the only place that turns it into a reply. */
export class MockPspError extends Error {
  constructor(
    readonly statusCode: number,
    readonly title: string,
    detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  body(): ErrorBody {
    return { Title: this.title, Detail: this.message };
  }
}

export const validationError = (detail: string) => new MockPspError(400, 'VALIDATION', detail);
export const unauthorizedError = (detail: string) => new MockPspError(401, 'UNAUTHORIZED', detail);
export const notFoundError = (detail: string) => new MockPspError(404, 'NOT_FOUND', detail);
export const invalidTransitionError = (detail: string) => new MockPspError(409, 'INVALID_TRANSITION', detail);
