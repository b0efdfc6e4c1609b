// End to end through the official Formance SDK: the Generic connector ingests 10 000 transactions (many
// sharing one timestamp) from the simulator, and what the v3 API lists equals the simulator's data
// exactly, without duplicates:
// - with every fault mode on at once (a service that ignores filters AND rounds them AND answers short
//   pages AND fails 3% of requests, slowly, under a rate limit) at page sizes 1, 7 and 100;
// - with each fault mode on its own at page size 100. (Each alone at page sizes 1, 7 and 100 runs at the
//   connector level, in src/connectors/generic/connector.test.ts: 10 000 requests per connector is what
//   page size 1 costs, and six of those here would double this suite's time.)
import { SDK } from '@formance/formance-sdk';
import type { V3Account, V3Payment } from '@formance/formance-sdk/sdk/models/payments/index.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockPspTenant, type SimFaults, spawnMockPsp } from '../support/mock-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { collectPages, present } from './sdk-helpers.js';

const TRANSACTIONS = 10_000;
const ALL_FAULTS: SimFaults = {
  latencyMs: 1,
  errorRate: 0.03,
  // A ceiling the connectors come near but rarely cross: each 429 costs a one-second Retry-After.
  rateLimit: { requestsPerSecond: 1000, retryAfterSeconds: 1 },
  ignoreFilters: true,
  secondPrecisionFilters: true,
  maxPageSize: 5,
};
const TENANTS: { name: string; faults: SimFaults; pageSizes: number[] }[] = [
  { name: 'all-faults', faults: ALL_FAULTS, pageSizes: [1, 7, 100] },
  { name: 'latency', faults: { latencyMs: 5 }, pageSizes: [100] },
  { name: 'errors', faults: { errorRate: 0.2 }, pageSizes: [100] },
  {
    name: 'rate-limit',
    faults: { rateLimit: { requestsPerSecond: 3, retryAfterSeconds: 1 } },
    pageSizes: [100],
  },
  { name: 'ignore-filters', faults: { ignoreFilters: true }, pageSizes: [100] },
  { name: 'second-precision', faults: { secondPrecisionFilters: true }, pageSizes: [100] },
  { name: 'short-pages', faults: { maxPageSize: 30 }, pageSizes: [100] },
];
const TYPES: Record<string, string> = { PAYIN: 'PAY-IN', PAYOUT: 'PAYOUT', TRANSFER: 'TRANSFER' };

let psp: { url: string; stop(): Promise<void> };
let service: TestService;
let sdk: SDK;
const connectors: { fault: string; pageSize: number; id: string; tenant: MockPspTenant }[] = [];

beforeAll(async () => {
  // Its own process: one event loop for the simulator and Paybridge would measure neither.
  psp = await spawnMockPsp();
  service = await startTestService();
  sdk = new SDK({ serverURL: service.url });
  for (const { name: fault, faults, pageSizes } of TENANTS) {
    const tenant = new MockPspTenant(psp.url, `e2e-${fault}`);
    await tenant.generate(TRANSACTIONS, { clusterSize: 25 });
    await tenant.setFaults(faults);
    for (const pageSize of pageSizes) {
      const installed = await sdk.payments.v3.installConnector({
        connector: 'generic',
        v3ConnectorConfig: {
          provider: 'Generic',
          name: `generic-${fault}-${pageSize}`,
          apiKey: tenant.apiKey,
          endpoint: psp.url,
          pageSize,
          // Long enough that a service ignoring filters is not re-read end to end while the test waits.
          pollingPeriod: '10m',
        },
      });
      const id = present(installed.v3InstallConnectorResponse, 'install').data;
      connectors.push({ fault, pageSize, id, tenant });
    }
  }
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
});

async function paymentCount(connectorId: string): Promise<number> {
  const result = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM payments WHERE connector_id = ${connectorId}`.execute(
    service.paybridge.deps.db,
  );
  return result.rows[0]?.n ?? 0;
}

const listPayments = (connectorID: string) =>
  collectPages<V3Payment>(
    async () =>
      present(
        (
          await sdk.payments.v3.listPayments({
            pageSize: 100,
            query: { $match: { connector_id: connectorID } },
          })
        ).v3PaymentsCursorResponse,
        'payments',
      ).cursor,
    async (cursor) =>
      present((await sdk.payments.v3.listPayments({ cursor })).v3PaymentsCursorResponse, 'payments').cursor,
    1000,
  );

const listAccounts = (connectorID: string) =>
  collectPages<V3Account>(
    async () =>
      present(
        (
          await sdk.payments.v3.listAccounts({
            pageSize: 100,
            query: { $match: { connector_id: connectorID } },
          })
        ).v3AccountsCursorResponse,
        'accounts',
      ).cursor,
    async (cursor) =>
      present((await sdk.payments.v3.listAccounts({ cursor })).v3AccountsCursorResponse, 'accounts').cursor,
  );

describe('the Generic connector under service faults', () => {
  it('ingests every transaction exactly once, with all faults at page sizes 1, 7 and 100 and each alone', async () => {
    await eventually(
      async () => {
        const counts = await Promise.all(connectors.map((c) => paymentCount(c.id)));
        return counts.every((n) => n >= TRANSACTIONS) ? counts : undefined;
      },
      420_000,
      'every connector to hold all transactions',
    );

    for (const { fault, pageSize, id, tenant } of connectors) {
      const expected = (await tenant.transactions())
        .map((t) => `${t.id} ${TYPES[t.type]} ${t.status} ${t.amount} ${t.currency}`)
        .sort();
      const listed = (await listPayments(id))
        .map((p) => `${p.reference} ${p.type} ${p.status} ${p.initialAmount} ${p.asset}`)
        .sort();
      expect(listed.length, `${fault} at page size ${pageSize}`).toBe(TRANSACTIONS);
      expect(new Set(listed).size).toBe(TRANSACTIONS);
      expect(listed, `${fault} at page size ${pageSize}`).toEqual(expected);

      const accounts = (await listAccounts(id)).map((a) => `${a.reference} ${a.type} ${a.name}`).sort();
      const simAccounts = [
        ...(await tenant.accounts()).map((a) => `${a.id} INTERNAL ${a.accountName}`),
        ...(await tenant.beneficiaries()).map((b) => `${b.id} EXTERNAL ${b.ownerName}`),
      ].sort();
      expect(accounts).toEqual(simAccounts);

      const accountIds = new Map((await listAccounts(id)).map((a) => [a.reference, a.id]));
      for (const account of await tenant.accounts()) {
        const balances = present(
          (await sdk.payments.v3.getAccountBalances({ accountID: accountIds.get(account.id) ?? '' }))
            .v3BalancesCursorResponse,
          'balances',
        ).cursor.data;
        expect(balances.map((b) => `${b.asset} ${b.balance}`)).toEqual(
          account.balances.map((b) => `${b.currency} ${b.amount}`),
        );
      }
    }

    const stats = Object.fromEntries(
      await Promise.all(
        TENANTS.map(
          async ({ name }) => [name, await new MockPspTenant(psp.url, `e2e-${name}`).stats()] as const,
        ),
      ),
    );
    // The faults really happened: errors were injected and requests turned away.
    expect(stats['all-faults']?.injectedErrors).toBeGreaterThan(100);
    expect(stats.errors?.injectedErrors).toBeGreaterThan(0);
    expect(stats['rate-limit']?.rateLimited).toBeGreaterThan(0);
  }, 600_000);
});
