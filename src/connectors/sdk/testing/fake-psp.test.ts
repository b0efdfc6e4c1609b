// The fake PSP server: routes, recording, idempotent writes, faults, TLS and mTLS, and the pagination helpers.
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  InvalidRequestError,
  UpstreamError,
  UpstreamRateLimitError,
  UpstreamTimeoutError,
} from '../errors.js';
import { pspRequest } from '../http.js';
import { FakePsp } from './fake-psp.js';
import {
  cursorPages,
  nextLinkPages,
  offsetLimitPages,
  pageNumberPages,
  stripeListPages,
} from './pagination.js';

const started: FakePsp[] = [];
async function start(options: Parameters<typeof FakePsp.start>[0] = {}): Promise<FakePsp> {
  const psp = await FakePsp.start(options);
  started.push(psp);
  return psp;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((psp) => psp.stop()));
});

const ITEMS = Array.from({ length: 11 }, (_, i) => ({ id: `item-${String(i).padStart(2, '0')}` }));

describe('the fake PSP', () => {
  it('serves routes with path parameters and records each request with its headers and body', async () => {
    const psp = await start();
    psp.route('GET', '/v1/accounts/:id', (request) => ({ json: { id: request.params.id } }));
    psp.route('POST', '/v1/payouts', (request) => ({ status: 201, json: request.json() }));
    expect(await pspRequest(psp.fetch, `${psp.url}/v1/accounts/acc%2F1`)).toEqual({ id: 'acc/1' });
    await pspRequest(psp.fetch, `${psp.url}/v1/payouts?dry=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
      body: '{"amount":18446744073709551615}',
    });
    const [, payout] = psp.requests;
    expect(payout?.path).toBe('/v1/payouts');
    expect(payout?.query.get('dry')).toBe('1');
    expect(payout?.json()).toEqual({ amount: 18446744073709551615n });
    psp.assertRequests('POST', '/v1/payouts', {
      headers: { 'x-api-key': 'k' },
      jsonBody: { amount: 18446744073709551615n },
    });
    expect(() => psp.assertRequests('POST', '/v1/payouts', { headers: { 'x-api-key': 'other' } })).toThrow(
      /x-api-key/,
    );
    expect(() => psp.assertRequests('GET', '/v1/balances', {})).toThrow(/received no GET/);
  });

  it('answers 404 naming the request when no route matches, and serves a fixture file', async () => {
    const psp = await start();
    psp.route('GET', '/fixture', {
      fixture: new URL('../../generic/fixtures/accounts.json', import.meta.url).pathname,
    });
    expect(Array.isArray(await pspRequest(psp.fetch, `${psp.url}/fixture`))).toBe(true);
    await expect(pspRequest(psp.fetch, `${psp.url}/nothing`)).rejects.toThrow(/no route for GET \/nothing/);
  });

  it('performs a write once per idempotency key, replays its answer, and refuses a write without a key', async () => {
    const psp = await start();
    let created = 0;
    psp.write('POST', '/transfers', { header: 'Idempotency-Key' }, () => ({
      status: 201,
      json: { id: `tr-${++created}` },
    }));
    const send = (key?: string) =>
      pspRequest(psp.fetch, `${psp.url}/transfers`, {
        method: 'POST',
        headers: key ? { 'idempotency-key': key } : {},
      });
    expect(await send('k1')).toEqual({ id: 'tr-1' });
    expect(await send('k1')).toEqual({ id: 'tr-1' });
    expect(await send('k2')).toEqual({ id: 'tr-2' });
    await expect(send()).rejects.toBeInstanceOf(InvalidRequestError);
    expect(psp.movements.map((movement) => movement.key)).toEqual(['k1', 'k2']);
    psp.assertRequests('POST', '/transfers', {}); // recorded, refusals included
    expect(() =>
      psp.assertRequests('POST', '/transfers', {
        idempotencyKey: { location: { header: 'idempotency-key' } },
      }),
    ).toThrow(/no idempotency key/);
  });

  it('reads an idempotency key from a form body as well as a JSON body', async () => {
    const psp = await start();
    psp.write('POST', '/v1/transfers', { bodyField: 'idempotency_key' }, () => ({ json: { ok: true } }));
    await pspRequest(psp.fetch, `${psp.url}/v1/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'amount=100&idempotency_key=form-key',
    });
    expect(psp.movements.map((movement) => movement.key)).toEqual(['form-key']);
    psp.assertRequests('POST', '/v1/transfers', { formBody: { amount: '100' } });
  });

  it('injects a 429 with Retry-After once, then answers normally', async () => {
    const psp = await start();
    psp.route('GET', '/accounts', { json: [] });
    psp.fail(
      { kind: 'status', status: 429, headers: { 'retry-after': '7' } },
      { path: '/accounts', times: 1 },
    );
    const error = await pspRequest(psp.fetch, `${psp.url}/accounts`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamRateLimitError);
    expect((error as UpstreamRateLimitError).retryAfterMs).toBe(7000);
    expect(await pspRequest(psp.fetch, `${psp.url}/accounts`)).toEqual([]);
  });

  it('injects a 500 N times, a reset connection, malformed JSON and a hang', async () => {
    const psp = await start();
    psp.route('GET', '/a', { json: { ok: true } });
    psp.fail({ kind: 'status', status: 500 }, { times: 2 });
    await expect(pspRequest(psp.fetch, `${psp.url}/a`)).rejects.toBeInstanceOf(UpstreamError);
    await expect(pspRequest(psp.fetch, `${psp.url}/a`)).rejects.toBeInstanceOf(UpstreamError);
    expect(await pspRequest(psp.fetch, `${psp.url}/a`)).toEqual({ ok: true });

    psp.fail({ kind: 'reset' }, { times: 1 });
    await expect(pspRequest(psp.fetch, `${psp.url}/a`)).rejects.toThrow(/cannot reach|connection/);
    psp.fail({ kind: 'malformed-json' }, { times: 1 });
    await expect(pspRequest(psp.fetch, `${psp.url}/a`)).rejects.toThrow(/malformed JSON/);
    psp.fail({ kind: 'hang' }, { method: 'GET', times: 1 });
    await expect(pspRequest(psp.fetch, `${psp.url}/a`, { timeoutMs: 200 })).rejects.toBeInstanceOf(
      UpstreamTimeoutError,
    );
    expect(psp.requests).toHaveLength(6);
  });

  it('injects a 401', async () => {
    const psp = await start();
    psp.fail({ kind: 'status', status: 401 });
    const error = await pspRequest(psp.fetch, `${psp.url}/me`).catch((e: unknown) => e);
    // pspRequest answers AuthenticationError once kit-errors lands; an InvalidRequestError(401) until then.
    expect(
      error instanceof AuthenticationError || (error instanceof InvalidRequestError && error.status === 401),
    ).toBe(true);
  });

  it('speaks TLS with a throwaway CA that its own fetch trusts and the global fetch does not', async () => {
    const psp = await start({ tls: 'tls' });
    psp.route('GET', '/ping', { json: { pong: true } });
    expect(psp.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await pspRequest(psp.fetch, `${psp.url}/ping`)).toEqual({ pong: true });
    await expect(pspRequest((input, init) => fetch(input, init), `${psp.url}/ping`)).rejects.toBeInstanceOf(
      UpstreamError,
    );
  });

  it('under mTLS accepts the client certificate and refuses a client without one', async () => {
    const psp = await start({ tls: 'mtls' });
    psp.route('GET', '/ping', { json: { pong: true } });
    expect(await pspRequest(psp.fetch, `${psp.url}/ping`)).toEqual({ pong: true });
    expect(psp.requests[0]?.clientCertificate).toBe('fake-psp-client');
    const certificates = psp.certificates;
    if (!certificates) throw new Error('no certificates');
    const { request } = await import('node:https');
    const refused = await new Promise<unknown>((resolve) => {
      const req = request(`${psp.url}/ping`, { ca: certificates.ca.cert }, () => resolve('answered'));
      req.on('error', resolve);
      req.end();
    });
    expect(refused).toBeInstanceOf(Error);
  });
});

