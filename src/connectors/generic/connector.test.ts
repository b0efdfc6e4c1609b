// The Generic connector against the simulator over real HTTP: incremental listings under every service fault, mapping, money movement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockPsp, type MockPsp } from '../../mock-psp/server.js';
import { MockPspTenant, type SimFaults } from '../../../test/support/mock-psp.js';
import type { FetchNextRequest, FetchNextResponse, PspPayment, SkippedRecord } from '../sdk/contract.js';
import { InvalidRequestError, isRetryable } from '../sdk/errors.js';
import { GenericConnector } from './connector.js';
import { readCursor } from './listing.js';

let psp: MockPsp;
let tenants = 0;

beforeAll(async () => {
  psp = await startMockPsp({ port: 0 });
});
afterAll(async () => {
  await psp?.stop();
});

function tenant(): { sim: MockPspTenant; connector: GenericConnector } {
  tenants += 1;
  const apiKey = `connector-test-${tenants}`;
  return {
    sim: new MockPspTenant(psp.url, apiKey),
    connector: new GenericConnector({ apiKey, endpoint: `${psp.url}/` }, { fetch }),
  };
}

interface Pass<T> {
  items: T[];
  skipped: SkippedRecord[];
  state: unknown;
  calls: number;
}

/**
 * Runs one pass as the engine would: fetch until hasMore is false, feeding each newState back; a
 * retryable failure that outlasts the connector's own retries is tried again from the same state.
 */
async function pass<T>(
  fetch: (request: FetchNextRequest) => Promise<FetchNextResponse<T>>,
  state: unknown,
  pageSize: number,
): Promise<Pass<T>> {
  const result: Pass<T> = { items: [], skipped: [], state, calls: 0 };
  for (;;) {
    const response = await fetch({ state: result.state, pageSize, name: 'test', periodic: true }).catch(
      (error: unknown) => {
        if (isRetryable(error)) return undefined;
        throw error;
      },
    );
    if (!response) continue;
    result.items.push(...response.items);
    result.skipped.push(...(response.skipped ?? []));
    result.state = response.newState;
    result.calls += 1;
    if (result.calls > 100_000) throw new Error('the pass does not end');
    if (!response.hasMore) return result;
  }
}

const payments = (connector: GenericConnector) => (r: FetchNextRequest) => connector.fetchNextPayments(r);
const versions = (items: PspPayment[]) => items.map((p) => `${p.reference}@${p.updatedAt?.toISOString()}`);

