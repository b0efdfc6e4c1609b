// Input the API cannot use is a 400 in the v3 envelope, never a 500, and nothing is stored: text PostgreSQL
// refuses, malformed query strings, runaway filters, impossible amounts, assets and dates, bodies on GET, and
// `__proto__` keys.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { stringifyJson } from '../../src/domain/json.js';
import { writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { rawRequest, type RawResponse } from '../support/http.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

let service: TestService;
let dir: string;
let connectorID: string;
let bankAccountID: string;
let paymentID: string;
let initiationID: string;
const account = (reference: string) =>
  accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });

const send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  rawRequest(service.url, {
    method,
    path,
    ...(body === undefined
      ? {}
      : { body: typeof body === 'string' || Buffer.isBuffer(body) ? body : stringifyJson(body) }),
    ...(headers ? { headers } : {}),
  });

/** Rows in a table: what must not change when a request is refused. */
async function count(table: string): Promise<number> {
  const result = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)}`.execute(
    service.paybridge.deps.db,
  );
  return Number(result.rows[0]?.n);
}

function expectRefused(response: RawResponse, errorCode = 'VALIDATION', status = 400) {
  expect(response.status, response.text).toBe(status);
  // Errors raised while routing (a malformed path) carry a charset as well; the SDK matches either.
  expect(response.headers['content-type']).toMatch(/^application\/json(; charset=utf-8)?$/);
  expect(response.body).toEqual({ errorCode, errorMessage: expect.any(String) as unknown });
}

/** Sends the request and checks it is refused with nothing written to `table`. */
async function expectNothingStored(
  table: string,
  request: () => Promise<RawResponse>,
  errorCode = 'VALIDATION',
): Promise<RawResponse> {
  const before = await count(table);
  const response = await request();
  expectRefused(response, errorCode);
  expect(await count(table), `rows in ${table}`).toBe(before);
  return response;
}

const utcDay = '2024-01-01T00:00:00Z';
function paymentBody(overrides: Record<string, unknown> = {}, adjustment: Record<string, unknown> = {}) {
  return {
    reference: 'manual-payment',
    connectorID,
    createdAt: utcDay,
    type: 'PAY-IN',
    initialAmount: 100,
    amount: 100,
    asset: 'EUR/2',
    scheme: 'OTHER',
    destinationAccountID: account('dummy-account-000000'),
    metadata: {},
    adjustments: [
      {
        reference: 'manual-adj',
        createdAt: utcDay,
        status: 'SUCCEEDED',
        amount: 100,
        asset: 'EUR/2',
        ...adjustment,
      },
    ],
    ...overrides,
  };
}
function initiationBody(overrides: Record<string, unknown> = {}) {
  return {
    reference: 'manual-transfer',
    connectorID,
    type: 'TRANSFER',
    amount: 100,
    asset: 'EUR/2',
    sourceAccountID: account('dummy-account-000000'),
    destinationAccountID: account('dummy-account-000001'),
    scheduledAt: '0001-01-01T00:00:00Z',
    metadata: {},
    ...overrides,
  };
}

beforeAll(async () => {
  service = await startTestService();
  dir = await mkdtemp(join(tmpdir(), 'pb-input-'));
  await writeDummyPayDirectory(dir, { accounts: 3, payments: 3 });
  const installed = await send('POST', '/v3/connectors/install/dummypay', {
    name: 'input-validation',
    directory: dir,
    pollingPeriod: '1s',
  });
  connectorID = (installed.body as { data: string }).data;
  await eventually(async () =>
    (await count('accounts')) >= 3 && (await count('payments')) >= 3 ? true : undefined,
  );
  const bank = await send('POST', '/v3/bank-accounts', { name: 'bank', iban: 'FR7630006000011234567890189' });
  bankAccountID = (bank.body as { data: string }).data;
  const payment = await send('POST', '/v3/payments', paymentBody());
  expect(payment.status, payment.text).toBe(201);
  paymentID = (payment.body as { data: { id: string } }).data.id;
  const initiation = await send('POST', '/v3/payment-initiations', initiationBody());
  expect(initiation.status, initiation.text).toBe(202);
  initiationID = (initiation.body as { data: { paymentInitiationID: string } }).data.paymentInitiationID;
});

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('text PostgreSQL cannot store', () => {
  it('is refused in JSON bodies, as values and as keys at any depth, and nothing is stored', async () => {
    await expectNothingStored('bank_accounts', () =>
      send('POST', '/v3/bank-accounts', {
        name: 'b',
        iban: 'FR7630006000011234567890189',
        metadata: { 'k\u0000': 'v' },
      }),
    );
    await expectNothingStored('bank_accounts', () =>
      send('POST', '/v3/bank-accounts', '{"name":"\\ud800","iban":"FR7630006000011234567890189"}'),
    );
    await expectNothingStored('payment_service_users', () =>
      send('POST', '/v3/payment-service-users', { name: 'psu', address: { city: 'Paris\u0000' } }),
    );
    await expectNothingStored('payments', () =>
      send(
        'POST',
        '/v3/payments',
        paymentBody({ reference: 'nul-in-adjustment' }, { metadata: { k: 'a\u0000' } }),
      ),
    );
    await expectNothingStored('pools', () =>
      send('POST', '/v3/pools', { name: 'nul-pool', query: { $match: { name: 'a\u0000' } } }),
    );
    await expectNothingStored('connectors', () =>
      send('POST', '/v3/connectors/install/dummypay', { name: 'nul\u0000name', directory: dir }),
    );
    const patched = await send(
      'PATCH',
      `/v3/bank-accounts/${bankAccountID}/metadata`,
      '{"metadata":{"k":"\\udc00"}}',
    );
    expectRefused(patched);
    const stored = await send('GET', `/v3/bank-accounts/${bankAccountID}`);
    expect((stored.body as { data: { metadata: object } }).data.metadata).toEqual({});
  });

  it('is refused when the body bytes are not UTF-8, instead of being stored as U+FFFD', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"name":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('","iban":"FR7630006000011234567890189"}'),
    ]);
    await expectNothingStored(
      'bank_accounts',
      () => send('POST', '/v3/bank-accounts', bytes),
      'MISSING_OR_INVALID_BODY',
    );
  });

  it('is refused in query parameters and filters, which reach SQL as parameters', async () => {
    const balances = `/v3/accounts/${account('dummy-account-000000')}/balances`;
    expectRefused(await send('GET', `${balances}?asset=EUR%00`));
    const filter = (value: unknown) => `/v3/payments?query=${encodeURIComponent(stringifyJson(value))}`;
    expectRefused(await send('GET', filter({ $match: { 'metadata[k\u0000]': 'v' } })));
    expectRefused(await send('GET', filter({ $match: { reference: '\ud800' } })));
    expectRefused(
      await send('GET', `/v3/accounts?query=${encodeURIComponent('{"$match":{"name":"\\u0000"}}')}`),
    );
    // A cursor carries its filter: a forged one holding NUL is refused too.
    const forged = Buffer.from(
      stringifyJson({
        v: 1,
        pageSize: 15,
        filter: { $match: { reference: '\u0000' } },
        dir: 'next',
        key: ['2024-01-01T00:00:00Z', '1'],
        inclusive: false,
      }),
    ).toString('base64url');
    expectRefused(await send('GET', `/v3/payments?cursor=${forged}`));
  });

  it('is refused in path parameters, including ids whose JSON escapes a NUL or a lone surrogate', async () => {
    expectRefused(await send('GET', `/v3/connectors/${connectorID}/schedules/a%00b`), 'INVALID_ID');
    expectRefused(await send('POST', `/v3/connectors/${connectorID}/schedules/%00/resume`), 'INVALID_ID');
    expectRefused(await send('GET', `/v3/accounts/${account('dummy-account-000000')}%00`), 'INVALID_ID');
    const withEscape = (reference: string) =>
      Buffer.from(
        `{"ConnectorID":${JSON.stringify({ Provider: 'dummypay', Reference: connectorIdCodec.decode(connectorID).reference })},"Reference":"${reference}"}`,
      ).toString('base64url');
    expectRefused(await send('GET', `/v3/accounts/${withEscape('\\ud800')}`), 'INVALID_ID');
    expectRefused(await send('GET', `/v3/tasks/${withEscape('\\u0000')}`), 'INVALID_ID');
    expectRefused(await send('GET', '/v3/accounts/%ED%A0%80'));
  });

  it('is refused when the query string is not valid percent-encoded UTF-8, instead of read as literal text', async () => {
    const balances = `/v3/accounts/${account('dummy-account-000000')}/balances`;
    for (const query of ['asset=%ED%A0%80', 'asset=EUR%2', 'asset=%E0%A4%A', 'asset=abc%', 'pageSize=1%']) {
      expectRefused(await send('GET', `${balances}?${query}`));
    }
    expect((await send('GET', `${balances}?asset=EUR%2F2`)).status).toBe(200);
  });
});

describe('filters', () => {
  const nested = (depth: number): unknown => {
    let filter: unknown = { $match: { reference: 'x' } };
    for (let level = 1; level < depth; level++) filter = { $not: filter };
    return filter;
  };
  const list = (filter: unknown) =>
    send('GET', `/v3/payments?query=${encodeURIComponent(stringifyJson(filter))}`);

  it('may nest 10 levels deep, not more', async () => {
    expect((await list(nested(10))).status).toBe(200);
    const deep = await list(nested(11));
    expectRefused(deep);
    expect((deep.body as { errorMessage: string }).errorMessage).toContain('10 levels');
  });

  it('hold at most 1000 expressions, so one request cannot make the database plan without end', async () => {
    const or = (n: number) => ({
      $or: Array.from({ length: n - 1 }, (_v, i) => ({ $match: { reference: `r${i}` } })),
    });
    expect((await send('GET', '/v3/payments', or(1000))).status).toBe(200);
    expectRefused(await send('GET', '/v3/payments', or(1001)));
  });

  it('refuse a numeric value PostgreSQL cannot hold', async () => {
    expectRefused(await send('GET', '/v3/payments', `{"$gt":{"amount":${'9'.repeat(200_000)}}}`));
  });

  it('are read from the body of a list GET, and an unusable body is refused', async () => {
    const byReference = await send('GET', '/v3/payments', { $match: { reference: 'manual-payment' } });
    expect(byReference.status).toBe(200);
    const rows = (byReference.body as { cursor: { data: { id: string }[] } }).cursor.data;
    expect(rows.map((p) => p.id)).toEqual([paymentID]);
    expectRefused(await send('GET', '/v3/payments', '{"$match":'), 'MISSING_OR_INVALID_BODY');
    expectRefused(await send('GET', '/v3/payments', { $match: { colour: 'red' } }));
    expectRefused(
      await send('GET', '/v3/payments', 'text', { 'content-type': 'text/plain' }),
      'MISSING_OR_INVALID_BODY',
      415,
    );
  });

  it('apply to the adjustments of a payment initiation (they were ignored)', async () => {
    const adjustments = (filter: unknown) =>
      send(
        'GET',
        `/v3/payment-initiations/${initiationID}/adjustments?query=${encodeURIComponent(stringifyJson(filter))}`,
      );
    const waiting = await adjustments({ $match: { status: 'WAITING_FOR_VALIDATION' } });
    expect((waiting.body as { cursor: { data: unknown[] } }).cursor.data).toHaveLength(1);
    const rejected = await adjustments({ $match: { status: 'REJECTED' } });
    expect((rejected.body as { cursor: { data: unknown[] } }).cursor.data).toHaveLength(0);
    expectRefused(await adjustments({ $match: { amount: 1 } }));
  });
});

describe('amounts and assets', () => {
  const tooLarge = `1${'0'.repeat(38)}`;

  it('refuse negative payment amounts, and amounts of 39 digits or more, storing nothing', async () => {
    for (const [label, body] of [
      ['amount', paymentBody({ reference: 'neg-1', amount: -1 })],
      ['initialAmount', paymentBody({ reference: 'neg-2', initialAmount: -1 })],
      ['adjustment amount', paymentBody({ reference: 'neg-3' }, { amount: -5 })],
    ] as const) {
      const response = await expectNothingStored('payments', () => send('POST', '/v3/payments', body));
      expect((response.body as { errorMessage: string }).errorMessage, label).toContain('negative');
    }
    const huge = stringifyJson(paymentBody({ reference: 'huge', amount: 1 })).replace(
      '"amount":1',
      `"amount":${tooLarge}`,
    );
    await expectNothingStored('payments', () => send('POST', '/v3/payments', huge));
    const largest = stringifyJson(paymentBody({ reference: 'largest', amount: 1 })).replace(
      '"amount":1,',
      `"amount":${'9'.repeat(38)},`,
    );
    expect((await send('POST', '/v3/payments', largest)).status).toBe(201);
  });

  it('refuse initiation and reversal amounts that are not positive or too large', async () => {
    for (const amount of ['0', '-1', tooLarge]) {
      const body = stringifyJson(
        initiationBody({ reference: `amount-${amount.length}-${amount[0]}` }),
      ).replace('"amount":100', `"amount":${amount}`);
      await expectNothingStored('payment_initiations', () => send('POST', '/v3/payment-initiations', body));
    }
    const reverse = `{"reference":"too-large-reversal","amount":${tooLarge},"asset":"EUR/2"}`;
    await expectNothingStored('payment_initiation_reversals', () =>
      send('POST', `/v3/payment-initiations/${initiationID}/reverse`, reverse),
    );
  });

  it('refuse assets without a precision, with a leading zero or with an absurd precision', async () => {
    for (const asset of ['EUR', 'EUR/02', 'EUR/999999']) {
      await expectNothingStored('payments', () =>
        send('POST', '/v3/payments', paymentBody({ reference: `asset-${asset}`, asset })),
      );
      await expectNothingStored('payments', () =>
        send('POST', '/v3/payments', paymentBody({ reference: `adj-asset-${asset}` }, { asset })),
      );
      await expectNothingStored('payment_initiations', () =>
        send('POST', '/v3/payment-initiations', initiationBody({ reference: `asset-${asset}`, asset })),
      );
      await expectNothingStored('accounts', () =>
        send('POST', '/v3/accounts', {
          reference: `asset-${asset}`,
          connectorID,
          createdAt: utcDay,
          accountName: 'a',
          type: 'INTERNAL',
          defaultAsset: asset,
        }),
      );
    }
  });
});

describe('values too large for an index', () => {
  // 1000 characters, as the reference rule allows, but 3000 bytes of text that does not compress: its id is past
  // PostgreSQL's btree limit (2704 bytes).
  const wide = Array.from({ length: 1000 }, (_v, i) =>
    String.fromCodePoint(0x4e00 + ((i * 7919) % 20_000)),
  ).join('');

  it('are refused with 400 and nothing is stored, instead of failing in the database', async () => {
    await expectNothingStored('accounts', () =>
      send('POST', '/v3/accounts', {
        reference: wide,
        connectorID,
        createdAt: utcDay,
        accountName: 'a',
        type: 'INTERNAL',
      }),
    );
    await expectNothingStored('payments', () =>
      send('POST', '/v3/payments', paymentBody({ reference: wide })),
    );
    await expectNothingStored('payment_initiations', () =>
      send('POST', '/v3/payment-initiations', initiationBody({ reference: wide })),
    );
    await expectNothingStored('pools', () => send('POST', '/v3/pools', { name: wide, accountIDs: [] }));
  });
});

describe('dates', () => {
  it('refuse impossible or non-RFC 3339 timestamps in bodies instead of rolling them over', async () => {
    for (const createdAt of [
      '2024-02-30T00:00:00Z',
      '2023-02-29T12:00:00Z',
      '2024-01-01T00:00Z',
      '2024-01-01T24:00:00Z',
      '0000-01-01T00:00:00Z',
    ]) {
      await expectNothingStored('accounts', () =>
        send('POST', '/v3/accounts', {
          reference: `date-${createdAt}`,
          connectorID,
          createdAt,
          accountName: 'a',
          type: 'INTERNAL',
        }),
      );
      await expectNothingStored('payments', () =>
        send('POST', '/v3/payments', paymentBody({ reference: `date-${createdAt}` }, { createdAt })),
      );
    }
    await expectNothingStored('payment_initiations', () =>
      send(
        'POST',
        '/v3/payment-initiations',
        initiationBody({ reference: 'feb-30', scheduledAt: '2099-02-30T00:00:00Z' }),
      ),
    );
  });

  it('refuse them in query parameters: balances from/to and pool balances at', async () => {
    const balances = `/v3/accounts/${account('dummy-account-000000')}/balances`;
    for (const query of [
      'from=2024-02-30T00:00:00Z',
      'to=2024',
      'fromTimestamp=March%207%2C%202024',
      'toTimestamp=2024-01-01',
      'from=0000-01-01T00:00:00Z',
    ]) {
      expectRefused(await send('GET', `${balances}?${query}`));
    }
    expect((await send('GET', `${balances}?fromTimestamp=2024-01-01T00:00:00.000Z`)).status).toBe(200);
    // Both names of one bound are read and checked: a bad or different second one is not silently ignored.
    expectRefused(await send('GET', `${balances}?to=2024-01-01T00:00:00Z&toTimestamp=2024`));
    expectRefused(
      await send('GET', `${balances}?from=2024-01-01T00:00:00Z&fromTimestamp=2024-01-02T00:00:00Z`),
    );
    expect(
      (await send('GET', `${balances}?from=2024-01-01T00:00:00Z&fromTimestamp=2024-01-01T00:00:00.000Z`))
        .status,
    ).toBe(200);
    const pool = await send('POST', '/v3/pools', {
      name: 'dated',
      accountIDs: [account('dummy-account-000000')],
    });
    const poolID = (pool.body as { data: string }).data;
    expectRefused(await send('GET', `/v3/pools/${poolID}/balances?at=2024-02-30T00:00:00Z`));
    expect((await send('GET', `/v3/pools/${poolID}/balances?at=2024-02-29T00:00:00Z`)).status).toBe(200);
  });
});

describe('durations', () => {
  it('are refused beyond what Go can hold, and stored in whole milliseconds', async () => {
    await expectNothingStored('connectors', () =>
      send('POST', '/v3/connectors/install/dummypay', {
        name: 'forever',
        directory: dir,
        pollingPeriod: '99999999999h',
      }),
    );
    const longest = await send('POST', '/v3/connectors/install/dummypay', {
      name: 'longest',
      directory: dir,
      pollingPeriod: '9223372036854775807ns',
    });
    expect(longest.status, longest.text).toBe(202);
    const odd = await send('POST', '/v3/connectors/install/dummypay', {
      name: 'odd',
      directory: dir,
      pollingPeriod: '20m1ns',
    });
    expect(odd.status, odd.text).toBe(202);
    const config = await send('GET', `/v3/connectors/${(odd.body as { data: string }).data}/config`);
    expect((config.body as { data: { pollingPeriod: string } }).data.pollingPeriod).toBe('20m0s');
  });
});

describe('a body on GET', () => {
  it('is refused where the route reads none', async () => {
    for (const path of [
      `/v3/accounts/${account('dummy-account-000000')}`,
      `/v3/accounts/${account('dummy-account-000000')}/balances`,
      '/v3/connectors/configs',
      `/v3/payments/${paymentID}`,
      `/v3/payment-initiations/${initiationID}/payments`,
    ]) {
      expectRefused(await send('GET', path, { $match: { reference: 'x' } }));
      expectRefused(await send('GET', path, 'not even json', { 'content-type': 'text/plain' }));
    }
  });
});

describe('__proto__ keys', () => {
  it('are refused in metadata rather than silently dropped', async () => {
    await expectNothingStored('bank_accounts', () =>
      send(
        'POST',
        '/v3/bank-accounts',
        '{"name":"p","iban":"FR7630006000011234567890189","metadata":{"__proto__":"x","k":"v"}}',
      ),
    );
    const patched = await send(
      'PATCH',
      `/v3/payments/${paymentID}/metadata`,
      '{"metadata":{"__proto__":{"polluted":"yes"}}}',
    );
    expectRefused(patched);
    expect((patched.body as { errorMessage: string }).errorMessage).toContain('__proto__');
    const flat = await send('PATCH', `/v3/payments/${paymentID}/metadata`, '{"__proto__":"x"}');
    expectRefused(flat);
    const payment = await send('GET', `/v3/payments/${paymentID}`);
    expect((payment.body as { data: { metadata: object } }).data.metadata).toEqual({});
  });

  it('leave other keys named like Object members stored as given', async () => {
    const patched = await send('PATCH', `/v3/payments/${paymentID}/metadata`, {
      metadata: { constructor: 'c', toString: 't', prototype: 'p' },
    });
    expect(patched.status).toBe(204);
    const payment = await send('GET', `/v3/payments/${paymentID}`);
    expect((payment.body as { data: { metadata: object } }).data.metadata).toEqual({
      constructor: 'c',
      toString: 't',
      prototype: 'p',
    });
  });
});
