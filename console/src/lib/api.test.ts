// The API client's reading of answers: exact amounts, the error envelope as ApiError, list URLs.
import { describe, expect, it } from 'vitest';
import { ApiError, listUrl, readResponse } from './api.js';

const json = (status: number, text: string) =>
  new Response(text, { status, headers: { 'content-type': 'application/json' } });

describe('api client', () => {
  it('keeps amounts beyond 2^53 exact', async () => {
    const body = (await readResponse(json(200, '{"data":{"amount":18446744073709551615,"small":12}}'))) as {
      data: { amount: unknown; small: unknown };
    };
    expect(body.data.amount).toBe(18446744073709551615n);
    expect(body.data.small).toBe(12);
  });

  it('turns the error envelope into an ApiError with code and message', async () => {
    const error = await readResponse(
      json(400, '{"errorCode":"VALIDATION","errorMessage":"name: too short"}'),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION', message: 'name: too short' });
    const plain = await readResponse(new Response('gateway down', { status: 502 })).catch((e: unknown) => e);
    expect(plain).toMatchObject({ status: 502, code: 'HTTP_502', message: 'gateway down' });
  });

  it('sends the filter and page size, or the cursor alone', () => {
    const url = new URL(
      listUrl('/v3/payments', { query: { $match: { status: 'FAILED' } }, pageSize: 10 }),
      'http://x',
    );
    expect(url.searchParams.get('query')).toBe('{"$match":{"status":"FAILED"}}');
    expect(url.searchParams.get('pageSize')).toBe('10');
    expect(listUrl('/v3/payments', { query: { $match: { status: 'FAILED' } }, cursor: 'abc' })).toBe(
      '/v3/payments?cursor=abc',
    );
  });
});