describe('incremental transactions', () => {
  const faults: [string, SimFaults][] = [
    ['no fault', {}],
    ['a service that ignores the filter', { ignoreFilters: true }],
    ['second-precision filters', { secondPrecisionFilters: true }],
    ['pages shorter than asked for', { maxPageSize: 3 }],
    ['a 20% error rate', { errorRate: 0.2 }],
    ['2 ms of latency', { latencyMs: 2 }],
    ['a rate limit', { rateLimit: { requestsPerSecond: 150, retryAfterSeconds: 1 } }],
  ];
  for (const [fault, settings] of faults) {
    it(`emits every record exactly once, across passes, with ${fault}`, async () => {
      const { sim, connector } = tenant();
      await sim.generate(400, { clusterSize: 40 }); // clusters of up to 40 records share one timestamp
      await sim.setFaults(settings);
      for (const pageSize of [1, 7, 100]) {
        const first = await pass(payments(connector), undefined, pageSize);
        const all = await sim.transactions();
        expect(first.items).toHaveLength(all.length);
        expect(new Set(first.items.map((p) => p.reference))).toEqual(new Set(all.map((t) => t.id)));

        const idle = await pass(payments(connector), first.state, pageSize);
        expect(idle.items).toEqual([]);

        await sim.generate(25, { clusterSize: 10 });
        const later = await pass(payments(connector), idle.state, pageSize);
        const now = await sim.transactions();
        expect(new Set(later.items.map((p) => p.reference))).toEqual(
          new Set(now.filter((t) => !all.some((old) => old.id === t.id)).map((t) => t.id)),
        );
        expect(later.items).toHaveLength(25);
      }
      const stats = await sim.stats();
      if (settings.errorRate) expect(stats.injectedErrors).toBeGreaterThan(0);
      if (settings.rateLimit) expect(stats.rateLimited).toBeGreaterThan(0);
    });
  }

  // The jump to the page of the last record, the empty page that ends the pass, and the check that no
  // record slipped between them.
  it('ends an idle pass in three requests even after thousands of records in one second', async () => {
    const { sim, connector } = tenant();
    await sim.generate(3000, { clusterSize: 50 });
    const first = await pass(payments(connector), undefined, 10);
    expect(first.items).toHaveLength(3000);
    const idle = await pass(payments(connector), first.state, 10);
    expect(idle).toMatchObject({ items: [], calls: 3 });
  });

  it('re-reads a window whose records moved while it was away, instead of jumping over one', async () => {
    const { sim, connector } = tenant();
    // Twelve records inside one wall-clock second, so the cursor's window holds all of them.
    while (Date.now() % 1000 > 500) await new Promise((resolve) => setTimeout(resolve, 20));
    const account = await sim.createAccount({
      accountName: 'Ops',
      currency: 'EUR',
      initialBalance: '100000',
    });
    for (let i = 0; i < 12; i++) {
      await sim.createTransaction({
        type: 'PAYIN',
        amount: '100',
        currency: 'EUR/2',
        destinationAccountID: account.id,
      });
    }
    const first = await pass(payments(connector), undefined, 2);
    expect(first.items).toHaveLength(12);
    expect(Object.keys(readCursor(first.state).seen).length).toBeGreaterThanOrEqual(12);

    // The last three records change: they re-sort to the end, and the records after them move up.
    const listed = await sim.transactions();
    const moved = listed.slice(-3);
    for (const t of moved) await sim.step(t.id, 'succeed');
    const next = await pass(payments(connector), first.state, 2);
    expect(next.items.map((p) => [p.reference, p.status]).sort()).toEqual(
      moved.map((t) => [t.id, 'SUCCEEDED']).sort(),
    );
  });

  it('re-reads a window when a record it had read changes mid-pass and the next one slips back a page', async () => {
    const { sim, connector } = tenant();
    while (Date.now() % 1000 > 400) await new Promise((resolve) => setTimeout(resolve, 20));
    const account = await sim.createAccount({ accountName: 'Ops', currency: 'EUR', initialBalance: '0' });
    for (let i = 0; i < 20; i++) {
      await sim.createTransaction({
        type: 'PAYIN',
        amount: '100',
        currency: 'EUR/2',
        destinationAccountID: account.id,
      });
    }
    // Read the first pages of the window, one request at a time.
    const emitted: PspPayment[] = [];
    let state: unknown;
    while (emitted.length < 9) {
      const response = await connector.fetchNextPayments({ state, pageSize: 3, name: 'test' });
      emitted.push(...response.items);
      state = response.newState;
    }
    // Two records already read change: they re-sort to the end, and the rest moves up two places.
    for (const payment of emitted.slice(0, 2)) await sim.step(payment.reference, 'succeed');
    const rest = await pass(payments(connector), state, 3);
    const all = [...emitted, ...rest.items];

    const listed = await sim.transactions();
    expect(new Set(all.map((p) => p.reference))).toEqual(new Set(listed.map((t) => t.id)));
    expect(
      all
        .filter((p) => p.status === 'SUCCEEDED')
        .map((p) => p.reference)
        .sort(),
    ).toEqual(
      emitted
        .slice(0, 2)
        .map((p) => p.reference)
        .sort(),
    );
    expect(all).toHaveLength(22);
  });

  it('turns each newer updatedAt of a transaction into a new version of the same payment', async () => {
    const { sim, connector } = tenant();
    const account = await sim.createAccount({ accountName: 'Ops', currency: 'USD', initialBalance: '0' });
    const created = await sim.createTransaction({
      type: 'PAYIN',
      amount: '2500',
      currency: 'USD/2',
      destinationAccountID: account.id,
    });
    const first = await pass(payments(connector), undefined, 100);
    await sim.step(created.id, 'succeed');
    await sim.step(created.id, 'dispute');
    const second = await pass(payments(connector), first.state, 100);
    expect([...first.items, ...second.items].map((p) => [p.reference, p.status])).toEqual([
      [created.id, 'PENDING'],
      [created.id, 'DISPUTE'],
    ]);
    expect(versions(second.items)).not.toEqual(versions(first.items));
  });
});

