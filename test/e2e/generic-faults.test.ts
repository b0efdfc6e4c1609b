// End to end through the official Formance SDK: the Generic connector ingests 10 000 transactions (many
// sharing one timestamp) from the simulator at page sizes 1, 7 and 100, with every one of the
// simulator's fault modes on at once, and what the v3 API lists equals the simulator's data exactly,
// without duplicates. (Each fault mode on its own is covered at the connector level, in
// src/connectors/generic/connector.test.ts; together they also interact: a server that ignores filters
// AND answers short pages AND fails 5% of requests.)
import { SDK } from '@formance/formance-sdk';
import type { V3Account, V3Payment } from '@formance/formance-sdk/sdk/models/payments/index.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockPspTenant, type SimFaults, spawnMockPsp } from '../support/mock-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { collectPages, present } from './sdk-helpers.js';

const TRANSACTIONS = 10_000;
const PAGE_SIZES = [1, 7, 100];
const ALL_FAULTS: SimFaults = {
  latencyMs: 1,
  errorRate: 0.03,
  // A ceiling the connectors come near but rarely cross: each 429 costs a one-second Retry-After.
  rateLimit: { requestsPerSecond: 1000, retryAfterSeconds: 1 },
  ignoreFilters: true,
  secondPrecisionFilters: true,
  maxPageSize: 5,
};
const TYPES: Record<string, string> = { PAYIN: 'PAY-IN', PAYOUT: 'PAYOUT', TRANSFER: 'TRANSFER' };

let psp: { url: string; stop(): Promise<void> };
let service: TestService;
let sdk: SDK;
const connectors: { pageSize: number; id: string; tenant: MockPspTenant }[] = [];

beforeAll(async () => {
  // Its own process: one event loop for the simulator and Paybridge would measure neither.
  psp = await spawnMockPsp();
  service = await startTestService();
  sdk = new SDK({ serverURL: service.url });
  const tenant = new MockPspTenant(psp.url, 'e2e-all-faults');
  await tenant.generate(TRANSACTIONS, { clusterSize: 25 });
  await tenant.setFaults(ALL_FAULTS);
  for (const pageSize of PAGE_SIZES) {
    const installed = await sdk.payments.v3.installConnector({
      connector: 'generic',
      v3ConnectorConfig: {
        provider: 'Generic',
        name: `generic-faults-${pageSize}`,
        apiKey: tenant.apiKey,
        endpoint: psp.url,
        pageSize,
        // Long enough that a service ignoring filters is not re-read end to end while the test waits.
        pollingPeriod: '10m',
      },
    });
    connectors.push({ pageSize, id: present(installed.v3InstallConnectorResponse, 'install').data, tenant });
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
  it('ingests every transaction exactly once at page sizes 1, 7 and 100', async () => {
    await eventually(
      async () => {
        const counts = await Promise.all(connectors.map((c) => paymentCount(c.id)));
        return counts.every((n) => n >= TRANSACTIONS) ? counts : undefined;
      },
      420_000,
      'every connector to hold all transactions',
    );

    for (const { pageSize, id, tenant } of connectors) {
      const expected = (await tenant.transactions())
        .map((t) => `${t.id} ${TYPES[t.type]} ${t.status} ${t.amount} ${t.currency}`)
        .sort();
      const listed = (await listPayments(id))
        .map((p) => `${p.reference} ${p.type} ${p.status} ${p.initialAmount} ${p.asset}`)
        .sort();
      expect(listed.length, `page size ${pageSize}`).toBe(TRANSACTIONS);
      expect(new Set(listed).size).toBe(TRANSACTIONS);
      expect(listed, `page size ${pageSize}`).toEqual(expected);

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

    const stats = await connectors[0]?.tenant.stats();
    // The faults really happened: errors were injected and filters were ignored (pages from the start).
    expect(stats?.injectedErrors).toBeGreaterThan(100);
  }, 600_000);
});
