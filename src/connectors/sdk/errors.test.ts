import { describe, expect, it } from 'vitest';
import { InvalidRequestError, removeIfPresent, UpstreamError } from './errors.js';

describe('removeIfPresent', () => {
  it('counts a 404 as removed, and throws any other refusal or failure', async () => {
    let calls = 0;
    await removeIfPresent(async () => {
      calls += 1;
    });
    await removeIfPresent(async () => {
      throw new InvalidRequestError('no such webhook', 404);
    });
    expect(calls).toBe(1);
    await expect(
      removeIfPresent(async () => {
        throw new InvalidRequestError('not yours', 403);
      }),
    ).rejects.toThrow('not yours');
    await expect(
      removeIfPresent(async () => {
        throw new UpstreamError('PSP down', 503);
      }),
    ).rejects.toThrow('PSP down');
  });
});
