import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminAccount,
  type AdminTransaction,
  type ContractBalances,
  type ContractBeneficiary,
  type ContractTransaction,
  type ErrorBody,
  type PspClient,
  pspClient,
  type StatsBody,
  type StepResponse,
} from '../../test/support/mock-psp-harness.js';
import { type MockPsp, startMockPsp } from './server.js';

let psp: MockPsp;
beforeAll(async () => {
  psp = await startMockPsp();
});
afterAll(async () => {
  await psp.stop();
});

const newTenant = () => pspClient(psp.url, `admin-${randomUUID()}`);

async function createAccount(client: PspClient, currency = 'EUR', initialBalance: string | number = '0') {
  const response = await client.post<AdminAccount>('/admin/accounts', {
    accountName: 'Main',
    currency,
    initialBalance,
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function createTransaction(client: PspClient, body: Record<string, unknown>) {
  const response = await client.post<AdminTransaction>('/admin/transactions', {
    type: 'PAYIN',
    amount: '1000',
    currency: 'EUR',
    ...body,
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function balance(client: PspClient, accountId: string) {
  const response = await client.get<ContractBalances>(`/accounts/${accountId}/balances`);
  return response.body.balances[0]?.amount;
}

const step = (client: PspClient, id: string, action: string, body?: unknown) =>
  client.post<StepResponse & ErrorBody>(`/admin/transactions/${id}/${action}`, body);

describe('admin accounts and beneficiaries', () => {
  it('creates accounts with a normalised currency and an initial balance, and lists them with balances', async () => {
    const client = newTenant();
    const eur = await client.post<AdminAccount>('/admin/accounts', {
      accountName: 'Main EUR',
      currency: 'EUR',
      initialBalance: '150000',
      metadata: { iban: 'DE00' },
    });
    expect(eur.status).toBe(201);
    expect(eur.body).toEqual({
      id: expect.stringMatching(/^acc_[0-9a-z]{10}$/),
      accountName: 'Main EUR',
      createdAt: expect.any(String),
      metadata: { iban: 'DE00' },
      currency: 'EUR/2',
      balances: [{ currency: 'EUR/2', amount: '150000' }],
    });
    const jpy = await createAccount(client, 'JPY', 700);
    expect(jpy.currency).toBe('JPY/0');
    const listed = await client.get<AdminAccount[]>('/admin/accounts');
    expect(listed.body.map((account) => [account.id, account.currency, account.balances])).toEqual([
      [eur.body.id, 'EUR/2', [{ currency: 'EUR/2', amount: '150000' }]],
      [jpy.id, 'JPY/0', [{ currency: 'JPY/0', amount: '700' }]],
    ]);
  });

  it('answers 400 for invalid accounts and beneficiaries', async () => {
    const client = newTenant();
    const bad: Array<[string, unknown]> = [
      ['/admin/accounts', { currency: 'EUR' }],
      ['/admin/accounts', { accountName: 'x', currency: 'EURO' }],
      ['/admin/accounts', { accountName: 'x', currency: 'EUR/5' }],
      ['/admin/accounts', { accountName: 'x', currency: 'EUR', initialBalance: '-1' }],
      ['/admin/accounts', { accountName: 'x', currency: 'EUR', initialBalance: 1.5 }],
      ['/admin/accounts', undefined],
      ['/admin/beneficiaries', { ownerName: '' }],
      ['/admin/beneficiaries', { ownerName: 'x', metadata: { a: 1 } }],
    ];
    for (const [path, body] of bad) {
      const response = await client.post<ErrorBody>(path, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.Title).toBe('VALIDATION');
    }
    expect((await client.get('/admin/accounts')).body).toEqual([]);
  });

  it('creates and lists beneficiaries', async () => {
    const client = newTenant();
    const created = await client.post<ContractBeneficiary>('/admin/beneficiaries', {
      ownerName: 'Acme GmbH',
      metadata: { country: 'DE' },
    });
    expect(created.status).toBe(201);
    expect((await client.get('/admin/beneficiaries')).body).toEqual([created.body]);
    expect((await client.get('/beneficiaries')).body).toEqual([created.body]);
  });
});

describe('admin transactions', () => {
  it('creates a transaction PENDING by default, with the lifecycle steps it allows', async () => {
    const client = newTenant();
    const account = await createAccount(client);
    const created = await createTransaction(client, { destinationAccountID: account.id });
    expect(created).toMatchObject({ type: 'PAYIN', status: 'PENDING', currency: 'EUR/2', amount: '1000' });
    expect(created.actions).toEqual(['succeed', 'fail', 'cancel']);
    expect(created.createdAt).toBe(created.updatedAt);
    expect(await balance(client, account.id)).toBe('0');

    const settled = await createTransaction(client, {
      destinationAccountID: account.id,
      status: 'SUCCEEDED',
    });
    expect(settled.actions).toEqual(['dispute', 'refund']);
    expect(await balance(client, account.id)).toBe('1000');
  });

  it('answers 400 for invalid transactions', async () => {
    const client = newTenant();
    for (const body of [
      { type: 'REFUND' },
      { status: 'DONE' },
      { amount: 'ten' },
      { amount: '-1' },
      { currency: 'EURO' },
      { metadata: 'x' },
    ]) {
      const response = await client.post<ErrorBody>('/admin/transactions', {
        type: 'PAYIN',
        amount: '1',
        currency: 'EUR',
        ...body,
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('lists every transaction by update, oldest or newest first, with a limit', async () => {
    const client = newTenant();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await createTransaction(client, {})).id);
    await step(client, ids[0]!, 'succeed');
    const order = [ids[1], ids[2], ids[3], ids[0]];
    const list = async (query: string) =>
      (await client.get<AdminTransaction[]>(`/admin/transactions${query}`)).body.map((t) => t.id);
    expect(await list('')).toEqual(order);
    expect(await list('?order=oldest&limit=2')).toEqual(order.slice(0, 2));
    expect(await list('?order=newest')).toEqual([...order].reverse());
    expect(await list('?order=newest&limit=1')).toEqual([ids[0]]);
    expect((await client.get<ErrorBody>('/admin/transactions?order=random')).status).toBe(400);
    expect((await client.get<ErrorBody>('/admin/transactions?limit=0')).status).toBe(400);
    const [first] = (await client.get<AdminTransaction[]>('/admin/transactions?limit=1')).body;
    expect(first!.actions).toEqual(['succeed', 'fail', 'cancel']);
  });
});

describe('lifecycle steps', () => {
  const transitions: Array<[action: string, from: string, to: string]> = [
    ['succeed', 'PENDING', 'SUCCEEDED'],
    ['succeed', 'PROCESSING', 'SUCCEEDED'],
    ['fail', 'PENDING', 'FAILED'],
    ['fail', 'PROCESSING', 'FAILED'],
    ['cancel', 'PENDING', 'CANCELLED'],
    ['capture', 'AUTHORISATION', 'CAPTURE'],
    ['dispute', 'SUCCEEDED', 'DISPUTE'],
    ['dispute', 'CAPTURE', 'DISPUTE'],
    ['win-dispute', 'DISPUTE', 'DISPUTE_WON'],
    ['lose-dispute', 'DISPUTE', 'DISPUTE_LOST'],
  ];

  it.each(transitions)(
    '%s moves a %s transaction to %s and stamps a later updatedAt',
    async (action, from, to) => {
      const client = newTenant();
      const created = await createTransaction(client, { status: from });
      const response = await step(client, created.id, action);
      expect(response.status).toBe(200);
      expect(response.body.transaction).toMatchObject({
        id: created.id,
        status: to,
        createdAt: created.createdAt,
      });
      expect(response.body.created).toBeUndefined();
      expect(Date.parse(response.body.transaction.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt));
      const [listed] = (await client.get<ContractTransaction[]>('/transactions')).body;
      expect(listed).toMatchObject({ status: to, updatedAt: response.body.transaction.updatedAt });
    },
  );

  it('answers 409 INVALID_TRANSITION for a step the current status does not allow, and changes nothing', async () => {
    const client = newTenant();
    const invalid: Array<[string, string]> = [
      ['succeed', 'SUCCEEDED'],
      ['fail', 'CANCELLED'],
      ['cancel', 'PROCESSING'],
      ['capture', 'PENDING'],
      ['dispute', 'PENDING'],
      ['win-dispute', 'SUCCEEDED'],
      ['lose-dispute', 'DISPUTE_WON'],
      ['refund', 'PENDING'],
      ['refund', 'DISPUTE'],
      ['refund', 'REFUNDED'],
    ];
    for (const [action, status] of invalid) {
      const created = await createTransaction(client, { status });
      const response = await step(client, created.id, action);
      expect(response.status, `${action} from ${status}`).toBe(409);
      expect(response.body.Title).toBe('INVALID_TRANSITION');
      const [after] = (await client.get<AdminTransaction[]>('/admin/transactions?order=newest&limit=1')).body;
      expect(after).toMatchObject({ id: created.id, status, updatedAt: created.updatedAt });
    }
  });

  it('answers 404 for an unknown transaction or action', async () => {
    const client = newTenant();
    expect((await step(client, 'txn_nothere000', 'succeed')).status).toBe(404);
    const created = await createTransaction(client, {});
    const unknown = await step(client, created.id, 'explode');
    expect(unknown.status).toBe(404);
    expect(unknown.body.Detail).toContain('succeed');
  });

  it('captures part of an authorisation, and refuses to capture more than was authorised', async () => {
    const client = newTenant();
    const account = await createAccount(client);
    const authorised = await createTransaction(client, {
      status: 'AUTHORISATION',
      amount: '1000',
      destinationAccountID: account.id,
    });
    expect(await balance(client, account.id)).toBe('0');
    const tooMuch = await step(client, authorised.id, 'capture', { amount: '1001' });
    expect(tooMuch.status).toBe(409);
    const captured = await step(client, authorised.id, 'capture', { amount: '600' });
    expect(captured.body.transaction).toMatchObject({ status: 'CAPTURE', amount: '600' });
    expect(await balance(client, account.id)).toBe('600');
  });

  it('moves balances with every status change of a pay-in', async () => {
    const client = newTenant();
    const account = await createAccount(client, 'EUR', '100');
    const payin = await createTransaction(client, { destinationAccountID: account.id });
    await step(client, payin.id, 'succeed');
    expect(await balance(client, account.id)).toBe('1100');
    await step(client, payin.id, 'dispute');
    expect(await balance(client, account.id)).toBe('1100');
    await step(client, payin.id, 'lose-dispute');
    expect(await balance(client, account.id)).toBe('100');
  });

  it('moves both balances of a transfer, and gives a failed payout its reserved funds back', async () => {
    const client = newTenant();
    const a = await createAccount(client, 'EUR', '5000');
    const b = await createAccount(client, 'EUR', '0');
    await createTransaction(client, {
      type: 'TRANSFER',
      status: 'SUCCEEDED',
      sourceAccountID: a.id,
      destinationAccountID: b.id,
    });
    expect([await balance(client, a.id), await balance(client, b.id)]).toEqual(['4000', '1000']);
    const payout = await createTransaction(client, { type: 'PAYOUT', sourceAccountID: a.id });
    expect(await balance(client, a.id)).toBe('3000');
    await step(client, payout.id, 'fail');
    expect(await balance(client, a.id)).toBe('4000');
  });

  it('refunds by creating a related REFUNDED transaction, leaving the original unchanged', async () => {
    const client = newTenant();
    const account = await createAccount(client);
    const original = await createTransaction(client, {
      status: 'SUCCEEDED',
      amount: '1000',
      sourceAccountID: 'ext_payer',
      destinationAccountID: account.id,
    });
    const partial = await step(client, original.id, 'refund', { amount: '300' });
    expect(partial.status).toBe(200);
    expect(partial.body.transaction).toMatchObject({
      id: original.id,
      status: 'SUCCEEDED',
      amount: '1000',
      updatedAt: original.updatedAt,
    });
    expect(partial.body.created).toMatchObject({
      type: 'PAYIN',
      status: 'REFUNDED',
      amount: '300',
      currency: 'EUR/2',
      relatedTransactionID: original.id,
      sourceAccountID: 'ext_payer',
      destinationAccountID: account.id,
      actions: [],
    });
    expect(partial.body.created!.id).not.toBe(original.id);
    expect(await balance(client, account.id)).toBe('700');

    const tooMuch = await step(client, original.id, 'refund', { amount: '701' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.Title).toBe('REFUND_EXCEEDS_REMAINING');

    const rest = await step(client, original.id, 'refund');
    expect(rest.body.created).toMatchObject({ amount: '700', relatedTransactionID: original.id });
    expect(rest.body.transaction.actions).toEqual(['dispute']);
    expect(await balance(client, account.id)).toBe('0');
    expect((await step(client, original.id, 'refund')).status).toBe(409);

    const listed = (await client.get<ContractTransaction[]>('/transactions')).body;
    expect(listed.map((t) => [t.status, t.amount])).toEqual([
      ['SUCCEEDED', '1000'],
      ['REFUNDED', '300'],
      ['REFUNDED', '700'],
    ]);
  });

  it('refunds a payout back into its source account', async () => {
    const client = newTenant();
    const account = await createAccount(client, 'EUR', '1000');
    const payout = await createTransaction(client, {
      type: 'PAYOUT',
      status: 'SUCCEEDED',
      amount: '400',
      sourceAccountID: account.id,
    });
    expect(await balance(client, account.id)).toBe('600');
    await step(client, payout.id, 'refund', { amount: '150' });
    expect(await balance(client, account.id)).toBe('750');
  });

  it('answers 400 for a step amount that is not a positive integer', async () => {
    const client = newTenant();
    const original = await createTransaction(client, { status: 'SUCCEEDED' });
    for (const amount of ['0', '-3', 'abc', 2.5]) {
      expect((await step(client, original.id, 'refund', { amount })).status, String(amount)).toBe(400);
    }
  });
});

const NO_WEBHOOKS = { messages: 0, attempts: 0, delivered: 0, failed: 0, duplicates: 0, injectedFailures: 0 };

describe('stats and data', () => {
  it('counts contract requests by endpoint, not admin ones, and resets on DELETE', async () => {
    const client = newTenant();
    const account = await createAccount(client);
    await client.get('/accounts');
    await client.get('/accounts?page=2');
    await client.get('/transactions');
    await client.get(`/accounts/${account.id}/balances`);
    await client.get('/transactions?page=0');
    await client.get('/admin/accounts');
    const stats = await client.get<StatsBody>('/admin/stats');
    expect(stats.body).toEqual({
      requests: 5,
      byEndpoint: {
        'GET /accounts': 2,
        'GET /transactions': 2,
        'GET /accounts/{accountId}/balances': 1,
      },
      injectedErrors: 0,
      rateLimited: 0,
      webhooks: NO_WEBHOOKS,
    });
    const reset = await client.delete<StatsBody>('/admin/stats');
    expect(reset.status).toBe(200);
    expect((await client.get('/admin/stats')).body).toEqual({
      requests: 0,
      byEndpoint: {},
      injectedErrors: 0,
      rateLimited: 0,
      webhooks: NO_WEBHOOKS,
    });
  });

  it('empties the tenant on DELETE /admin/data: data, faults and stats, and no one else', async () => {
    const client = newTenant();
    const other = newTenant();
    await client.post('/admin/transactions/generate', { count: 20 });
    await other.post('/admin/transactions/generate', { count: 3 });
    await client.put('/admin/faults', { maxPageSize: 5 });
    await client.get('/transactions');
    const deleted = await client.delete<{ deleted: Record<string, number> }>('/admin/data');
    expect(deleted.status).toBe(200);
    expect(deleted.body.deleted).toEqual({ accounts: 2, beneficiaries: 1, transactions: 20 });
    expect((await client.get('/admin/faults')).body).toEqual({});
    expect((await client.get<StatsBody>('/admin/stats')).body.requests).toBe(0);
    for (const path of ['/accounts', '/beneficiaries', '/transactions', '/admin/transactions']) {
      expect((await client.get(path)).body, path).toEqual([]);
    }
    expect((await other.get<ContractTransaction[]>('/transactions')).body).toHaveLength(3);
  });
});
