import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminAccount,
  type ContractTransaction,
  type ErrorBody,
  type PspClient,
  pspClient,
  type StatsBody,
} from '../../test/support/mock-psp-harness.js';
import { type MockPsp, startMockPsp } from './server.js';

let psp: MockPsp;
beforeAll(async () => {
  psp = await startMockPsp();
});
afterAll(async () => {
  await psp.stop();
});

const newTenant = () => pspClient(psp.url, `faults-${randomUUID()}`);

async function setFaults(client: PspClient, faults: Record<string, unknown>) {
  const response = await client.put('/admin/faults', faults);
  expect(response.status).toBe(200);
}

async function transactionIds(client: PspClient, query: string) {
  const response = await client.get<ContractTransaction[]>(`/transactions?${query}`);
  expect(response.status).toBe(200);
  return response.body.map((t) => t.id);
}

async function timed<T>(call: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await call();
  return [result, performance.now() - start];
}

describe('fault settings', () => {
  it('stores, returns and replaces the settings, and refuses unknown keys or values', async () => {
    const client = newTenant();
    expect((await client.get('/admin/faults')).body).toEqual({});
    const settings = { latencyMs: 5, rateLimit: { requestsPerSecond: 10 }, maxPageSize: 7 };
    expect((await client.put('/admin/faults', settings)).body).toEqual(settings);
    expect((await client.get('/admin/faults')).body).toEqual(settings);
    await setFaults(client, { ignoreFilters: true });
    expect((await client.get('/admin/faults')).body).toEqual({ ignoreFilters: true });

    for (const bad of [
      { latency: 5 },
      { errorRate: 1.5 },
      { errorRate: -0.1 },
      { latencyMs: -1 },
      { rateLimit: { retryAfterSeconds: 2 } },
      { rateLimit: { requestsPerSecond: 5, burst: 2 } },
      { maxPageSize: 0 },
      { webhookDuplicates: 1.5 },
      { webhookFailRate: -0.5 },
      { webhookReorder: 'yes' },
      { ignoreFilters: 'yes' },
    ]) {
      const response = await client.put<ErrorBody>('/admin/faults', bad);
      expect(response.status, JSON.stringify(bad)).toBe(400);
      expect(response.body.Title).toBe('VALIDATION');
    }
    expect((await client.get('/admin/faults')).body).toEqual({ ignoreFilters: true });
  });
});

