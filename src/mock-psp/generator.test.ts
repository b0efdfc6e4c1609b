import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminAccount,
  type AdminTransaction,
  type ContractBeneficiary,
  type ContractTransaction,
  type ErrorBody,
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

const newTenant = () => pspClient(psp.url, `generator-${randomUUID()}`);

async function generate(client: PspClient, body: Record<string, unknown>) {
  const response = await client.post<{ generated: number }>('/admin/transactions/generate', body);
  expect(response.status).toBe(201);
  return response.body;
}

async function allTransactions(client: PspClient) {
  return (await client.get<AdminTransaction[]>('/admin/transactions')).body;
}

/** Runs of consecutive transactions (in list order) that share one updatedAt. */
function clustersOf(transactions: ContractTransaction[]): ContractTransaction[][] {
  const clusters: ContractTransaction[][] = [];
  for (const transaction of transactions) {
    const last = clusters[clusters.length - 1];
    if (last && last[0]!.updatedAt === transaction.updatedAt) last.push(transaction);
    else clusters.push([transaction]);
  }
  return clusters;
}

describe('POST /admin/transactions/generate', () => {
  it('creates two internal accounts and a beneficiary first when the tenant has none', async () => {
    const client = newTenant();
    expect(await generate(client, { count: 30 })).toEqual({ generated: 30 });
    const accounts = (await client.get<AdminAccount[]>('/admin/accounts')).body;
    expect(accounts.map((account) => account.currency)).toEqual(['EUR/2', 'USD/2']);
    // The balance is the seed balance plus what the generated statuses moved; the seed must be realistic.
    const transactions = await allTransactions(client);
    for (const account of accounts) {
      let moved = 0n;
      for (const t of transactions) {
        if (t.type === 'PAYIN' && t.destinationAccountID === account.id && t.status === 'SUCCEEDED') {
          moved += BigInt(t.amount);
        }
        if (
          t.type === 'PAYOUT' &&
          t.sourceAccountID === account.id &&
          ['SUCCEEDED', 'PENDING'].includes(t.status)
        ) {
          moved -= BigInt(t.amount);
        }
      }
      const seed = BigInt(account.balances[0]!.amount) - moved;
      expect(seed).toBeGreaterThanOrEqual(5_000_000n);
      expect(seed).toBeLessThanOrEqual(50_000_000n);
    }
    expect((await client.get<ContractBeneficiary[]>('/beneficiaries')).body).toHaveLength(1);

    await generate(client, { count: 5 });
    expect((await client.get('/admin/accounts')).body).toHaveLength(2);
    expect((await client.get('/beneficiaries')).body).toHaveLength(1);
    expect(await allTransactions(client)).toHaveLength(35);
  });

  it('groups transactions in clusters of 1..clusterSize sharing one timestamp, 1 ms apart', async () => {
    const client = newTenant();
    await generate(client, { count: 400, clusterSize: 6 });
    const transactions = await allTransactions(client);
    expect(transactions).toHaveLength(400);
    const clusters = clustersOf(transactions);
    expect(Math.max(...clusters.map((cluster) => cluster.length))).toBeLessThanOrEqual(6);
    expect(clusters.some((cluster) => cluster.length > 1)).toBe(true);
    for (let i = 1; i < clusters.length; i++) {
      expect(Date.parse(clusters[i]![0]!.updatedAt) - Date.parse(clusters[i - 1]![0]!.updatedAt)).toBe(1);
    }
    for (const transaction of transactions) expect(transaction.createdAt).toBe(transaction.updatedAt);

    const single = newTenant();
    await generate(single, { count: 50, clusterSize: 1 });
    expect(clustersOf(await allTransactions(single))).toHaveLength(50);
  });

  it('stamps the next write after the generated history, even when the history runs into the future', async () => {
    const client = newTenant();
    await generate(client, { count: 3000, clusterSize: 1 });
    const last = (await client.get<AdminTransaction[]>('/admin/transactions?order=newest&limit=1')).body[0]!;
    const account = (await client.get<AdminAccount[]>('/admin/accounts')).body[0]!;
    const created = await client.post<AdminTransaction>('/admin/transactions', {
      type: 'PAYIN',
      amount: '1',
      currency: 'EUR',
      destinationAccountID: account.id,
    });
    expect(Date.parse(created.body.updatedAt)).toBeGreaterThan(Date.parse(last.updatedAt));
  });

  it('uses realistic amounts in the currencies of the accounts it picks, JPY without decimals', async () => {
    const client = newTenant();
    const jpy = (
      await client.post<AdminAccount>('/admin/accounts', {
        accountName: 'Tokyo',
        currency: 'JPY',
        initialBalance: 0,
      })
    ).body;
    const eur = (
      await client.post<AdminAccount>('/admin/accounts', { accountName: 'Paris', currency: 'EUR' })
    ).body;
    await generate(client, { count: 300 });
    const transactions = await allTransactions(client);
    const currencies = new Set(transactions.map((t) => t.currency));
    expect(currencies).toEqual(new Set(['JPY/0', 'EUR/2']));
    for (const transaction of transactions) {
      const amount = Number(transaction.amount);
      const [min, max] = transaction.currency === 'JPY/0' ? [1, 5000] : [100, 500_000];
      expect(amount, transaction.amount).toBeGreaterThanOrEqual(min);
      expect(amount, transaction.amount).toBeLessThanOrEqual(max);
      const internal =
        transaction.type === 'PAYIN' ? transaction.destinationAccountID : transaction.sourceAccountID;
      expect(internal).toBe(transaction.currency === 'JPY/0' ? jpy.id : eur.id);
    }
    // Log-uniform: a good share below 10.00 and a good share above 500.00.
    const eurAmounts = transactions.filter((t) => t.currency === 'EUR/2').map((t) => Number(t.amount));
    expect(eurAmounts.filter((a) => a < 1000).length).toBeGreaterThan(eurAmounts.length / 10);
    expect(eurAmounts.filter((a) => a > 50_000).length).toBeGreaterThan(eurAmounts.length / 10);
  });

  it('generates only the requested types with their counterparties and a realistic status mix', async () => {
    const client = newTenant();
    await generate(client, { count: 200, types: ['PAYOUT'] });
    const accounts = new Set((await client.get<AdminAccount[]>('/admin/accounts')).body.map((a) => a.id));
    const beneficiary = (await client.get<ContractBeneficiary[]>('/beneficiaries')).body[0]!;
    const payouts = await allTransactions(client);
    for (const payout of payouts) {
      expect(payout.type).toBe('PAYOUT');
      expect(accounts.has(payout.sourceAccountID!)).toBe(true);
      expect(payout.destinationAccountID).toBe(beneficiary.id);
      expect(['SUCCEEDED', 'PENDING', 'FAILED']).toContain(payout.status);
    }
    const succeeded = payouts.filter((p) => p.status === 'SUCCEEDED').length;
    expect(succeeded).toBeGreaterThan(120);
    expect(succeeded).toBeLessThan(195);
    expect(payouts.some((p) => p.scheme !== undefined)).toBe(true);
    expect(payouts.some((p) => p.metadata.order?.startsWith('ord_'))).toBe(true);

    const payins = newTenant();
    await generate(payins, { count: 400, types: ['PAYIN'] });
    const listed = await allTransactions(payins);
    expect(new Set(listed.map((t) => t.type))).toEqual(new Set(['PAYIN']));
    expect(listed.some((t) => t.status === 'AUTHORISATION')).toBe(true);
    expect(listed.every((t) => t.sourceAccountID === undefined)).toBe(true);
  });

  it('makes transfers between same-currency accounts, and pay-ins when no such pair exists', async () => {
    const fallback = newTenant();
    await generate(fallback, { count: 20, types: ['TRANSFER'] });
    expect(new Set((await allTransactions(fallback)).map((t) => t.type))).toEqual(new Set(['PAYIN']));

    const client = newTenant();
    const a = (await client.post<AdminAccount>('/admin/accounts', { accountName: 'A', currency: 'GBP' }))
      .body;
    const b = (await client.post<AdminAccount>('/admin/accounts', { accountName: 'B', currency: 'GBP' }))
      .body;
    await generate(client, { count: 30, types: ['TRANSFER'] });
    for (const transfer of await allTransactions(client)) {
      expect(transfer.type).toBe('TRANSFER');
      expect(transfer.currency).toBe('GBP/2');
      expect(new Set([transfer.sourceAccountID, transfer.destinationAccountID])).toEqual(
        new Set([a.id, b.id]),
      );
    }
  });

  it('answers 400 for an invalid generation request', async () => {
    const client = newTenant();
    for (const body of [
      { count: 0 },
      { count: 100_001 },
      { count: 1.5 },
      {},
      { count: 5, types: ['OTHER'] },
      { count: 5, types: [] },
      { count: 5, clusterSize: 0 },
    ]) {
      const response = await client.post<ErrorBody>('/admin/transactions/generate', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect(await allTransactions(client)).toEqual([]);
  });
});
