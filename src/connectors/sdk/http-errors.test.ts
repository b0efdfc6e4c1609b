// The shared mapping of PSP answers and transport failures to typed errors, case by case.
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  InvalidRequestError,
  isRetryable,
  UpstreamError,
  UpstreamRateLimitError,
  UpstreamTimeoutError,
} from './errors.js';
import { errorFromAnswer, errorFromTransport, parseRetryAfter, reasonInText } from './http-errors.js';

const host = 'api.psp.test';

describe('Errors from PSP answers', () => {
  it('are absent for a success', () => {
    expect(errorFromAnswer({ status: 200, body: '{}' })).toBeUndefined();
    expect(errorFromAnswer({ status: 204 })).toBeUndefined();
  });

  it('turn a 429 into a rate limit that carries Retry-After in seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const seconds = errorFromAnswer({ status: 429, headers: { 'Retry-After': '7' }, host }, now);
    expect(seconds).toBeInstanceOf(UpstreamRateLimitError);
    expect((seconds as UpstreamRateLimitError).retryAfterMs).toBe(7000);
    const date = errorFromAnswer(
      { status: 429, headers: new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }) },
      now,
    );
    expect((date as UpstreamRateLimitError).retryAfterMs).toBe(30_000);
    const silent = errorFromAnswer({ status: 429 });
    expect((silent as UpstreamRateLimitError).retryAfterMs).toBeUndefined();
  });

  it('turn 408 and 504 into timeouts and other 5xx into retryable upstream errors with the status', () => {
    expect(errorFromAnswer({ status: 408 })).toBeInstanceOf(UpstreamTimeoutError);
    expect(errorFromAnswer({ status: 504 })).toBeInstanceOf(UpstreamTimeoutError);
    const failed = errorFromAnswer({ status: 503, body: '<html>down</html>', host });
    expect(failed).toBeInstanceOf(UpstreamError);
    expect((failed as UpstreamError).status).toBe(503);
    expect(isRetryable(failed)).toBe(true);
  });

  it("turn 401 and 403 into authentication errors naming the PSP's reason, never retried", () => {
    const body = JSON.stringify({ error: { message: 'Invalid API Key provided: sk_test_****1234' } });
    const refused = errorFromAnswer({ status: 401, body, host, headers: { authorization: 'Bearer s3cret' } });
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect((refused as AuthenticationError).status).toBe(401);
    expect((refused as Error).message).toBe(
      "api.psp.test refused the connector's credentials (HTTP 401: Invalid API Key provided: sk_test_****1234)",
    );
    expect((refused as Error).message).not.toContain('s3cret');
    expect(isRetryable(refused)).toBe(false);
    const forbidden = errorFromAnswer({ status: 403, body: 'you shall not pass' });
    expect(forbidden).toBeInstanceOf(AuthenticationError);
    // A body that is not JSON is not echoed for refused credentials: it may be anything.
    expect((forbidden as Error).message).toBe("the PSP refused the connector's credentials (HTTP 403)");
  });

  it("turn other 4xx into invalid requests carrying the status and the PSP's reason", () => {
    const refused = errorFromAnswer({
      status: 422,
      body: JSON.stringify({ errors: [{ detail: 'amount must be positive' }] }),
      host,
    });
    expect(refused).toBeInstanceOf(InvalidRequestError);
    expect((refused as InvalidRequestError).status).toBe(422);
    expect((refused as Error).message).toBe(
      'api.psp.test refused the request (422): amount must be positive',
    );
    const plain = errorFromAnswer({ status: 404, body: 'no such account' });
    expect((plain as Error).message).toContain('no such account');
  });

  it("keep the PSP's error code beside its message, but not a broad error type", () => {
    const generic = errorFromAnswer({
      status: 422,
      body: JSON.stringify({ Title: 'INSUFFICIENT_FUNDS', Detail: 'balance 50 is below 51' }),
    });
    expect((generic as InvalidRequestError).message).toContain('INSUFFICIENT_FUNDS: balance 50 is below 51');
    const stripe = errorFromAnswer({
      status: 404,
      body: JSON.stringify({
        error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such payout' },
      }),
    });
    expect((stripe as InvalidRequestError).message).toContain('resource_missing: No such payout');
    expect((stripe as InvalidRequestError).message).not.toContain('invalid_request_error');
  });

  it('turn a conflict (the same idempotency key in flight) into a retryable unknown outcome, never a refusal', () => {
    for (const status of [409, 425]) {
      const error = errorFromAnswer({
        status,
        host,
        body: JSON.stringify({ error: { message: 'another request with this key is in progress' } }),
      });
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).not.toBeInstanceOf(InvalidRequestError);
      expect(isRetryable(error)).toBe(true);
      expect((error as UpstreamError).status).toBe(status);
    }
  });

  it('refuse redirects, naming the target', () => {
    const redirect = errorFromAnswer({ status: 302, headers: { location: 'https://elsewhere.test/' }, host });
    expect(redirect).toBeInstanceOf(UpstreamError);
    expect((redirect as UpstreamError).status).toBe(302);
    expect((redirect as Error).message).toContain('a redirect to https://elsewhere.test/');
  });

  it('keep long reasons short', () => {
    const reason = reasonInText(JSON.stringify({ message: 'x'.repeat(5000) }));
    expect(reason?.length).toBeLessThanOrEqual(301);
  });
});

describe('Errors from transport failures', () => {
  it('turn aborts and timeouts into timeouts and refused connections into upstream errors', () => {
    expect(errorFromTransport(new DOMException('timed out', 'TimeoutError'), { host })).toBeInstanceOf(
      UpstreamTimeoutError,
    );
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const lost = errorFromTransport(new TypeError('fetch failed', { cause: reset }), { host });
    expect(lost).toBeInstanceOf(UpstreamError);
    expect(lost.message).toBe('cannot reach api.psp.test: read ECONNRESET');
    expect((lost as UpstreamError).status).toBeUndefined();
    const slow = Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' });
    expect(errorFromTransport(new TypeError('fetch failed', { cause: slow }))).toBeInstanceOf(
      UpstreamTimeoutError,
    );
  });
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates, and ignores garbage', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
