import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminAccount,
  type AdminTransaction,
  type ContractAccount,
  type ContractBalances,
  type ContractBeneficiary,
  type ContractTransaction,
  type ErrorBody,
  type InitiationObject,
  type PspClient,
  pspClient,
} from '../../test/support/mock-psp-harness.js';
import { type MockPsp, startMockPsp } from './server.js';

let psp: MockPsp;
beforeAll(async () => {
  psp = await startMockPsp();
});
afterAll(async () => {
  await psp.stop();
});

const newTenant = () => pspClient(psp.url, `contract-${randomUUID()}`);
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const plusMs = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

async function createAccount(
  client: PspClient,
  currency = 'EUR',
  initialBalance = '0',
  accountName = 'Main',
) {
  const response = await client.post<AdminAccount>('/admin/accounts', {
    accountName,
    currency,
    initialBalance,
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function createBeneficiary(client: PspClient, ownerName = 'Jane Doe') {
  const response = await client.post<ContractBeneficiary>('/admin/beneficiaries', { ownerName });
  expect(response.status).toBe(201);
  return response.body;
}

async function createTransaction(client: PspClient, body: Record<string, unknown>) {
  const response = await client.post<AdminTransaction>('/admin/transactions', {
    type: 'PAYIN',
    amount: '100',
    currency: 'EUR',
    ...body,
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function balanceOf(client: PspClient, accountId: string, currency = 'EUR/2') {
  const response = await client.get<ContractBalances>(`/accounts/${accountId}/balances`);
  return response.body.balances.find((balance) => balance.currency === currency)?.amount;
}

async function transactions(client: PspClient, query = 'pageSize=1000') {
  const response = await client.get<ContractTransaction[]>(`/transactions?${query}`);
  expect(response.status).toBe(200);
  return response.body;
}

describe('contract shapes', () => {
  it('lists internal accounts as {id, accountName, createdAt, metadata}', async () => {
    const client = newTenant();
    await client.post('/admin/accounts', {
      accountName: 'Ops',
      currency: 'EUR/2',
      metadata: { team: 'ops' },
    });
    const response = await client.get<ContractAccount[]>('/accounts');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.body).toHaveLength(1);
    const [account] = response.body;
    expect(Object.keys(account!)).toEqual(['id', 'accountName', 'createdAt', 'metadata']);
    expect(account!.id).toMatch(/^acc_[0-9a-z]{10}$/);
    expect(account!.accountName).toBe('Ops');
    expect(account!.createdAt).toMatch(ISO_MS);
    expect(account!.metadata).toEqual({ team: 'ops' });
  });

  it('reports an account balance per currency, its own first even at zero', async () => {
    const client = newTenant();
    const account = await createAccount(client, 'EUR');
    const empty = await client.get<ContractBalances>(`/accounts/${account.id}/balances`);
    expect(empty.status).toBe(200);
    expect(Object.keys(empty.body)).toEqual(['id', 'accountID', 'at', 'balances']);
    expect(empty.body.accountID).toBe(account.id);
    expect(empty.body.at).toMatch(ISO_MS);
    expect(empty.body.balances).toEqual([{ amount: '0', currency: 'EUR/2' }]);

    await createTransaction(client, {
      amount: '250',
      currency: 'USD',
      status: 'SUCCEEDED',
      destinationAccountID: account.id,
    });
    const both = await client.get<ContractBalances>(`/accounts/${account.id}/balances`);
    expect(both.body.balances).toEqual([
      { amount: '0', currency: 'EUR/2' },
      { amount: '250', currency: 'USD/2' },
    ]);
  });

  it('answers 404 with the error body for the balances of an unknown account', async () => {
    const response = await newTenant().get<ErrorBody>('/accounts/acc_unknown0000/balances');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ Title: 'NOT_FOUND', Detail: expect.stringContaining('acc_unknown0000') });
  });

  it('lists beneficiaries as {id, ownerName, createdAt, metadata}', async () => {
    const client = newTenant();
    await createBeneficiary(client, 'Acme GmbH');
    const response = await client.get<ContractBeneficiary[]>('/beneficiaries');
    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      {
        id: expect.stringMatching(/^ben_[0-9a-z]{10}$/),
        ownerName: 'Acme GmbH',
        createdAt: expect.stringMatching(ISO_MS),
        metadata: {},
      },
    ]);
  });

  it('lists transactions with every field, and omits the optional ones when absent', async () => {
    const client = newTenant();
    const account = await createAccount(client);
    const bare = await createTransaction(client, { destinationAccountID: account.id });
    const full = await createTransaction(client, {
      type: 'PAYOUT',
      amount: '42',
      status: 'SUCCEEDED',
      sourceAccountID: account.id,
      destinationAccountID: 'ben_external00',
      relatedTransactionID: bare.id,
      scheme: 'SEPA',
      metadata: { order: 'ord_1' },
    });
    const [first, second] = await transactions(client);
    expect(Object.keys(first!)).toEqual([
      'id',
      'createdAt',
      'updatedAt',
      'currency',
      'type',
      'status',
      'amount',
      'destinationAccountID',
      'metadata',
    ]);
    expect(first).toEqual({
      id: bare.id,
      createdAt: bare.createdAt,
      updatedAt: bare.createdAt,
      currency: 'EUR/2',
      type: 'PAYIN',
      status: 'PENDING',
      amount: '100',
      destinationAccountID: account.id,
      metadata: {},
    });
    expect(second).toEqual({
      id: full.id,
      relatedTransactionID: bare.id,
      createdAt: full.createdAt,
      updatedAt: full.updatedAt,
      currency: 'EUR/2',
      scheme: 'SEPA',
      type: 'PAYOUT',
      status: 'SUCCEEDED',
      amount: '42',
      sourceAccountID: account.id,
      destinationAccountID: 'ben_external00',
      metadata: { order: 'ord_1' },
    });
    expect(first!.id).toMatch(/^txn_[0-9a-z]{10}$/);
    expect(first!.createdAt).toMatch(ISO_MS);
  });
});

describe('list queries', () => {
  it('filters accounts and beneficiaries on createdAt, inclusively, to the millisecond', async () => {
    const client = newTenant();
    // Two creations within one millisecond are stamped 1 ms apart, which the 1 ms steps below would not
    // tell apart from the boundary: keep them further apart.
    const accounts: AdminAccount[] = [];
    for (let i = 0; i < 3; i++) {
      accounts.push(await createAccount(client));
      await sleep(3);
    }
    const ids = (list: { id: string }[]) => list.map((item) => item.id);
    const from = async (value: string) =>
      ids((await client.get<ContractAccount[]>(`/accounts?createdAtFrom=${encodeURIComponent(value)}`)).body);

    expect(await from(accounts[1]!.createdAt)).toEqual([accounts[1]!.id, accounts[2]!.id]);
    expect(await from(plusMs(accounts[1]!.createdAt, 1))).toEqual([accounts[2]!.id]);
    expect(await from(plusMs(accounts[1]!.createdAt, -1))).toEqual([accounts[1]!.id, accounts[2]!.id]);
    // The same instant written with an offset.
    const withOffset = new Date(Date.parse(accounts[1]!.createdAt) + 3_600_000)
      .toISOString()
      .replace('Z', '+01:00');
    expect(await from(withOffset)).toEqual([accounts[1]!.id, accounts[2]!.id]);

    const beneficiaries = [await createBeneficiary(client), await createBeneficiary(client)];
    const listed = await client.get<ContractBeneficiary[]>(
      `/beneficiaries?createdAtFrom=${encodeURIComponent(beneficiaries[1]!.createdAt)}`,
    );
    expect(ids(listed.body)).toEqual([beneficiaries[1]!.id]);
  });

  it('filters transactions on updatedAt, so a changed transaction comes back after the watermark', async () => {
    const client = newTenant();
    const account = await createAccount(client);
    const first = await createTransaction(client, { destinationAccountID: account.id });
    const second = await createTransaction(client, { destinationAccountID: account.id });
    const watermark = second.updatedAt;
    expect((await transactions(client, `updatedAtFrom=${watermark}`)).map((t) => t.id)).toEqual([second.id]);

    await client.post(`/admin/transactions/${first.id}/succeed`);
    const changed = await transactions(client, `updatedAtFrom=${plusMs(watermark, 1)}`);
    expect(changed.map((t) => [t.id, t.status])).toEqual([[first.id, 'SUCCEEDED']]);
    expect(Date.parse(changed[0]!.updatedAt)).toBeGreaterThan(Date.parse(watermark));
    expect(changed[0]!.createdAt).toBe(first.createdAt);
  });

  it('sorts ascending by default and descending on request, on createdAt or updatedAt', async () => {
    const client = newTenant();
    const account = await createAccount(client);
    const created: string[] = [];
    for (let i = 0; i < 4; i++)
      created.push((await createTransaction(client, { destinationAccountID: account.id })).id);
    await client.post(`/admin/transactions/${created[0]}/succeed`);
    const ids = async (query: string) => (await transactions(client, query)).map((t) => t.id);

    const byUpdate = [created[1], created[2], created[3], created[0]];
    expect(await ids('')).toEqual(byUpdate);
    expect(await ids('sort=updatedAt:asc')).toEqual(byUpdate);
    expect(await ids('sort=updatedAt:desc')).toEqual([...byUpdate].reverse());
    expect(await ids('sort=createdAt:asc')).toEqual(created);
    expect(await ids('sort=createdAt:desc')).toEqual([...created].reverse());
    // createdAt order with an updatedAt filter: only the changed one is at or after its new updatedAt.
    const changed = (await transactions(client, 'sort=updatedAt:desc&pageSize=1'))[0]!;
    expect(await ids(`sort=createdAt:asc&updatedAtFrom=${changed.updatedAt}`)).toEqual([created[0]]);

    const accounts = [account, await createAccount(client), await createAccount(client)].map((a) => a.id);
    const listed = await client.get<ContractAccount[]>('/accounts?sort=createdAt:desc');
    expect(listed.body.map((a) => a.id)).toEqual([...accounts].reverse());
  });

  it('serves page p as items [(p-1)*pageSize, p*pageSize) of the filtered, sorted list', async () => {
    const client = newTenant();
    await client.post('/admin/transactions/generate', { count: 25, clusterSize: 3 });
    const all = (await transactions(client)).map((t) => t.id);
    expect(all).toHaveLength(25);
    const page = async (query: string) => (await transactions(client, query)).map((t) => t.id);

    expect(await page('page=1&pageSize=10')).toEqual(all.slice(0, 10));
    expect(await page('page=2&pageSize=10')).toEqual(all.slice(10, 20));
    expect(await page('page=3&pageSize=10')).toEqual(all.slice(20, 25));
    expect(await page('page=4&pageSize=10')).toEqual([]);
    expect(await page('page=2&pageSize=10&sort=updatedAt:desc')).toEqual([...all].reverse().slice(10, 20));
    expect(await page('pageSize=5')).toEqual(all.slice(0, 5));

    // With a filter, positions count within the filtered list.
    const middle = (await transactions(client))[12]!;
    const fromMiddle = (await transactions(client, `updatedAtFrom=${middle.updatedAt}`)).map((t) => t.id);
    expect(await page(`updatedAtFrom=${middle.updatedAt}&page=2&pageSize=4`)).toEqual(fromMiddle.slice(4, 8));
    expect(await page(`updatedAtFrom=${middle.updatedAt}&page=2&pageSize=4&sort=updatedAt:desc`)).toEqual(
      [...fromMiddle].reverse().slice(4, 8),
    );
  });

  it('pages one item at a time through 10 000 transactions, each exactly once', async () => {
    const client = newTenant();
    const generated = await client.post('/admin/transactions/generate', { count: 10_000 });
    expect(generated.status).toBe(201);
    const seen: string[] = [];
    for (let start = 1; start <= 10_001; start += 100) {
      const pages = await Promise.all(
        Array.from({ length: 100 }, (_, i) => transactions(client, `page=${start + i}&pageSize=1`)),
      );
      for (const page of pages) seen.push(...page.map((t) => t.id));
    }
    expect(seen).toHaveLength(10_000);
    expect(new Set(seen).size).toBe(10_000);
    const direct = [
      ...(await transactions(client, 'pageSize=1000&page=1')),
      ...(await transactions(client, 'pageSize=1000&page=10')),
    ].map((t) => t.id);
    expect([...seen.slice(0, 1000), ...seen.slice(9000)]).toEqual(direct);
  });

  it('answers 400 with the error body for invalid query parameters', async () => {
    const client = newTenant();
    const cases: Array<[string, string]> = [
      ['/transactions?page=0', 'page'],
      ['/transactions?page=abc', 'page'],
      ['/transactions?page=1.5', 'page'],
      ['/transactions?pageSize=0', 'pageSize'],
      ['/transactions?pageSize=1001', 'pageSize'],
      ['/transactions?sort=id:asc', 'sort'],
      ['/transactions?sort=updatedAt', 'sort'],
      ['/transactions?sort=updatedAt:up', 'sort'],
      ['/accounts?sort=updatedAt:asc', 'sort'],
      ['/beneficiaries?sort=updatedAt:asc', 'sort'],
      ['/transactions?updatedAtFrom=yesterday', 'updatedAtFrom'],
      ['/transactions?updatedAtFrom=2024-05-01', 'updatedAtFrom'],
      ['/transactions?updatedAtFrom=2024-02-30T10:00:00Z', 'updatedAtFrom'],
      ['/accounts?createdAtFrom=2024-05-01T10:00:00', 'createdAtFrom'],
      ['/beneficiaries?createdAtFrom=1714557600', 'createdAtFrom'],
      ['/accounts?page=1&page=2', 'page'],
    ];
    for (const [path, parameter] of cases) {
      const response = await client.get<ErrorBody>(path);
      expect(response.status, path).toBe(400);
      expect(response.body.Title, path).toBe('VALIDATION');
      expect(response.body.Detail, path).toContain(parameter);
    }
    const accepted = await client.get(
      '/transactions?page=3&pageSize=1000&sort=createdAt:desc&updatedAtFrom=2024-05-01T10:00:00.123456%2B02:00',
    );
    expect(accepted.status).toBe(200);
  });

  it('breaks timestamp ties by insertion order, not by id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mock-psp-ties-'));
    const dataFile = join(dir, 'data.json');
    const at = '2026-01-01T10:00:00.500Z';
    // Inserted in this order, which is neither ascending nor descending id order.
    const ids = ['txn_mmmmmmmmmm', 'txn_zzzzzzzzzz', 'txn_aaaaaaaaaa', 'txn_qqqqqqqqqq'];
    const transaction = (id: string) => ({
      id,
      type: 'PAYIN',
      status: 'SUCCEEDED',
      amount: '100',
      currency: 'EUR/2',
      createdAt: at,
      updatedAt: at,
      metadata: {},
    });
    await writeFile(
      dataFile,
      JSON.stringify({
        version: 1,
        tenants: [
          {
            apiKey: 'ties',
            clock: Date.parse(at),
            accounts: [],
            beneficiaries: [],
            transactions: ids.map(transaction),
          },
        ],
      }),
    );
    const tied = await startMockPsp({ dataFile });
    try {
      const client = pspClient(tied.url, 'ties');
      const list = async (query: string) =>
        (await client.get<ContractTransaction[]>(`/transactions?${query}`)).body.map((t) => t.id);
      expect(await list('sort=updatedAt:asc')).toEqual(ids);
      expect(await list('sort=createdAt:asc')).toEqual(ids);
      expect(await list('sort=updatedAt:desc')).toEqual([...ids].reverse());
      const onePerPage = [];
      for (let page = 1; page <= 4; page++) onePerPage.push(...(await list(`pageSize=1&page=${page}`)));
      expect(onePerPage).toEqual(ids);
    } finally {
      await tied.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('payouts', () => {
  async function setup(initialBalance = '10000') {
    const client = newTenant();
    const source = await createAccount(client, 'EUR', initialBalance);
    const beneficiary = await createBeneficiary(client);
    const request = {
      idempotencyKey: `payout-${randomUUID()}`,
      amount: '2500',
      currency: 'EUR/2',
      sourceAccountId: source.id,
      destinationAccountId: beneficiary.id,
      description: 'supplier invoice 42',
      metadata: { invoice: '42' },
    };
    return { client, source, beneficiary, request };
  }

  it('creates a pending payout that reserves the funds and shows up as a PAYOUT transaction', async () => {
    const { client, source, beneficiary, request } = await setup();
    const response = await client.post<InitiationObject>('/payouts', request);
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      ...request,
      id: expect.stringMatching(/^txn_[0-9a-z]{10}$/),
      status: 'PENDING',
      createdAt: expect.stringMatching(ISO_MS),
      updatedAt: expect.stringMatching(ISO_MS),
    });
    expect(await balanceOf(client, source.id)).toBe('7500');
    expect(await transactions(client)).toEqual([
      {
        id: response.body.id,
        createdAt: response.body.createdAt,
        updatedAt: response.body.updatedAt,
        currency: 'EUR/2',
        type: 'PAYOUT',
        status: 'PENDING',
        amount: '2500',
        sourceAccountID: source.id,
        destinationAccountID: beneficiary.id,
        metadata: { invoice: '42' },
      },
    ]);
    const fetched = await client.get<InitiationObject>(`/payouts/${response.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(response.body);
  });

  it('returns the same payout for the same idempotency key and parameters, without moving money twice', async () => {
    const { client, source, request } = await setup();
    const first = await client.post<InitiationObject>('/payouts', request);
    const again = await client.post<InitiationObject>('/payouts', { ...request, currency: 'EUR' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await transactions(client)).toHaveLength(1);
    expect(await balanceOf(client, source.id)).toBe('7500');
  });

  it('refuses an idempotency key reused with other parameters with a 422', async () => {
    const { client, source, request } = await setup();
    await client.post('/payouts', request);
    for (const changed of [{ amount: '2501' }, { description: 'other' }, { metadata: {} }]) {
      const response = await client.post<ErrorBody>('/payouts', { ...request, ...changed });
      expect(response.status).toBe(422);
      expect(response.body.Title).toBe('IDEMPOTENCY_KEY_REUSED');
    }
    const asTransfer = await client.post<ErrorBody>('/transfers', request);
    expect(asTransfer.status).toBe(422);
    expect(await transactions(client)).toHaveLength(1);
    expect(await balanceOf(client, source.id)).toBe('7500');
  });

  it('refuses a payout larger than the source balance with a 422 and creates nothing', async () => {
    const { client, source, request } = await setup('2499');
    const response = await client.post<ErrorBody>('/payouts', request);
    expect(response.status).toBe(422);
    expect(response.body.Title).toBe('INSUFFICIENT_FUNDS');
    expect(await transactions(client)).toEqual([]);
    expect(await balanceOf(client, source.id)).toBe('2499');
    // The key was not used up by the refusal.
    await client.post('/admin/transactions', {
      type: 'PAYIN',
      amount: '1',
      currency: 'EUR',
      status: 'SUCCEEDED',
      destinationAccountID: source.id,
    });
    expect((await client.post('/payouts', request)).status).toBe(201);
  });

  it('answers 400 with a clear Detail for invalid payout requests', async () => {
    const { client, request } = await setup();
    const usd = await createAccount(client, 'USD', '10000');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ idempotencyKey: undefined }, 'idempotencyKey'],
      [{ amount: undefined }, 'amount'],
      [{ amount: '0' }, 'amount'],
      [{ amount: '-5' }, 'amount'],
      [{ amount: '1.5' }, 'amount'],
      [{ amount: 100 }, 'amount'],
      [{ currency: undefined }, 'currency'],
      [{ currency: 'USD' }, 'EUR/2'],
      [{ currency: 'EUR/3' }, 'EUR/3'],
      [{ currency: 'euro' }, 'euro'],
      [{ sourceAccountId: 'acc_nothere000' }, 'acc_nothere000'],
      [{ sourceAccountId: usd.id, currency: 'EUR' }, 'USD/2'],
      [{ destinationAccountId: 'ben_nothere000' }, 'ben_nothere000'],
      [{ metadata: { n: 1 } }, 'metadata'],
    ];
    for (const [change, detail] of cases) {
      const response = await client.post<ErrorBody>('/payouts', { ...request, ...change });
      expect(response.status, JSON.stringify(change)).toBe(400);
      expect(response.body.Title).toBe('VALIDATION');
      expect(response.body.Detail, JSON.stringify(change)).toContain(detail);
    }
    const notObject = await client.post<ErrorBody>('/payouts', [1, 2]);
    expect(notObject.status).toBe(400);
    const noBody = await client.request<ErrorBody>('POST', '/payouts');
    expect(noBody.status).toBe(400);
    expect(await transactions(client)).toEqual([]);
  });

  it('pays out to an internal account as well as to a beneficiary', async () => {
    const { client, request } = await setup();
    const other = await createAccount(client, 'EUR');
    const response = await client.post<InitiationObject>('/payouts', {
      ...request,
      destinationAccountId: other.id,
    });
    expect(response.status).toBe(201);
  });

  it('shows the current status on GET /payouts/{id} after admin steps', async () => {
    const { client, source, request } = await setup();
    const created = await client.post<InitiationObject>('/payouts', request);
    await client.post(`/admin/transactions/${created.body.id}/fail`);
    const fetched = await client.get<InitiationObject>(`/payouts/${created.body.id}`);
    expect(fetched.body.status).toBe('FAILED');
    expect(Date.parse(fetched.body.updatedAt)).toBeGreaterThan(Date.parse(created.body.updatedAt));
    expect(await balanceOf(client, source.id)).toBe('10000');
  });

  it('answers 404 for an unknown payout, and for a transfer asked for as a payout', async () => {
    const { client, source } = await setup();
    expect((await client.get<ErrorBody>('/payouts/txn_nothere000')).status).toBe(404);
    const other = await createAccount(client, 'EUR');
    const transfer = await client.post<InitiationObject>('/transfers', {
      idempotencyKey: 't1',
      amount: '1',
      currency: 'EUR',
      sourceAccountId: source.id,
      destinationAccountId: other.id,
    });
    expect((await client.get<ErrorBody>(`/payouts/${transfer.body.id}`)).status).toBe(404);
    expect((await client.get(`/transfers/${transfer.body.id}`)).status).toBe(200);
  });
});

describe('transfers', () => {
  async function setup() {
    const client = newTenant();
    const source = await createAccount(client, 'EUR', '5000');
    const destination = await createAccount(client, 'EUR', '100');
    const request = {
      idempotencyKey: `transfer-${randomUUID()}`,
      amount: '1200',
      currency: 'EUR',
      sourceAccountId: source.id,
      destinationAccountId: destination.id,
    };
    return { client, source, destination, request };
  }

  it('completes a transfer at once and moves both balances', async () => {
    const { client, source, destination, request } = await setup();
    const response = await client.post<InitiationObject>('/transfers', request);
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      ...request,
      id: expect.stringMatching(/^txn_/),
      status: 'SUCCEEDED',
      createdAt: expect.stringMatching(ISO_MS),
      updatedAt: expect.stringMatching(ISO_MS),
    });
    expect(await balanceOf(client, source.id)).toBe('3800');
    expect(await balanceOf(client, destination.id)).toBe('1300');
    const [transaction] = await transactions(client);
    expect(transaction).toMatchObject({
      id: response.body.id,
      type: 'TRANSFER',
      status: 'SUCCEEDED',
      sourceAccountID: source.id,
      destinationAccountID: destination.id,
    });
    expect((await client.get<InitiationObject>(`/transfers/${response.body.id}`)).body).toEqual(
      response.body,
    );
  });

  it('replays a transfer for the same key and parameters, and refuses other parameters', async () => {
    const { client, source, request } = await setup();
    const first = await client.post<InitiationObject>('/transfers', request);
    const again = await client.post<InitiationObject>('/transfers', request);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const changed = await client.post<ErrorBody>('/transfers', { ...request, amount: '1' });
    expect(changed.status).toBe(422);
    expect(changed.body.Title).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await balanceOf(client, source.id)).toBe('3800');
  });

  it('refuses transfers to a beneficiary, to the source itself or across currencies', async () => {
    const { client, source, request } = await setup();
    const beneficiary = await createBeneficiary(client);
    const usd = await createAccount(client, 'USD', '0');
    for (const destinationAccountId of [beneficiary.id, source.id, usd.id]) {
      const response = await client.post<ErrorBody>('/transfers', { ...request, destinationAccountId });
      expect(response.status).toBe(400);
      expect(response.body.Title).toBe('VALIDATION');
    }
    const tooMuch = await client.post<ErrorBody>('/transfers', { ...request, amount: '5001' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.Title).toBe('INSUFFICIENT_FUNDS');
    expect(await balanceOf(client, source.id)).toBe('5000');
  });
});
