// Pools through the official SDK: static and dynamic pools over DummyPay's accounts, membership changes,
// balances summed per asset (latest and at a time), validation, deletion and their outbox events.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK } from '@formance/formance-sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetFromCurrency } from '../../src/domain/assets.js';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { stringifyJson } from '../../src/domain/json.js';
import { type DummyPayData, writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { expectV3Error, present } from './sdk-helpers.js';

let service: TestService;
let sdk: SDK;
let dir: string;
let data: DummyPayData;
let connectorID: string;
const accountId = (reference: string) =>
  accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });

beforeAll(async () => {
  service = await startTestService();
  sdk = new SDK({ serverURL: service.url });
  dir = await mkdtemp(join(tmpdir(), 'pb-pools-'));
  data = await writeDummyPayDirectory(dir, { accounts: 8, payments: 0, seed: 5 });
  const installed = await sdk.payments.v3.installConnector({
    connector: 'dummypay',
    v3ConnectorConfig: { provider: 'Dummypay', name: 'pools', directory: dir, pollingPeriod: '1s' },
  });
  connectorID = present(installed.v3InstallConnectorResponse, 'install').data;
  // Every account of the files has its balances.
  await eventually(async () => {
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(DISTINCT account_id)::int AS n FROM balances`.execute(service.paybridge.deps.db);
    return rows[0]?.n === data.accounts.length ? true : undefined;
  });
});

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The fixture's balances of `references`, summed per asset, as the API writes them. */
function expectedSums(balances: DummyPayData['balances'], references: string[]) {
  const sums = new Map<string, bigint>();
  for (const b of balances.filter((b) => references.includes(b.account_id))) {
    const asset = assetFromCurrency(b.currency) ?? b.currency;
    sums.set(asset, (sums.get(asset) ?? 0n) + b.amount_in_minors);
  }
  return [...sums].map(([asset, amount]) => `${asset} ${amount}`).sort();
}

const sums = (balances: { asset: string; amount: bigint }[]) =>
  balances.map((b) => `${b.asset} ${b.amount}`).sort();

const members = ['dummy-account-000002', 'dummy-account-000005'];

describe('pools', () => {
  let staticPool: string;

  it('creates a static pool of internal accounts and lists it by name', async () => {
    const created = await sdk.payments.v3.createPool({
      name: 'treasury',
      accountIDs: members.map(accountId),
    });
    staticPool = present(created.v3CreatePoolResponse, 'create').data;
    expect(staticPool).toMatch(/^[0-9a-f-]{36}$/);
    const pool = present(
      (await sdk.payments.v3.getPool({ poolID: staticPool })).v3GetPoolResponse,
      'get',
    ).data;
    expect(pool).toMatchObject({ name: 'treasury', type: 'STATIC' });
    expect([...pool.poolAccounts].sort()).toEqual(members.map(accountId).sort());
    const listed = present(
      (await sdk.payments.v3.listPools({ query: { $match: { name: 'treasury' } } })).v3PoolsCursorResponse,
      'list',
    ).cursor.data;
    expect(listed.map((p) => p.id)).toEqual([staticPool]);
    const byAccount = present(
      (await sdk.payments.v3.listPools({ query: { $match: { account_id: accountId(members[0] ?? '') } } }))
        .v3PoolsCursorResponse,
      'list',
    ).cursor.data;
    expect(byAccount.map((p) => p.id)).toEqual([staticPool]);
  });

  it('refuses a duplicate name, an unknown account and an external one', async () => {
    await expectV3Error(sdk.payments.v3.createPool({ name: 'treasury', accountIDs: [] }), 400, 'CONFLICT');
    await expectV3Error(
      sdk.payments.v3.createPool({ name: 'ghost', accountIDs: [accountId('no-such-account')] }),
      404,
      'NOT_FOUND',
    );
    await expectV3Error(
      sdk.payments.v3.createPool({ name: 'outside', accountIDs: [accountId('dummy-external-000000')] }),
      400,
      'VALIDATION',
    );
    await expectV3Error(sdk.payments.v3.createPool({ name: 'nothing' }), 400, 'VALIDATION');
  });

  it('sums its accounts’ latest balances per asset', async () => {
    const balances = present(
      (await sdk.payments.v3.getPoolBalancesLatest({ poolID: staticPool })).v3PoolBalancesResponse,
      'balances',
    ).data;
    expect(sums(balances)).toEqual(expectedSums(data.balances, members));
  });

  it('adds and removes accounts of a static pool, and refuses a query for it', async () => {
    const third = accountId('dummy-account-000007');
    await sdk.payments.v3.addAccountToPool({ poolID: staticPool, accountID: third });
    const grown = present(
      (await sdk.payments.v3.getPool({ poolID: staticPool })).v3GetPoolResponse,
      'get',
    ).data;
    expect(grown.poolAccounts).toContain(third);
    await sdk.payments.v3.removeAccountFromPool({ poolID: staticPool, accountID: third });
    const back = present(
      (await sdk.payments.v3.getPool({ poolID: staticPool })).v3GetPoolResponse,
      'get',
    ).data;
    expect([...back.poolAccounts].sort()).toEqual(members.map(accountId).sort());
    await expectV3Error(
      sdk.payments.v3.updatePoolQuery({
        poolID: staticPool,
        v3UpdatePoolQueryRequest: { query: { $match: { type: 'INTERNAL' } } },
      }),
      400,
      'VALIDATION',
    );
  });

  it('resolves a dynamic pool from its query, at every read, and follows a query update', async () => {
    const created = await sdk.payments.v3.createPool({
      name: 'all-internal',
      query: { $and: [{ $match: { type: 'INTERNAL' } }, { $match: { connector_id: connectorID } }] },
    });
    const dynamic = present(created.v3CreatePoolResponse, 'create').data;
    const pool = present((await sdk.payments.v3.getPool({ poolID: dynamic })).v3GetPoolResponse, 'get').data;
    expect(pool.type).toBe('DYNAMIC');
    expect(pool.poolAccounts).toHaveLength(data.accounts.length);
    await expectV3Error(
      sdk.payments.v3.addAccountToPool({ poolID: dynamic, accountID: accountId(members[0] ?? '') }),
      400,
      'VALIDATION',
    );
    await sdk.payments.v3.updatePoolQuery({
      poolID: dynamic,
      v3UpdatePoolQueryRequest: { query: { $match: { reference: 'dummy-account-000002' } } },
    });
    const narrowed = present(
      (await sdk.payments.v3.getPool({ poolID: dynamic })).v3GetPoolResponse,
      'get',
    ).data;
    expect(narrowed.poolAccounts).toEqual([accountId('dummy-account-000002')]);
    const listed = present((await sdk.payments.v3.listPools({})).v3PoolsCursorResponse, 'list').cursor.data;
    expect(listed.find((p) => p.id === dynamic)?.poolAccounts).toEqual([accountId('dummy-account-000002')]);
    expect(listed.find((p) => p.name === 'treasury')?.poolAccounts).toHaveLength(2);
    const balances = present(
      (await sdk.payments.v3.getPoolBalancesLatest({ poolID: dynamic })).v3PoolBalancesResponse,
      'balances',
    ).data;
    expect(sums(balances)).toEqual(expectedSums(data.balances, ['dummy-account-000002']));
    await expectV3Error(
      sdk.payments.v3.updatePoolQuery({
        poolID: dynamic,
        v3UpdatePoolQueryRequest: { query: { $match: { nope: 'x' } } },
      }),
      400,
      'VALIDATION',
    );
  });

  it('reads balances as they were at a time, and refuses a time in the future', async () => {
    // Two seconds so the next poll stamps the new balances in a later second than `before`.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const before = new Date();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const doubled = data.balances.map((b) => ({ ...b, amount_in_minors: b.amount_in_minors * 2n }));
    await writeFile(join(dir, 'balances.json.tmp'), stringifyJson(doubled));
    await rename(join(dir, 'balances.json.tmp'), join(dir, 'balances.json'));
    await eventually(async () => {
      const latest = present(
        (await sdk.payments.v3.getPoolBalancesLatest({ poolID: staticPool })).v3PoolBalancesResponse,
        'balances',
      ).data;
      return JSON.stringify(sums(latest)) === JSON.stringify(expectedSums(doubled, members))
        ? true
        : undefined;
    });
    const then = present(
      (await sdk.payments.v3.getPoolBalances({ poolID: staticPool, at: before })).v3PoolBalancesResponse,
      'balances',
    ).data;
    expect(sums(then)).toEqual(expectedSums(data.balances, members));
    await expectV3Error(
      sdk.payments.v3.getPoolBalances({ poolID: staticPool, at: new Date(Date.now() + 3_600_000) }),
      400,
      'VALIDATION',
    );
    // The SDK cannot leave `at` out; the API refuses it missing too.
    const missing = await fetch(`${service.url}/api/payments/v3/pools/${staticPool}/balances`);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { errorCode: string }).errorCode).toBe('VALIDATION');
  });

  it('deletes a pool (twice is fine), and records the pool events', async () => {
    expect((await sdk.payments.v3.deletePool({ poolID: staticPool })).statusCode).toBe(204);
    expect((await sdk.payments.v3.deletePool({ poolID: staticPool })).statusCode).toBe(204);
    await expectV3Error(sdk.payments.v3.getPool({ poolID: staticPool }), 404, 'NOT_FOUND');
    await expectV3Error(sdk.payments.v3.getPool({ poolID: 'not-a-uuid' }), 400, 'INVALID_ID');
    const { rows } = await sql<{ type: string }>`
      SELECT type FROM outbox_events WHERE entity_id = ${staticPool} ORDER BY seq`.execute(
      service.paybridge.deps.db,
    );
    // Created, one account added, removed again, then deleted.
    expect(rows.map((r) => r.type)).toEqual(['SAVED_POOL', 'SAVED_POOL', 'SAVED_POOL', 'DELETED_POOL']);
  });
});