/** Follows a pagination style to the end and returns every item's id in order. */
async function drain(
  psp: FakePsp,
  first: string,
  next: (body: unknown, headers: Headers) => string | undefined,
) {
  const ids: string[] = [];
  let url: string | undefined = `${psp.url}${first}`;
  for (let guard = 0; url && guard < 50; guard++) {
    const response: Response = await psp.fetch(url);
    const body = (await response.json()) as unknown;
    const data = Array.isArray(body) ? body : (body as { data: { id: string }[] }).data;
    ids.push(...(data as { id: string }[]).map((item) => item.id));
    url = next(body, response.headers);
  }
  return ids;
}

describe('pagination helpers', () => {
  const all = ITEMS.map((item) => item.id);

  it('page/size pages until an empty page', async () => {
    const psp = await start();
    psp.route('GET', '/list', pageNumberPages(ITEMS, { size: 'size' }));
    let page = 1;
    const ids = await drain(psp, '/list?page=1&size=4', (body) =>
      (body as unknown[]).length ? `${psp.url}/list?page=${++page}&size=4` : undefined,
    );
    expect(ids).toEqual(all);
  });

  it('offset/limit', async () => {
    const psp = await start();
    psp.route('GET', '/list', offsetLimitPages(ITEMS));
    let offset = 0;
    const ids = await drain(psp, '/list?offset=0&limit=3', (body) => {
      offset += 3;
      return offset < (body as { total: number }).total
        ? `${psp.url}/list?offset=${offset}&limit=3`
        : undefined;
    });
    expect(ids).toEqual(all);
  });

  it('an opaque cursor', async () => {
    const psp = await start();
    psp.route('GET', '/list', cursorPages(ITEMS));
    const ids = await drain(psp, '/list?limit=5', (body) => {
      const cursor = (body as { next_cursor: string | null }).next_cursor;
      return cursor ? `${psp.url}/list?limit=5&cursor=${cursor}` : undefined;
    });
    expect(ids).toEqual(all);
  });

  it("Stripe's starting_after and has_more", async () => {
    const psp = await start();
    psp.route('GET', '/v1/balance_transactions', stripeListPages(ITEMS));
    const ids = await drain(psp, '/v1/balance_transactions?limit=4', (body) => {
      const page = body as { object: string; data: { id: string }[]; has_more: boolean };
      expect(page.object).toBe('list');
      return page.has_more
        ? `${psp.url}/v1/balance_transactions?limit=4&starting_after=${page.data.at(-1)?.id}`
        : undefined;
    });
    expect(ids).toEqual(all);
  });

  it('next links in the body and in a Link header', async () => {
    const psp = await start();
    psp.route('GET', '/body', nextLinkPages(ITEMS, { baseUrl: () => psp.url }));
    psp.route('GET', '/header', nextLinkPages(ITEMS, { baseUrl: () => psp.url, in: 'header' }));
    expect(
      await drain(
        psp,
        '/body?limit=3',
        (body) => (body as { links: { next: string | null } }).links.next ?? undefined,
      ),
    ).toEqual(all);
    expect(
      await drain(
        psp,
        '/header?limit=3',
        (_body, headers) => /<([^>]+)>; rel="next"/.exec(headers.get('link') ?? '')?.[1],
      ),
    ).toEqual(all);
  });

  it('filters and sorts before paging, reading the list afresh on each request', async () => {
    const psp = await start();
    const items = [
      { id: 'b', at: 2 },
      { id: 'a', at: 2 },
      { id: 'c', at: 1 },
    ];
    psp.route(
      'GET',
      '/list',
      pageNumberPages(() => items, {
        filter: (item, request) => item.at >= Number(request.query.get('from') ?? 0),
        sort: (x, y) => x.at - y.at || x.id.localeCompare(y.id),
      }),
    );
    expect(await pspRequest(psp.fetch, `${psp.url}/list?from=2`)).toEqual([
      { id: 'a', at: 2 },
      { id: 'b', at: 2 },
    ]);
    items.push({ id: 'd', at: 3 });
    expect(await pspRequest(psp.fetch, `${psp.url}/list?from=3`)).toEqual([{ id: 'd', at: 3 }]);
  });
});
