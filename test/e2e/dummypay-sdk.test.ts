// End to end through the official Formance SDK (@formance/formance-sdk 7.0.1, unchanged): install DummyPay
// on a real Paybridge (API + worker, fresh PostgreSQL), let it ingest a directory of a few thousand
// records, and check that every object the v3 API returns equals the files, field by field; then
// pagination, filters, a status change, schedules, error handling and uninstall.
//
// Amounts: the SDK parses responses with JSON.parse, i.e. into doubles, before turning amounts into
// bigint, so an amount above 2^53 reaches SDK callers rounded (18446744073709551615 arrives as
// 18446744073709551616). SDK-level comparisons therefore expect the file value rounded the same way
// (`throughDouble`), and the same payments and balances are ALSO read with plain fetch + the bigint-safe
// `parseJson` and compared exactly, so a server that lost precision cannot hide behind the SDK's rounding.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK } from '@formance/formance-sdk';
import { HTTPClient } from '@formance/formance-sdk/lib/http.js';
import { SDKValidationError } from '@formance/formance-sdk/sdk/models/errors/index.js';
import type {
  V3Account,
  V3Balance,
  V3Instance,
  V3Payment,
  V3Schedule,
} from '@formance/formance-sdk/sdk/models/payments/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringifyJson } from '../../src/domain/json.js';
import {
  type DummyPayData,
  type DummyPayPaymentRecord,
  HUGE_AMOUNT,
  JUST_ABOVE_2_53,
  updatePaymentStatus,
  writeDummyPayDirectory,
} from '../support/dummypay-fixtures.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import {
  appendPayment,
  asSdkSees,
  collectPages,
  exact,
  expectV3Error,
  mapLimit,
  present,
  rawGet,
  rawPage,
  throughDouble,
} from './sdk-helpers.js';

const ACCOUNTS = 300;
const PAYMENTS = 2500;
const EXTERNAL_ACCOUNTS = Math.ceil(ACCOUNTS / 2); // the fixture default
const CONNECTOR_NAME = 'dummypay-sdk-e2e';
const PROVIDER = 'dummypay';
/** Documented in src/connectors/dummypay/MAPPING.md: the fetches, the two ALLOW_FORMANCE_* ones and the writes. */
const DUMMYPAY_CAPABILITIES = [
  'FETCH_ACCOUNTS',
  'FETCH_BALANCES',
  'FETCH_EXTERNAL_ACCOUNTS',
  'FETCH_PAYMENTS',
  'FETCH_ORDERS',
  'FETCH_CONVERSIONS',
  'ALLOW_FORMANCE_ACCOUNT_CREATION',
  'ALLOW_FORMANCE_PAYMENT_CREATION',
  'CREATE_TRANSFER',
  'CREATE_PAYOUT',
  'CREATE_BANK_ACCOUNT',
];
/** The fixture's currencies as assets: ISO 4217 minor units, `BTC/8` passed through. */
const ASSET: Record<string, string> = { EUR: 'EUR/2', USD: 'USD/2', JPY: 'JPY/0', 'BTC/8': 'BTC/8' };

/** A payment as it comes off the wire, parsed with parseJson (amounts exact). */
interface RawPayment {
  id: string;
  connectorID: string;
  provider: string;
  reference: string;
  createdAt: string;
  type: string;
  initialAmount: unknown;
  amount: unknown;
  asset: string;
  scheme: string;
  status: string;
  sourceAccountID: string | null;
  destinationAccountID: string | null;
  metadata: Record<string, string>;
  adjustments: RawAdjustment[] | null;
}

interface RawAdjustment {
  id: string;
  reference: string;
  createdAt: string;
  status: string;
  amount?: unknown;
  asset?: string;
  metadata: Record<string, string>;
  raw: Record<string, unknown>;
}

