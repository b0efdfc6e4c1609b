// Spec checks against the PSPs' own documents in ../shared/psp-specs (skipped, with a message, where absent).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pspRequest } from '../http.js';
import { FakePsp } from './fake-psp.js';
import { stripeListPages } from './pagination.js';
import { loadPspSpec, pspSpecPath, pspSpecsRoot, recordedRequestProblems } from './psp-spec.js';

const stripe = pspSpecPath('stripe', 'spec3.yaml');
const currencycloud = pspSpecPath('currencycloud', 'reference.yaml');
const adyenTransfers = pspSpecPath('adyen', 'TransferService-v4.yaml');
if (!pspSpecsRoot())
  console.warn('psp-spec tests skipped: no shared/psp-specs folder (set PAYBRIDGE_PSP_SPECS)');

const balanceTransactions = () =>
  JSON.parse(
    readFileSync(new URL('./fixtures/stripe/balance_transactions.json', import.meta.url), 'utf8'),
  ) as { data: Record<string, unknown>[]; [field: string]: unknown };

describe.skipIf(!stripe)('Stripe (OpenAPI 3.0, spec3.yaml)', () => {
  const spec = () => loadPspSpec(stripe ?? '');

  it('finds the operation of a concrete path, literal paths before templated ones', async () => {
    const s = await spec();
    expect(s.version).toBe('3.0');
    expect((await spec()) === s).toBe(true);
    expect(s.operation('GET', '/v1/balance_transactions')?.template).toBe('/v1/balance_transactions');
    expect(s.operation('GET', '/v1/balance_transactions/txn_123')?.template).toBe(
      '/v1/balance_transactions/{id}',
    );
    expect(s.operation('GET', '/v1/no_such_thing')).toBeUndefined();
  });

  it('accepts a balance_transactions list that follows the documented shape', async () => {
    const s = await spec();
    expect(s.validateResponse('GET', '/v1/balance_transactions', 200, balanceTransactions())).toEqual([]);
  });

  it('refuses a list without has_more, an amount as a string and an unknown object type', async () => {
    const s = await spec();
    const wrong = balanceTransactions();
    delete wrong.has_more;
    const [first] = wrong.data;
    if (!first) throw new Error('the fixture has no transaction');
    first.amount = '-400';
    wrong.object = 'page';
    const problems = s.validateResponse('GET', '/v1/balance_transactions', 200, wrong);
    expect(problems.join('\n')).toMatch(/has_more/);
    expect(problems.join('\n')).toMatch(/\/data\/0\/amount/);
    expect(problems.join('\n')).toMatch(/\/object/);
  });

  it('checks a recorded request: its operation, required form fields and path parameters', async () => {
    const s = await spec();
    const request = (method: string, path: string, body?: URLSearchParams) => ({
      method,
      path,
      query: new URLSearchParams(),
      headers: (body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) as Record<
        string,
        string
      >,
      ...(body ? { body } : {}),
    });
    expect(s.validateRequest(request('GET', '/v1/balance_transactions'))).toEqual([]);
    expect(
      s.validateRequest(
        request('POST', '/v1/payouts', new URLSearchParams({ amount: '100', currency: 'eur' })),
      ),
    ).toEqual([]);
    expect(s.validateRequest(request('POST', '/v1/payouts', new URLSearchParams({ amount: '100' })))).toEqual(
      ['body field currency is required'],
    );
    expect(s.validateRequest(request('POST', '/v1/payouts'))).toEqual(['the request body is required']);
    expect(s.validateRequest(request('PUT', '/v1/balance_transactions'))[0]).toMatch(/no operation PUT/);
  });
});

describe.skipIf(!stripe)('a fake Stripe serving the fixture', () => {
  it('serves pages the document accepts, and names the recorded request the document refuses', async () => {
    const spec = await loadPspSpec(stripe ?? '');
    const psp = await FakePsp.start();
    try {
      psp.route('GET', '/v1/balance_transactions', stripeListPages(balanceTransactions().data));
      psp.route('POST', '/v1/payouts', { json: {} });
      const page = await pspRequest(psp.fetch, `${psp.url}/v1/balance_transactions?limit=1`);
      expect(spec.validateResponse('GET', '/v1/balance_transactions', 200, page)).toEqual([]);
      await pspRequest(psp.fetch, `${psp.url}/v1/payouts`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'amount=100',
      });
      expect(recordedRequestProblems(spec, psp.requests)).toEqual([
        'POST /v1/payouts: body field currency is required',
      ]);
    } finally {
      await psp.stop();
    }
  });
});

describe.skipIf(!currencycloud)('Currencycloud (Swagger 2.0, basePath /v2)', () => {
  it('checks required form parameters of an operation under the base path', async () => {
    const s = await loadPspSpec(currencycloud ?? '');
    expect(s.version).toBe('2.0');
    const login = (body: Record<string, string>) => ({
      method: 'POST',
      path: '/v2/authenticate/api',
      query: new URLSearchParams(),
      headers: { 'content-type': 'multipart/form-data' },
      body: new URLSearchParams(body),
    });
    expect(s.validateRequest(login({ login_id: 'me@example.com', api_key: 'k' }))).toEqual([]);
    expect(s.validateRequest(login({ login_id: 'me@example.com' }))).toEqual([
      'form field api_key is required',
    ]);
    expect(s.operation('GET', '/v2/balances/EUR')?.template).toBe('/balances/{currency}');
  });
});

describe.skipIf(!adyenTransfers)('Adyen (OpenAPI 3.1)', () => {
  it('reads a 3.1 document and finds its operations', async () => {
    const s = await loadPspSpec(adyenTransfers ?? '');
    expect(s.version).toBe('3.1');
    expect(s.operation('POST', '/transfers')?.template).toBe('/transfers');
  });
});

const adyenWebhooks = pspSpecPath('adyen', 'Webhooks-v1.yaml');

describe.skipIf(!adyenWebhooks)('OpenAPI 3.1 webhooks (Adyen Webhooks-v1)', () => {
  const notification = (value: unknown) => ({
    live: 'false',
    notificationItems: [
      {
        NotificationRequestItem: {
          amount: { currency: 'EUR', value },
          eventCode: 'AUTHORISATION',
          eventDate: '2026-03-02T10:00:00+01:00',
          merchantAccountCode: 'Merchant',
          merchantReference: 'order-1',
          pspReference: 'QFQTPCQ8HXSKGK82',
          success: 'true',
        },
      },
    ],
  });

  it('indexes the document’s webhooks as operations and checks a body against the full schema', async () => {
    const s = await loadPspSpec(adyenWebhooks ?? '');
    expect(s.operation('POST', '/AUTHORISATION')?.template).toBe('/AUTHORISATION');
    expect(s.validateRequestBody('POST', '/AUTHORISATION', notification(1000))).toEqual([]);
    // A nested field of the wrong type, which the required-fields check of validateRequest cannot see.
    expect(s.validateRequestBody('POST', '/AUTHORISATION', notification('1000'))).toEqual([
      '/notificationItems/0/NotificationRequestItem/amount/value must be integer',
    ]);
    expect(s.validateRequestBody('POST', '/NOT_AN_EVENT', notification(1))).toEqual([
      'the document has no operation POST /NOT_AN_EVENT',
    ]);
  });
});
