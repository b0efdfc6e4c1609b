import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  describeFailure,
  EXIT,
  TokenRequestError,
  UnreachableError,
  UsageError,
  WaitFailedError,
  WaitTimeoutError,
} from './errors.js';

describe('describeFailure', () => {
  it('maps API answers to exit codes by status, with the code, message and status on one line', () => {
    expect(describeFailure(new ApiError(400, 'VALIDATION', 'name is required'))).toEqual({
      exitCode: EXIT.refused,
      message: 'error: VALIDATION: name is required (HTTP 400)',
    });
    expect(describeFailure(new ApiError(404, 'NOT_FOUND', 'x')).exitCode).toBe(4);
    expect(describeFailure(new ApiError(413, 'MISSING_OR_INVALID_BODY', 'x')).exitCode).toBe(3);
    expect(describeFailure(new ApiError(500, 'INTERNAL', 'x')).exitCode).toBe(5);
  });

  it('treats an id the API cannot decode as not found, with a hint on where full ids are', () => {
    const failure = describeFailure(new ApiError(400, 'INVALID_ID', 'identifier does not hold JSON'));
    expect(failure.exitCode).toBe(EXIT.notFound);
    expect(failure.message).toMatch(
      /^error: INVALID_ID: identifier does not hold JSON \(HTTP 400\)\nhint: .*--wide/,
    );
  });

  it('prints a hint on a line of its own', () => {
    expect(describeFailure(new ApiError(403, 'VALIDATION', 'forbidden', 'use another client')).message).toBe(
      'error: VALIDATION: forbidden (HTTP 403)\nhint: use another client',
    );
  });

  it('maps a token endpoint refusal to exit 3 (5 when the endpoint fails), naming the endpoint', () => {
    const url = 'http://127.0.0.1:8080/api/auth/oauth/token';
    expect(
      describeFailure(new TokenRequestError(401, 'invalid_client', 'client authentication failed', url)),
    ).toEqual({
      exitCode: EXIT.refused,
      message: `error: the token endpoint refused: invalid_client: client authentication failed (HTTP 401 from ${url})`,
    });
    expect(describeFailure(new TokenRequestError(404, 'not_found', 'x', url)).exitCode).toBe(EXIT.refused);
    expect(describeFailure(new TokenRequestError(503, 'HTTP_503', 'x', url)).exitCode).toBe(EXIT.server);
  });

  it('maps the CLI failures to their documented codes', () => {
    expect(describeFailure(new UsageError('bad')).exitCode).toBe(2);
    expect(describeFailure(new UnreachableError('down')).exitCode).toBe(5);
    expect(describeFailure(new WaitFailedError('failed')).exitCode).toBe(6);
    expect(describeFailure(new WaitTimeoutError('late')).exitCode).toBe(7);
    expect(describeFailure(new Error('bug'))).toEqual({ exitCode: 1, message: 'error: bug' });
  });

  it('treats help and version as success and other parse errors as usage errors, printed by commander', () => {
    expect(describeFailure(new CommanderError(0, 'commander.helpDisplayed', ''))).toEqual({
      exitCode: 0,
      message: '',
    });
    expect(describeFailure(new CommanderError(1, 'commander.unknownOption', 'x')).exitCode).toBe(2);
  });
});