interface RawBalance {
  accountID: string;
  createdAt: string;
  lastUpdatedAt: string;
  asset: string;
  balance: unknown;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function sortBy<T>(rows: T[], key: (row: T) => string): T[] {
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

describe('DummyPay through the official Formance SDK', () => {
  let service: TestService;
  let sdk: SDK;
  let dir: string;
  let data: DummyPayData;
  let connectorID: string;
  /** Account reference (file id) → API account id, filled once ingestion is complete. */
  const accountIdByReference = new Map<string, string>();
  /** Payment reference → API payment id. */
  const paymentIdByReference = new Map<string, string>();

  const listAllPayments = (query?: Record<string, unknown>) =>
    collectPages<V3Payment>(
      async () =>
        present(
          (await sdk.payments.v3.listPayments({ pageSize: 100, ...(query ? { query } : {}) }))
            .v3PaymentsCursorResponse,
          'payments cursor',
        ).cursor,
      async (cursor) =>
        present((await sdk.payments.v3.listPayments({ cursor })).v3PaymentsCursorResponse, 'payments cursor')
          .cursor,
    );

  const listAllAccounts = (query?: Record<string, unknown>) =>
    collectPages<V3Account>(
      async () =>
        present(
          (await sdk.payments.v3.listAccounts({ pageSize: 100, ...(query ? { query } : {}) }))
            .v3AccountsCursorResponse,
          'accounts cursor',
        ).cursor,
      async (cursor) =>
        present((await sdk.payments.v3.listAccounts({ cursor })).v3AccountsCursorResponse, 'accounts cursor')
          .cursor,
    );

  const listAllSchedules = () =>
    collectPages<V3Schedule>(
      async () =>
        present(
          (await sdk.payments.v3.listConnectorSchedules({ connectorID, pageSize: 100 }))
            .v3ConnectorSchedulesCursorResponse,
          'schedules cursor',
        ).cursor,
      async (cursor) =>
        present(
          (await sdk.payments.v3.listConnectorSchedules({ connectorID, cursor }))
            .v3ConnectorSchedulesCursorResponse,
          'schedules cursor',
        ).cursor,
    );

  const listAllInstances = (scheduleID: string) =>
    collectPages<V3Instance>(
      async () =>
        present(
          (await sdk.payments.v3.listConnectorScheduleInstances({ connectorID, scheduleID, pageSize: 100 }))
            .v3ConnectorScheduleInstancesCursorResponse,
          'instances cursor',
        ).cursor,
      async (cursor) =>
        present(
          (await sdk.payments.v3.listConnectorScheduleInstances({ connectorID, scheduleID, cursor }))
            .v3ConnectorScheduleInstancesCursorResponse,
          'instances cursor',
        ).cursor,
    );

  const rawAllPayments = () =>
    collectPages<RawPayment>(
      () => rawPage<RawPayment>(service.url, '/payments?pageSize=100'),
      (cursor) => rawPage<RawPayment>(service.url, `/payments?cursor=${encodeURIComponent(cursor)}`),
    );

  const balancesOf = async (accountID: string): Promise<V3Balance[]> =>
    present(
      (await sdk.payments.v3.getAccountBalances({ accountID, pageSize: 100 })).v3BalancesCursorResponse,
      'balances cursor',
    ).cursor.data;

  const rawBalancesOf = (accountID: string) =>
    rawPage<RawBalance>(service.url, `/accounts/${encodeURIComponent(accountID)}/balances?pageSize=100`);

  const expectedBalances = (reference: string) => data.balances.filter((b) => b.account_id === reference);

  beforeAll(async () => {
    service = await startTestService();
    sdk = new SDK({ serverURL: service.url });
    dir = await mkdtemp(join(tmpdir(), 'paybridge-dummypay-sdk-'));
    data = await writeDummyPayDirectory(dir, { accounts: ACCOUNTS, payments: PAYMENTS });
    // The fixture must hold what this test relies on.
    expect(data.externalAccounts).toHaveLength(EXTERNAL_ACCOUNTS);
    expect(data.payments.some((p) => p.amount === HUGE_AMOUNT)).toBe(true);
    expect(data.balances.some((b) => b.amount_in_minors === JUST_ABOVE_2_53)).toBe(true);
  });

  afterAll(async () => {
    await service?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs DummyPay and shows it in the connector list, configs and capabilities', async () => {
    const installed = await sdk.payments.v3.installConnector({
      connector: PROVIDER,
      v3ConnectorConfig: {
        provider: 'Dummypay',
        name: CONNECTOR_NAME,
        directory: dir,
        pollingPeriod: '1s',
        pageSize: 25,
      },
    });
    expect(installed.statusCode).toBe(202);
    connectorID = present(installed.v3InstallConnectorResponse, 'install response').data;
    expect(connectorID).toMatch(/^[A-Za-z0-9_-]+$/);

    const connectors = present(
      (await sdk.payments.v3.listConnectors({})).v3ConnectorsCursorResponse,
      'connectors cursor',
    ).cursor;
    expect(connectors.hasMore).toBe(false);
    expect(connectors.data).toHaveLength(1);
    const connector = connectors.data[0]!;
    expect(connector).toMatchObject({
      id: connectorID,
      name: CONNECTOR_NAME,
      provider: PROVIDER,
      scheduledForDeletion: false,
    });
    expect(connector.createdAt).toBeInstanceOf(Date);
    expect(connector.reference).toMatch(/^[0-9a-f-]{36}$/);
    expect(sortBy(connector.capabilities ?? [], (c) => c)).toEqual(sortBy(DUMMYPAY_CAPABILITIES, (c) => c));

    // The list filter on provider and name finds it; another name does not.
    const byName = await sdk.payments.v3.listConnectors({ query: { $match: { name: CONNECTOR_NAME } } });
    expect(byName.v3ConnectorsCursorResponse?.cursor.data.map((c) => c.id)).toEqual([connectorID]);
    const otherName = await sdk.payments.v3.listConnectors({ query: { $match: { name: 'nope' } } });
    expect(otherName.v3ConnectorsCursorResponse?.cursor.data).toEqual([]);
    const byProvider = await sdk.payments.v3.listConnectors({ query: { $match: { provider: PROVIDER } } });
    expect(byProvider.v3ConnectorsCursorResponse?.cursor.data.map((c) => c.id)).toEqual([connectorID]);
    const otherProvider = await sdk.payments.v3.listConnectors({ query: { $match: { provider: 'stripe' } } });
    expect(otherProvider.v3ConnectorsCursorResponse?.cursor.data).toEqual([]);

    const config = present(
      (await sdk.payments.v3.getConnectorConfig({ connectorID })).v3GetConnectorConfigResponse,
      'config response',
    ).data;
    expect(config.provider).toBe('Dummypay');
    expect(config).toMatchObject({
      provider: 'Dummypay',
      name: CONNECTOR_NAME,
      directory: dir,
      pollingPeriod: '1s',
    });
    // The SDK fills pollingPeriod ('30m') and pageSize (25) with defaults when they are absent, so check
    // that the server itself sends them.
    const rawConfig = await rawGet(service.url, `/connectors/${connectorID}/config`);
    expect(rawConfig.status).toBe(200);
    expect(rawConfig.body).toMatchObject({
      data: { provider: 'Dummypay', name: CONNECTOR_NAME, directory: dir, pollingPeriod: '1s' },
    });

    const capabilities = present(
      (await sdk.payments.v3.getConnectorCapabilities({ connectorID })).v3ConnectorCapabilityResponse,
      'capabilities response',
    ).data;
    expect(sortBy(capabilities, (c) => c)).toEqual(sortBy(DUMMYPAY_CAPABILITIES, (c) => c));

    // The test service runs in debug mode, so the hidden DummyPay is in both catalogs.
    const catalog = present(
      (await sdk.payments.v3.listConnectorCapabilities({})).v3ConnectorCapabilitiesResponse,
      'capabilities catalog',
    ).data;
    expect(sortBy(catalog[PROVIDER] ?? [], (c) => c)).toEqual(sortBy(DUMMYPAY_CAPABILITIES, (c) => c));
    // The catalog carries an ETag; sending it back gives a 304 the SDK accepts (no body).
    const first = await sdk.payments.v3.listConnectorCapabilities({});
    const etag = first.rawResponse.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const again = await sdk.payments.v3.listConnectorCapabilities({ ifNoneMatch: etag! });
    expect(again.statusCode).toBe(304);
    expect(again.v3ConnectorCapabilitiesResponse).toBeUndefined();
    const configs = present(
      (await sdk.payments.v3.listConnectorConfigs()).v3ConnectorConfigsResponse,
      'configs catalog',
    ).data;
    expect(configs[PROVIDER]).toMatchObject({
      name: { dataType: 'string', required: true },
      directory: { dataType: 'string', required: true },
      pollingPeriod: { required: false },
    });
  });

  it('ingests every account, external account, payment and balance', { timeout: 75_000 }, async () => {
    const byConnector = { $match: { connector_id: connectorID } };
    await eventually(
      async () => {
        const accounts = await listAllAccounts(byConnector);
        const payments = await listAllPayments();
        if (accounts.length !== ACCOUNTS + EXTERNAL_ACCOUNTS || payments.length !== PAYMENTS) {
          throw new Error(
            `${accounts.length}/${ACCOUNTS + EXTERNAL_ACCOUNTS} accounts, ${payments.length}/${PAYMENTS} payments`,
          );
        }
        return true;
      },
      45_000,
      'accounts and payments',
    );
    const accounts = await listAllAccounts(byConnector);
    for (const account of accounts) accountIdByReference.set(account.reference, account.id);
    expect(accountIdByReference.size).toBe(ACCOUNTS + EXTERNAL_ACCOUNTS);

    // Balances come from one child schedule per internal account; wait until each has all of its own.
    await eventually(
      async () => {
        const counts = await mapLimit(data.accounts, 16, async (account) => {
          const page = await rawBalancesOf(accountIdByReference.get(account.id)!);
          return page.data.length === expectedBalances(account.id).length ? 1 : 0;
        });
        const done = counts.reduce<number>((a, b) => a + b, 0);
        if (done !== ACCOUNTS) throw new Error(`${done}/${ACCOUNTS} accounts have their balances`);
        return true;
      },
      25_000,
      'balances',
    );
  });

  it('returns every account exactly as the files describe it', async () => {
    const accounts = await listAllAccounts({ $match: { connector_id: connectorID } });
    expect(new Set(accounts.map((a) => a.id)).size).toBe(accounts.length);
    const listed = present(
      (await sdk.payments.v3.listConnectors({})).v3ConnectorsCursorResponse,
      'connectors cursor',
    ).cursor.data[0]!;
    const connectorReference = listed.reference;

    const byReference = new Map(accounts.map((a) => [a.reference, a]));
    expect(byReference.size).toBe(ACCOUNTS + EXTERNAL_ACCOUNTS);
    const expectAccount = (
      record: { id: string; name: string; currency: string },
      createdAt: string,
      type: 'INTERNAL' | 'EXTERNAL',
    ) => {
      const account = byReference.get(record.id);
      expect(account, `account ${record.id}`).toBeDefined();
      expect(account).toEqual({
        id: accountIdByReference.get(record.id),
        connectorID,
        connector: {
          id: connectorID,
          reference: connectorReference,
          name: CONNECTOR_NAME,
          createdAt: listed.createdAt,
          provider: PROVIDER,
        },
        provider: PROVIDER,
        reference: record.id,
        createdAt: new Date(createdAt),
        type,
        name: record.name,
        defaultAsset: ASSET[record.currency],
        metadata: {},
        raw: asSdkSees(record),
      });
    };
    for (const record of data.accounts) expectAccount(record, record.opening_date, 'INTERNAL');
    for (const record of data.externalAccounts) expectAccount(record, record.created_at, 'EXTERNAL');

    // Accounts are listed newest first.
    const times = accounts.map((a) => a.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));

    // getAccount returns the same object as the list.
    for (const record of [data.accounts[0]!, data.accounts[ACCOUNTS - 1]!, data.externalAccounts[7]!]) {
      const got = await sdk.payments.v3.getAccount({ accountID: accountIdByReference.get(record.id)! });
      expect(got.v3GetAccountResponse?.data).toEqual(byReference.get(record.id));
    }
  });

  it('returns every balance exactly (SDK, and exact bigints over plain fetch)', async () => {
    await mapLimit(data.accounts, 16, async (account) => {
      const accountID = accountIdByReference.get(account.id)!;
      const expected = sortBy(expectedBalances(account.id), (b) => ASSET[b.currency]!);
      expect(expected.length).toBeGreaterThan(0);

      const viaSdk = sortBy(await balancesOf(accountID), (b) => b.asset);
      expect(viaSdk).toEqual(
        expected.map((b) => ({
          accountID,
          asset: ASSET[b.currency],
          balance: throughDouble(b.amount_in_minors),
          createdAt: expect.any(Date),
          lastUpdatedAt: expect.any(Date),
        })),
      );

      const viaFetch = sortBy((await rawBalancesOf(accountID)).data, (b) => b.asset);
      expect(
        viaFetch.map((b) => ({ accountID: b.accountID, asset: b.asset, balance: exact(b.balance) })),
      ).toEqual(expected.map((b) => ({ accountID, asset: ASSET[b.currency], balance: b.amount_in_minors })));
      for (const b of viaFetch) {
        expect(b.createdAt).toMatch(RFC3339);
        expect(b.lastUpdatedAt).toMatch(RFC3339);
        expect(Date.parse(b.lastUpdatedAt)).toBeGreaterThanOrEqual(Date.parse(b.createdAt));
      }
    });

    // The two amounts beyond 2^53 survive exactly over the wire (and are visibly rounded by the SDK).
    const huge = await rawBalancesOf(accountIdByReference.get(data.accounts[1]!.id)!);
    expect(huge.data.map((b) => exact(b.balance))).toEqual([HUGE_AMOUNT]);
    expect(await balancesOf(accountIdByReference.get(data.accounts[1]!.id)!)).toMatchObject([
      { balance: 18446744073709551616n },
    ]);
    const above = await rawBalancesOf(accountIdByReference.get(data.accounts[0]!.id)!);
    expect(above.data.map((b) => exact(b.balance))).toEqual([JUST_ABOVE_2_53]);

    // External accounts have no balances; the asset filter narrows to one asset.
    const external = accountIdByReference.get(data.externalAccounts[0]!.id)!;
    expect(await balancesOf(external)).toEqual([]);
    const twoAssets = data.accounts[2]!;
    const oneAsset = ASSET[twoAssets.currency]!;
    const filtered = await sdk.payments.v3.getAccountBalances({
      accountID: accountIdByReference.get(twoAssets.id)!,
      asset: oneAsset,
    });
    expect(filtered.v3BalancesCursorResponse?.cursor.data.map((b) => b.asset)).toEqual([oneAsset]);
    // The SDK's fromTimestamp/toTimestamp bound the balance intervals: none ends after a far-future
    // start, none starts before a far-past end, and a window around now holds them all.
    const countInWindow = (from?: Date, to?: Date) =>
      sdk.payments.v3
        .getAccountBalances({
          accountID: accountIdByReference.get(twoAssets.id)!,
          ...(from ? { fromTimestamp: from } : {}),
          ...(to ? { toTimestamp: to } : {}),
        })
        .then((r) => present(r.v3BalancesCursorResponse, 'balances cursor').cursor.data.length);
    expect(await countInWindow(new Date(Date.now() + 3_600_000))).toBe(0);
    expect(await countInWindow(undefined, new Date('2000-01-01T00:00:00Z'))).toBe(0);
    expect(await countInWindow(new Date('2000-01-01T00:00:00Z'), new Date(Date.now() + 3_600_000))).toBe(2);
  });

  it('returns every payment exactly (SDK, and exact bigints over plain fetch)', async () => {
    const payments = await listAllPayments();
    expect(payments).toHaveLength(PAYMENTS);
    const byReference = new Map(payments.map((p) => [p.reference, p]));
    expect(byReference.size).toBe(PAYMENTS);
    const accountId = (reference: string | undefined) => {
      if (reference === undefined) return null;
      const id = accountIdByReference.get(reference);
      expect(id, `account ${reference}`).toBeDefined();
      return id;
    };

    for (const record of data.payments) {
      const payment = byReference.get(record.reference);
      expect(payment, `payment ${record.reference}`).toBeDefined();
      paymentIdByReference.set(record.reference, payment!.id);
      expect(payment).toEqual({
        id: expect.any(String),
        connectorID,
        provider: PROVIDER,
        reference: record.reference,
        createdAt: new Date(record.created_at),
        type: record.type,
        initialAmount: throughDouble(record.amount),
        amount: throughDouble(record.amount),
        asset: ASSET[record.currency],
        scheme: 'OTHER',
        status: record.status,
        sourceAccountID: accountId(record.source_account_id),
        destinationAccountID: accountId(record.destination_account_id),
        metadata: {},
        adjustments: null,
      });
    }
    expect(new Set(paymentIdByReference.values()).size).toBe(PAYMENTS);

    // Over plain fetch the amounts are exact, including the ones beyond 2^53.
    const raw = await rawAllPayments();
    expect(raw).toHaveLength(PAYMENTS);
    const rawByReference = new Map(raw.map((p) => [p.reference, p]));
    for (const record of data.payments) {
      const payment = rawByReference.get(record.reference)!;
      expect(payment, `payment ${record.reference}`).toBeDefined();
      expect({
        id: payment.id,
        amount: exact(payment.amount),
        initialAmount: exact(payment.initialAmount),
        createdAt: new Date(payment.createdAt).toISOString(),
        sourceAccountID: payment.sourceAccountID,
        destinationAccountID: payment.destinationAccountID,
        adjustments: payment.adjustments,
      }).toEqual({
        id: paymentIdByReference.get(record.reference),
        amount: record.amount,
        initialAmount: record.amount,
        createdAt: record.created_at,
        sourceAccountID: accountId(record.source_account_id),
        destinationAccountID: accountId(record.destination_account_id),
        adjustments: null,
      });
      expect(payment.createdAt).toMatch(RFC3339);
    }
    const hugeCount = data.payments.filter((p) => p.amount === HUGE_AMOUNT).length;
    expect(raw.filter((p) => exact(p.amount) === HUGE_AMOUNT)).toHaveLength(hugeCount);
  });

  it('returns each payment with its adjustment from getPayment', async () => {
    // Every payment with an amount beyond 2^53, plus a spread of the others.
    const sample = data.payments.filter((p, i) => p.amount > 2n ** 53n || i % 10 === 0);
    await mapLimit(sample, 16, async (record) => {
      const id = paymentIdByReference.get(record.reference)!;
      const payment = present(
        (await sdk.payments.v3.getPayment({ paymentID: id })).v3GetPaymentResponse,
        'payment',
      ).data;
      expect(payment).toMatchObject({
        id,
        reference: record.reference,
        status: record.status,
        amount: throughDouble(record.amount),
      });
      expect(payment.adjustments).toEqual([
        {
          id: expect.any(String),
          reference: record.reference,
          createdAt: new Date(record.updated_at ?? record.created_at),
          status: record.status,
          amount: throughDouble(record.amount),
          asset: ASSET[record.currency],
          metadata: {},
          raw: asSdkSees(record),
        },
      ]);

      const { status, body } = await rawGet(service.url, `/payments/${encodeURIComponent(id)}`);
      expect(status).toBe(200);
      const raw = (body as { data: RawPayment }).data;
      expect(exact(raw.amount)).toBe(record.amount);
      expect(exact(raw.initialAmount)).toBe(record.amount);
      expect(raw.adjustments).toHaveLength(1);
      const adjustment = raw.adjustments![0]!;
      expect(exact(adjustment.amount)).toBe(record.amount);
      // The adjustment's raw is the file record, read exactly.
      expect(adjustment.raw).toEqual(normalised(record));
    });
  });

  it('pages through payments with next and previous cursors, newest first', async () => {
    const seen: V3Payment[] = [];
    const pages: { ids: string[]; previous?: string | undefined; next?: string | undefined }[] = [];
    let response = await sdk.payments.v3.listPayments({ pageSize: 100 });
    for (;;) {
      const cursor = present(response.v3PaymentsCursorResponse, 'payments cursor').cursor;
      expect(cursor.pageSize).toBe(100);
      expect(cursor.data.length).toBeLessThanOrEqual(100);
      if (cursor.hasMore) expect(cursor.data).toHaveLength(100);
      seen.push(...cursor.data);
      pages.push({ ids: cursor.data.map((p) => p.id), previous: cursor.previous, next: cursor.next });
      if (!cursor.hasMore) break;
      expect(pages.length).toBeLessThan(30);
      response = await sdk.payments.v3.listPayments({ cursor: cursor.next! });
    }
    expect(pages).toHaveLength(Math.ceil(PAYMENTS / 100));
    expect(pages[0]!.previous).toBeUndefined();
    expect(pages.at(-1)!.next).toBeUndefined();

    // Every payment exactly once.
    expect(seen).toHaveLength(PAYMENTS);
    expect(new Set(seen.map((p) => p.id)).size).toBe(PAYMENTS);
    expect(new Set(seen.map((p) => p.reference))).toEqual(new Set(data.payments.map((p) => p.reference)));

    // createdAt never increases along the walk.
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.createdAt.getTime(), `position ${i}`).toBeLessThanOrEqual(
        seen[i - 1]!.createdAt.getTime(),
      );
    }

    // One page back from page three is page two; from page two it is page one.
    for (const index of [2, 1]) {
      const back = await sdk.payments.v3.listPayments({ cursor: pages[index]!.previous! });
      const cursor = present(back.v3PaymentsCursorResponse, 'payments cursor').cursor;
      expect(cursor.data.map((p) => p.id)).toEqual(pages[index - 1]!.ids);
      expect(cursor.hasMore).toBe(true);
      expect(cursor.next).toBeDefined();
    }

    // Page sizes above 100 are clamped to 100.
    const big = present(
      (await sdk.payments.v3.listPayments({ pageSize: 1000 })).v3PaymentsCursorResponse,
      'cursor',
    ).cursor;
    expect(big.pageSize).toBe(100);
    expect(big.data.map((p) => p.id)).toEqual(pages[0]!.ids);

    // A smaller page size gives the same order.
    const small = await sdk.payments.v3.listPayments({ pageSize: 7 });
    expect(small.v3PaymentsCursorResponse?.cursor.pageSize).toBe(7);
    expect(small.v3PaymentsCursorResponse?.cursor.data.map((p) => p.id)).toEqual(pages[0]!.ids.slice(0, 7));
  });