describe('accounts, beneficiaries and balances', () => {
  it('lists accounts and beneficiaries once each, and reads balances per account', async () => {
    const { sim, connector } = tenant();
    for (let i = 0; i < 9; i++) {
      await sim.createAccount({
        accountName: `Account ${i}`,
        currency: i % 2 ? 'JPY' : 'EUR',
        initialBalance: `${i}00`,
      });
      await sim.createBeneficiary({ ownerName: `Owner ${i}`, metadata: { index: String(i) } });
    }
    const accounts = await pass((r) => connector.fetchNextAccounts(r), undefined, 4);
    const simAccounts = await sim.accounts();
    expect(accounts.items.map((a) => [a.reference, a.name]).sort()).toEqual(
      simAccounts.map((a) => [a.id, a.accountName]).sort(),
    );
    const beneficiaries = await pass((r) => connector.fetchNextExternalAccounts(r), undefined, 4);
    expect(beneficiaries.items.map((b) => [b.name, b.metadata])).toContainEqual(['Owner 3', { index: '3' }]);
    expect(beneficiaries.items).toHaveLength(9);

    const jpy = simAccounts.find((a) => a.accountName === 'Account 3');
    const balances = await connector.fetchNextBalances({
      state: undefined,
      pageSize: 100,
      name: 'fetch_balances',
      fromPayload: { id: jpy?.id ?? '', payload: { reference: jpy?.id } },
    });
    expect(balances.items.map((b) => [b.accountReference, b.asset, b.amount])).toEqual([
      [jpy?.id, 'JPY/0', 300n],
    ]);
  });
});

describe('payouts and transfers', () => {
  it('sends the idempotency key, so a retried payout moves money once', async () => {
    const { sim, connector } = tenant();
    const source = await sim.createAccount({
      accountName: 'Treasury',
      currency: 'EUR',
      initialBalance: '10000',
    });
    const beneficiary = await sim.createBeneficiary({ ownerName: 'Supplier' });
    const request = {
      idempotencyKey: 'pi-1-attempt-1',
      paymentInitiation: {
        reference: 'pi-1',
        createdAt: new Date(),
        description: 'invoice 42',
        sourceAccount: { reference: source.id, createdAt: new Date(), raw: {} },
        destinationAccount: { reference: beneficiary.id, createdAt: new Date(), raw: {} },
        amount: 1234n,
        asset: 'EUR/2',
        metadata: { invoice: '42' },
      },
    };
    const first = await connector.createPayout(request);
    const again = await connector.createPayout(request);
    expect(again.payment?.reference).toBe(first.payment?.reference);
    expect(first.payment).toMatchObject({ type: 'PAYOUT', amount: 1234n, asset: 'EUR/2', status: 'PENDING' });
    const [after] = (await sim.accounts()).filter((a) => a.id === source.id);
    expect(after?.balances).toEqual([{ currency: 'EUR/2', amount: '8766' }]);

    const transactions = await sim.transactions();
    expect(transactions.filter((t) => t.type === 'PAYOUT')).toHaveLength(1);
  });

  it('refuses an initiation it cannot send, and surfaces the service refusing one', async () => {
    const { sim, connector } = tenant();
    const a = await sim.createAccount({ accountName: 'A', currency: 'EUR', initialBalance: '50' });
    const b = await sim.createAccount({ accountName: 'B', currency: 'EUR', initialBalance: '0' });
    const initiation = (amount: bigint) => ({
      idempotencyKey: `key-${amount}`,
      paymentInitiation: {
        reference: `pi-${amount}`,
        createdAt: new Date(),
        description: '',
        sourceAccount: { reference: a.id, createdAt: new Date(), raw: {} },
        destinationAccount: { reference: b.id, createdAt: new Date(), raw: {} },
        amount,
        asset: 'EUR/2',
        metadata: {},
      },
    });
    await expect(connector.createTransfer(initiation(0n))).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(connector.createTransfer(initiation(51n))).rejects.toThrow(/INSUFFICIENT_FUNDS/);
    const done = await connector.createTransfer(initiation(50n));
    expect(done.payment).toMatchObject({ type: 'TRANSFER', status: 'SUCCEEDED', amount: 50n });
    const polled = await connector.pollTransferStatus({ pollingId: done.payment?.reference ?? '' });
    expect(polled.payment?.status).toBe('SUCCEEDED');
  });
});