describe('fault modes', () => {
  it('adds latency before contract responses, not before admin ones', async () => {
    const client = newTenant();
    await setFaults(client, { latencyMs: 1000 });
    const [contract, contractMs] = await timed(() => client.get('/accounts'));
    expect(contract.status).toBe(200);
    expect(contractMs).toBeGreaterThanOrEqual(950);
    const [, adminMs] = await timed(() => client.get('/admin/accounts'));
    expect(adminMs).toBeLessThan(900);
  });

  it('holds the answer after doing the work when answerDelayMs is set: a client that gives up misses the outcome', async () => {
    const client = newTenant();
    const a = (
      await client.post<AdminAccount>('/admin/accounts', {
        accountName: 'A',
        currency: 'EUR',
        initialBalance: 500,
      })
    ).body;
    const b = (await client.post<AdminAccount>('/admin/accounts', { accountName: 'B', currency: 'EUR' }))
      .body;
    await setFaults(client, { answerDelayMs: 1500 });
    const gaveUp = await fetch(`${psp.url}/transfers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        idempotencyKey: 'slow-1',
        amount: '200',
        currency: 'EUR/2',
        sourceAccountId: a.id,
        destinationAccountId: b.id,
      }),
      signal: AbortSignal.timeout(300),
    }).then(
      () => 'answered',
      () => 'timed out',
    );
    expect(gaveUp).toBe('timed out');
    // The transfer exists all the same: the work came before the delay.
    const made = (await client.get<{ type: string }[]>('/admin/transactions')).body;
    expect(made.filter((t) => t.type === 'TRANSFER')).toHaveLength(1);
  });

  it('fails every contract request with a 500, 502 or 503 error body at error rate 1, before doing anything', async () => {
    const client = newTenant();
    const a = (
      await client.post<AdminAccount>('/admin/accounts', {
        accountName: 'A',
        currency: 'EUR',
        initialBalance: 100,
      })
    ).body;
    const b = (await client.post<AdminAccount>('/admin/accounts', { accountName: 'B', currency: 'EUR' }))
      .body;
    await setFaults(client, { errorRate: 1 });
    const statuses = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const response = await client.get<ErrorBody>(i % 2 ? '/transactions' : `/accounts/${a.id}/balances`);
      statuses.add(response.status);
      expect(response.body).toEqual({
        Title: expect.any(String),
        Detail: expect.stringContaining('injected'),
      });
    }
    expect(statuses).toEqual(new Set([500, 502, 503]));
    const transfer = await client.post('/transfers', {
      idempotencyKey: 'k',
      amount: '10',
      currency: 'EUR',
      sourceAccountId: a.id,
      destinationAccountId: b.id,
    });
    expect(transfer.status).toBeGreaterThanOrEqual(500);
    // Admin is never faulted, and the failed transfer left no trace.
    expect((await client.get('/admin/transactions')).body).toEqual([]);
    expect((await client.get<StatsBody>('/admin/stats')).body).toMatchObject({
      requests: 31,
      injectedErrors: 31,
    });
    // Other tenants are unaffected.
    expect((await newTenant().get('/transactions')).status).toBe(200);
  });

  it('never injects errors at error rate 0', async () => {
    const client = newTenant();
    await setFaults(client, { errorRate: 0 });
    for (let i = 0; i < 20; i++) expect((await client.get('/transactions')).status).toBe(200);
  });

  it('answers 429 with Retry-After over the per-second rate limit', async () => {
    const client = newTenant();
    await setFaults(client, { rateLimit: { requestsPerSecond: 3, retryAfterSeconds: 7 } });
    await sleep(1005 - (Date.now() % 1000)); // start at the top of a second, so one window likely holds them all
    const responses = [];
    for (let i = 0; i < 10; i++) responses.push(await client.get<ErrorBody>('/transactions'));
    const limited = responses.filter((response) => response.status === 429);
    const ok = responses.filter((response) => response.status === 200);
    expect(ok.length + limited.length).toBe(10);
    // Ten requests span at most two one-second windows: at most 2 × 3 pass.
    expect(ok.length).toBeGreaterThanOrEqual(3);
    expect(ok.length).toBeLessThanOrEqual(6);
    for (const response of limited) {
      expect(response.headers.get('retry-after')).toBe('7');
      expect(response.body.Title).toBe('RATE_LIMITED');
    }
    expect((await client.get<StatsBody>('/admin/stats')).body).toMatchObject({
      requests: 10,
      rateLimited: limited.length,
    });
    await sleep(1005 - (Date.now() % 1000));
    expect((await client.get('/transactions')).status).toBe(200);

    await setFaults(client, { rateLimit: { requestsPerSecond: 0 } });
    const blocked = await client.get('/accounts');
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('1');
    expect((await client.get('/admin/accounts')).status).toBe(200);
  });

  it('ignores the from-filters when ignoreFilters is set', async () => {
    const client = newTenant();
    await client.post('/admin/transactions/generate', { count: 12 });
    await client.post('/admin/accounts', { accountName: 'late', currency: 'EUR' });
    const future = '2999-01-01T00:00:00.000Z';
    expect(await transactionIds(client, `updatedAtFrom=${future}`)).toEqual([]);
    await setFaults(client, { ignoreFilters: true });
    expect(await transactionIds(client, `updatedAtFrom=${future}`)).toHaveLength(12);
    expect((await client.get<unknown[]>(`/accounts?createdAtFrom=${future}`)).body).toHaveLength(3);
    expect((await client.get<unknown[]>(`/beneficiaries?createdAtFrom=${future}`)).body).toHaveLength(1);
  });

  it('rounds the filter to the nearest second with secondPrecisionFilters, losing records a ms filter keeps', async () => {
    const client = newTenant();
    // 1 500 transactions 1 ms apart: every millisecond of at least one whole second is taken.
    await client.post('/admin/transactions/generate', { count: 1500, clusterSize: 1 });
    const all = (await client.get<ContractTransaction[]>('/transactions?pageSize=1000')).body.concat(
      (await client.get<ContractTransaction[]>('/transactions?pageSize=1000&page=2')).body,
    );
    const times = all.map((t) => Date.parse(t.updatedAt));
    const last = times[times.length - 1]!;
    const first = times[0]!;
    const roundsUp = all.find(
      (_, i) => times[i]! % 1000 >= 500 && Math.ceil(times[i]! / 1000) * 1000 <= last,
    )!;
    const roundsDown = all.find(
      (_, i) =>
        times[i]! % 1000 > 0 && times[i]! % 1000 < 500 && Math.floor(times[i]! / 1000) * 1000 >= first,
    )!;
    expect(roundsUp).toBeDefined();
    expect(roundsDown).toBeDefined();

    const exact = await transactionIds(client, `updatedAtFrom=${roundsUp.updatedAt}&pageSize=1`);
    expect(exact).toEqual([roundsUp.id]);

    await setFaults(client, { secondPrecisionFilters: true });
    const [lossy] = (
      await client.get<ContractTransaction[]>(`/transactions?updatedAtFrom=${roundsUp.updatedAt}&pageSize=1`)
    ).body;
    expect(lossy!.id).not.toBe(roundsUp.id);
    expect(lossy!.updatedAt).toBe(
      new Date(Math.ceil(Date.parse(roundsUp.updatedAt) / 1000) * 1000).toISOString(),
    );
    const [earlier] = (
      await client.get<ContractTransaction[]>(
        `/transactions?updatedAtFrom=${roundsDown.updatedAt}&pageSize=1`,
      )
    ).body;
    expect(earlier!.updatedAt).toBe(
      new Date(Math.floor(Date.parse(roundsDown.updatedAt) / 1000) * 1000).toISOString(),
    );
  });

  it('caps pages at maxPageSize and counts page numbers in such pages', async () => {
    const client = newTenant();
    await client.post('/admin/transactions/generate', { count: 10 });
    const all = await transactionIds(client, 'pageSize=100');
    await setFaults(client, { maxPageSize: 3 });
    expect(await transactionIds(client, 'page=1&pageSize=10')).toEqual(all.slice(0, 3));
    expect(await transactionIds(client, 'page=2&pageSize=10')).toEqual(all.slice(3, 6));
    expect(await transactionIds(client, 'page=4&pageSize=10')).toEqual(all.slice(9, 10));
    expect(await transactionIds(client, 'page=2&pageSize=2')).toEqual(all.slice(2, 4));
    expect((await client.get<unknown[]>('/accounts?pageSize=1000')).body).toHaveLength(2);
  });
});