  it('filters payments and accounts with the query language', async () => {
    const refsOf = (rows: { reference: string }[]) => new Set(rows.map((r) => r.reference));
    const expectedRefs = (keep: (p: DummyPayPaymentRecord) => boolean) =>
      new Set(data.payments.filter(keep).map((p) => p.reference));

    const payouts = await listAllPayments({ $match: { type: 'PAYOUT' } });
    expect(payouts.length).toBeGreaterThan(0);
    expect(payouts.every((p) => p.type === 'PAYOUT')).toBe(true);
    expect(refsOf(payouts)).toEqual(expectedRefs((p) => p.type === 'PAYOUT'));

    const one = data.payments[1234]!;
    const byReference = await sdk.payments.v3.listPayments({
      query: { $match: { reference: one.reference } },
    });
    const found = present(byReference.v3PaymentsCursorResponse, 'payments cursor').cursor;
    expect(found.hasMore).toBe(false);
    expect(found.data.map((p) => p.id)).toEqual([paymentIdByReference.get(one.reference)]);

    const large = await listAllPayments({ $gte: { amount: 1000000 } });
    const expectedLarge = expectedRefs((p) => p.amount >= 1_000_000n);
    expect(expectedLarge.size).toBeGreaterThan(0);
    expect(expectedLarge.size).toBeLessThan(PAYMENTS);
    expect(refsOf(large)).toEqual(expectedLarge);

    // A comparison above 2^53 must be exact: only HUGE_AMOUNT is above JUST_ABOVE_2_53. The SDK would
    // send this bound as a (rounded) JSON number, so it goes over plain fetch.
    const strictlyAbove = await collectPages<RawPayment>(
      () =>
        rawPage(
          service.url,
          `/payments?pageSize=100&query=${encodeURIComponent(stringifyJson({ $gt: { amount: JUST_ABOVE_2_53 } }))}`,
        ),
      (cursor) => rawPage(service.url, `/payments?cursor=${encodeURIComponent(cursor)}`),
    );
    expect(refsOf(strictlyAbove)).toEqual(expectedRefs((p) => p.amount > JUST_ABOVE_2_53));

    const combined = await listAllPayments({
      $and: [{ $match: { type: 'TRANSFER' } }, { $lt: { amount: 1000 } }],
    });
    expect(refsOf(combined)).toEqual(expectedRefs((p) => p.type === 'TRANSFER' && p.amount < 1000n));

    const pending = await listAllPayments({ $match: { status: 'PENDING' } });
    expect(refsOf(pending)).toEqual(expectedRefs((p) => p.status === 'PENDING'));

    const internal = data.accounts[42]!;
    const account = await sdk.payments.v3.listAccounts({ query: { $match: { reference: internal.id } } });
    expect(account.v3AccountsCursorResponse?.cursor.data.map((a) => a.id)).toEqual([
      accountIdByReference.get(internal.id),
    ]);
    const external = data.externalAccounts[42]!;
    const externals = await listAllAccounts({ $match: { type: 'EXTERNAL' } });
    expect(refsOf(externals)).toEqual(new Set(data.externalAccounts.map((a) => a.id)));
    expect(externals.map((a) => a.reference)).toContain(external.id);

    // An unknown key is a 400 VALIDATION the SDK can parse.
    await expectV3Error(
      sdk.payments.v3.listPayments({ query: { $match: { nope: 'x' } } }),
      400,
      'VALIDATION',
    );
  });

