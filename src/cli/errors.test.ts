import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  describeFailure,
  EXIT,
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