  it('answers bad requests with errors the SDK understands', async () => {
    await expectV3Error(sdk.payments.v3.getAccount({ accountID: 'garbage!!' }), 400, 'INVALID_ID');
    await expectV3Error(sdk.payments.v3.getPayment({ paymentID: 'garbage!!' }), 400, 'INVALID_ID');
    await expectV3Error(sdk.payments.v3.getTask({ taskID: 'garbage!!' }), 400, 'INVALID_ID');

    // The SDK refuses to send a DummyPay config without `directory` (its type requires it)...
    const incomplete = { provider: 'Dummypay' as const, name: 'missing-directory' };
    await expect(
      sdk.payments.v3.installConnector({
        connector: PROVIDER,
        v3ConnectorConfig: incomplete as unknown as { provider: 'Dummypay'; name: string; directory: string },
      }),
    ).rejects.toBeInstanceOf(SDKValidationError);
    // ...so send one with a directory and drop it on the way out, to see how the server answers.
    const httpClient = new HTTPClient();
    httpClient.addHook('beforeRequest', async (request) => {
      if (request.method !== 'POST') return request;
      const body = JSON.parse(await request.clone().text()) as Record<string, unknown>;
      delete body.directory;
      return new Request(request, { body: JSON.stringify(body) });
    });
    const stripping = new SDK({ serverURL: service.url, httpClient });
    const missing = await expectV3Error(
      stripping.payments.v3.installConnector({
        connector: PROVIDER,
        v3ConnectorConfig: { provider: 'Dummypay', name: 'missing-directory', directory: dir },
      }),
      400,
      'VALIDATION',
    );
    expect(missing.errorMessage).toContain('directory');

    const tooFast = await expectV3Error(
      sdk.payments.v3.installConnector({
        connector: PROVIDER,
        v3ConnectorConfig: { provider: 'Dummypay', name: 'too-fast', directory: dir, pollingPeriod: '100ms' },
      }),
      400,
      'VALIDATION',
    );
    expect(tooFast.errorMessage).toMatch(/polling/i);

    await expectV3Error(
      sdk.payments.v3.installConnector({
        connector: PROVIDER,
        v3ConnectorConfig: {
          provider: 'Dummypay',
          name: CONNECTOR_NAME,
          directory: dir,
          pollingPeriod: '1s',
        },
      }),
      400,
      'CONFLICT',
    );

    await expectV3Error(
      sdk.payments.v3.installConnector({
        connector: PROVIDER,
        v3ConnectorConfig: { provider: 'Dummypay', name: 'no-such-dir', directory: join(dir, 'nowhere') },
      }),
      400,
      'VALIDATION',
    );

    // None of these left a connector behind.
    const connectors = await sdk.payments.v3.listConnectors({});
    expect(connectors.v3ConnectorsCursorResponse?.cursor.data.map((c) => c.id)).toEqual([connectorID]);
  });

  it('records a status change as a second adjustment of the same payment', { timeout: 45_000 }, async () => {
    const target = data.payments.find(
      // In the connector's first page (25), so the next run of the payments schedule sees it at once.
      (p, i) => i > 0 && i < 25 && p.status === 'PENDING' && p.updated_at === undefined,
    )!;
    expect(target).toBeDefined();
    const id = paymentIdByReference.get(target.reference)!;
    const before = present(
      (await sdk.payments.v3.getPayment({ paymentID: id })).v3GetPaymentResponse,
      'payment',
    ).data;
    expect(before.status).toBe('PENDING');
    expect(before.adjustments).toHaveLength(1);

    const updatedAt = new Date(Date.parse(target.created_at) + 90 * 60_000);
    await updatePaymentStatus(dir, target.reference, 'SUCCEEDED', updatedAt);
    const after = await eventually(
      async () => {
        const got = await sdk.payments.v3.getPayment({ paymentID: id });
        const payment = present(got.v3GetPaymentResponse, 'payment').data;
        return payment.status === 'SUCCEEDED' ? payment : undefined;
      },
      30_000,
      'the new status',
    );
    expect(after.id).toBe(id);
    expect(after.reference).toBe(target.reference);
    expect(after.createdAt).toEqual(new Date(target.created_at));
    expect(after.amount).toBe(throughDouble(target.amount));
    expect(after.initialAmount).toBe(throughDouble(target.amount));
    expect(after.adjustments).toHaveLength(2);
    const [newest, oldest] = after.adjustments!;
    expect(newest).toMatchObject({
      reference: target.reference,
      status: 'SUCCEEDED',
      createdAt: updatedAt,
      amount: throughDouble(target.amount),
      asset: ASSET[target.currency],
      raw: asSdkSees({ ...target, status: 'SUCCEEDED', updated_at: updatedAt.toISOString() }),
    });
    expect(oldest).toEqual(before.adjustments![0]);
    expect(newest!.id).not.toBe(oldest!.id);

    const payments = await listAllPayments();
    expect(payments).toHaveLength(PAYMENTS);
    expect(payments.filter((p) => p.reference === target.reference)).toMatchObject([
      { id, status: 'SUCCEEDED', adjustments: null },
    ]);
    const succeeded = await listAllPayments({ $match: { status: 'SUCCEEDED' } });
    expect(succeeded).toHaveLength(data.payments.filter((p) => p.status === 'SUCCEEDED').length + 1);
  });

  it('lists the root and per-account schedules and their terminated runs', { timeout: 30_000 }, async () => {
    const schedules = await listAllSchedules();
    const rootIds = [
      'fetch_accounts',
      'fetch_external_accounts',
      'fetch_payments',
      'fetch_orders',
      'fetch_conversions',
    ].map((name) => `${connectorID}-${name}`);
    const balanceIds = data.accounts.map((a) => `${connectorID}-fetch_accounts.fetch_balances-${a.id}`);
    expect(schedules).toHaveLength(rootIds.length + balanceIds.length);
    expect(new Set(schedules.map((s) => s.id))).toEqual(new Set([...rootIds, ...balanceIds]));
    for (const schedule of schedules) {
      expect(schedule.connectorID).toBe(connectorID);
      expect(schedule.createdAt).toBeInstanceOf(Date);
      expect(schedule.pausedAt ?? undefined).toBeUndefined();
    }

    const byId = new Map(schedules.map((s) => [s.id, s]));
    for (const scheduleID of [rootIds[2]!, balanceIds[17]!]) {
      const got = await sdk.payments.v3.getConnectorSchedule({ connectorID, scheduleID });
      expect(got.v3ConnectorScheduleResponse?.data).toEqual(byId.get(scheduleID));

      const instances = await listAllInstances(scheduleID);
      const started = instances.map((i) => i.createdAt.getTime());
      expect(started).toEqual([...started].sort((a, b) => b - a));
      const terminated = instances.filter((i) => i.terminated);
      expect(terminated.length).toBeGreaterThan(0);
      for (const instance of instances) {
        expect(instance).toMatchObject({ scheduleID, connectorID });
        expect(instance.error ?? undefined).toBeUndefined();
      }
      for (const instance of terminated) {
        expect(instance.terminatedAt).toBeInstanceOf(Date);
        expect(instance.terminatedAt!.getTime()).toBeGreaterThanOrEqual(instance.createdAt.getTime());
      }
    }
    // Beyond the SDK's model, each schedule tells its task and its newest run, so a health view needs no
    // call per schedule. Polling goes on meanwhile: only runs started after the read may be newer.
    const readAt = Date.now();
    const rawSchedule = async (scheduleID: string) =>
      (
        (await (
          await fetch(`${service.url}/v3/connectors/${connectorID}/schedules/${scheduleID}`)
        ).json()) as {
          data: Record<string, unknown>;
        }
      ).data;
    const extras = new Map<string, Record<string, unknown>>();
    for (const id of [rootIds[0]!, balanceIds[3]!]) extras.set(id, await rawSchedule(id));
    expect(extras.get(rootIds[0]!)?.taskType).toBe('FETCH_ACCOUNTS');
    expect(extras.get(balanceIds[3]!)?.taskType).toBe('FETCH_BALANCES');
    for (const scheduleID of [rootIds[0]!, balanceIds[3]!]) {
      const lastRun = extras.get(scheduleID)?.lastRun as { id: string; createdAt: string } | undefined;
      const runs = await listAllInstances(scheduleID);
      const at = runs.findIndex((run) => run.id === lastRun?.id);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(new Date(lastRun!.createdAt).getTime()).toBe(runs[at]!.createdAt.getTime());
      for (const newer of runs.slice(0, at))
        expect(newer.createdAt.getTime()).toBeGreaterThanOrEqual(readAt - 50);
      expect(extras.get(scheduleID)?.consecutiveFailures).toBe(0);
    }

    // The payments schedule runs again and again (1 s polling, however long the queue makes it wait).
    await eventually(
      async () => {
        const runs = (await listAllInstances(rootIds[2]!)).filter((i) => i.terminated).length;
        if (runs < 2) throw new Error(`${runs} terminated runs of the payments schedule`);
        return runs;
      },
      20_000,
      'a second run of the payments schedule',
    );

    await expectV3Error(
      sdk.payments.v3.getConnectorSchedule({ connectorID, scheduleID: `${connectorID}-nope` }),
      404,
      'NOT_FOUND',
    );
  });

  it(
    'uninstalls: the task succeeds, data and schedules go, and polling stops',
    { timeout: 45_000 },
    async () => {
      const someAccount = accountIdByReference.get(data.accounts[0]!.id)!;
      const somePayment = paymentIdByReference.get(data.payments[0]!.reference)!;
      const rootSchedule = `${connectorID}-fetch_payments`;

      const uninstalled = await sdk.payments.v3.uninstallConnector({ connectorID });
      expect(uninstalled.statusCode).toBe(202);
      const taskID = present(uninstalled.v3UninstallConnectorResponse, 'uninstall response').data.taskID;
      expect(taskID).toMatch(/^[A-Za-z0-9_-]+$/);

      const task = await eventually(
        async () => {
          const got = present((await sdk.payments.v3.getTask({ taskID })).v3GetTaskResponse, 'task').data;
          return got.status === 'PROCESSING' ? undefined : got;
        },
        30_000,
        'the uninstall task',
      );
      expect(task).toMatchObject({ id: taskID, connectorID, status: 'SUCCEEDED' });
      expect(task.error ?? undefined).toBeUndefined();

      expect(await listAllAccounts({ $match: { connector_id: connectorID } })).toEqual([]);
      expect(await listAllAccounts()).toEqual([]);
      expect(await listAllPayments()).toEqual([]);
      expect(await listAllSchedules()).toEqual([]);
      const connectors = await sdk.payments.v3.listConnectors({});
      expect(connectors.v3ConnectorsCursorResponse?.cursor.data).toEqual([]);

      await expectV3Error(sdk.payments.v3.getConnectorConfig({ connectorID }), 404, 'NOT_FOUND');
      await expectV3Error(sdk.payments.v3.getAccount({ accountID: someAccount }), 404, 'NOT_FOUND');
      await expectV3Error(sdk.payments.v3.getPayment({ paymentID: somePayment }), 404, 'NOT_FOUND');
      await expectV3Error(
        sdk.payments.v3.getConnectorSchedule({ connectorID, scheduleID: rootSchedule }),
        404,
        'NOT_FOUND',
      );
      await expectV3Error(sdk.payments.v3.getConnectorCapabilities({ connectorID }), 404, 'NOT_FOUND');
      await expectV3Error(sdk.payments.v3.uninstallConnector({ connectorID }), 404, 'NOT_FOUND');
      expect(await listAllInstances(rootSchedule)).toEqual([]);

      // Nothing polls the directory any more: a new payment stays unseen for more than two polling periods.
      await appendPayment(dir, {
        reference: 'dummy-payment-after-uninstall',
        type: 'PAY-IN',
        amount: 42n,
        currency: 'EUR',
        status: 'SUCCEEDED',
        created_at: '2024-06-01T00:00:00.000Z',
        destination_account_id: data.accounts[0]!.id,
      });
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(await listAllPayments()).toEqual([]);
      expect(await listAllAccounts()).toEqual([]);
      expect(await listAllSchedules()).toEqual([]);
    },
  );
});

/** A file record as parseJson reads it back: bigint stays bigint when unsafe, numbers otherwise. */
function normalised(record: DummyPayPaymentRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { ...record };
  const amount = record.amount;
  out.amount = amount > BigInt(Number.MAX_SAFE_INTEGER) ? amount : Number(amount);
  return out;
}
