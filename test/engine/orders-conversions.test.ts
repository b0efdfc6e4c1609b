// Orders and conversions end to end in the engine: DummyPay's files ingested on a real database, replays
// that change nothing, a status change that becomes an order adjustment, and deletion with the connector.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import { InvalidConfigError } from '../../src/connectors/sdk/errors.js';
import { registerConnector } from '../../src/connectors/sdk/registry.js';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { runRemoval, uninstallConnector } from '../../src/engine/lifecycle/removal.js';
import { runSchedule } from '../../src/engine/ingestion/sync-run.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { stringifyJson } from '../../src/domain/json.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

// Declares payments only, yet its tree fetches orders: the install must refuse it.
class OverreachingConnector extends BaseConnector {
  async install() {
    return {
      workflow: [
        { type: 'FETCH_PAYMENTS' as const, name: 'payments', periodic: true, children: [] },
        { type: 'FETCH_ORDERS' as const, name: 'orders', periodic: true, children: [] },
      ],
    };
  }
}
registerConnector({
  provider: 'overreaching',
  capabilities: ['FETCH_PAYMENTS'],
  config: z.object({}),
  pageSize: 10,
  create: () => new OverreachingConnector(),
});

/** Above 2^53, so a lossy step between the file and the database would show. */
const HUGE = 18446744073709551615n;

const orders = [
  {
    id: 'ord-1',
    client_order_id: 'client-1',
    created_at: '2024-05-01T10:00:00Z',
    updated_at: '2024-05-01T10:00:00Z',
    direction: 'BUY',
    source_currency: 'USD',
    destination_currency: 'BTC/8',
    type: 'LIMIT',
    status: 'OPEN',
    time_in_force: 'GOOD_UNTIL_CANCELLED',
    base_quantity_ordered: HUGE,
    limit_price: 6_500_000n,
    price_currency: 'USD',
    source_account_id: 'wallet-usd',
    destination_account_id: 'wallet-btc',
  },
  {
    id: 'ord-2',
    created_at: '2024-05-01T11:00:00Z',
    direction: 'SELL',
    source_currency: 'BTC/8',
    destination_currency: 'EUR',
    type: 'MARKET',
    status: 'FILLED',
    time_in_force: 'IMMEDIATE_OR_CANCEL',
    base_quantity_ordered: 50_000_000n,
    base_quantity_filled: 50_000_000n,
    quote_amount: 3_100_000n,
    quote_currency: 'EUR',
    fee: 1500n,
    fee_currency: 'EUR',
  },
  // Not a Formance order status: skipped and reported, the rest of the page still commits.
  {
    id: 'ord-bad',
    created_at: '2024-05-01T12:00:00Z',
    direction: 'BUY',
    source_currency: 'USD',
    destination_currency: 'EUR',
    type: 'MARKET',
    status: 'DONE',
    time_in_force: 'FILL_OR_KILL',
    base_quantity_ordered: 1n,
  },
];

const conversions = [
  {
    id: 'conv-1',
    created_at: '2024-05-02T09:00:00Z',
    source_currency: 'USD',
    destination_currency: 'EUR',
    source_amount: 100_000n,
    destination_amount: 92_000n,
    fee: 50n,
    fee_currency: 'USD',
    status: 'COMPLETED',
    source_account_id: 'wallet-usd',
  },
  {
    id: 'conv-2',
    created_at: '2024-05-02T10:00:00Z',
    source_currency: 'EUR',
    destination_currency: 'JPY',
    source_amount: 5000n,
    status: 'PENDING',
  },
];

let engine: TestEngine;
let deps: EngineDeps;
let dir: string;
let connectorId: string;

/** Replaces a file atomically, as DummyPay's readers expect. */
async function writeFileAtomically(name: string, value: unknown): Promise<void> {
  const path = join(dir, name);
  await writeFile(`${path}.tmp`, stringifyJson(value));
  await rename(`${path}.tmp`, path);
}

beforeAll(async () => {
  engine = await startTestEngine();
  deps = engine.deps;
  dir = await mkdtemp(join(tmpdir(), 'pb-orders-'));
  await writeFileAtomically('orders.json', orders);
  await writeFileAtomically('conversions.json', conversions);
  connectorId = await installConnector(deps, 'dummypay', {
    name: 'exchange',
    directory: dir,
    pollingPeriod: '1m',
  });
});
afterAll(async () => {
  await engine?.stop();
  await rm(dir, { recursive: true, force: true });
});

const run = (path: string) => runSchedule(deps, scheduleId(connectorId, path, ''));
const storedOrders = () =>
  deps.db
    .selectFrom('orders')
    .selectAll()
    .where('connector_id', '=', connectorId)
    .orderBy('reference')
    .execute();
const adjustments = (reference: string) =>
  deps.db
    .selectFrom('order_adjustments')
    .select(['status', 'base_quantity_filled', 'fee', 'created_at'])
    .where('connector_id', '=', connectorId)
    .where('reference', '=', reference)
    .orderBy('created_at')
    .execute();
const storedConversions = () =>
  deps.db
    .selectFrom('conversions')
    .selectAll()
    .where('connector_id', '=', connectorId)
    .orderBy('reference')
    .execute();
const eventCount = async (type: string) =>
  (
    await deps.db
      .selectFrom('outbox_events')
      .select('id')
      .where('connector_id', '=', connectorId)
      .where('type', '=', type)
      .execute()
  ).length;

describe('orders and conversions in the engine', () => {
  it('refuses to install a connector whose task tree holds a node it has not declared', async () => {
    const install = installConnector(deps, 'overreaching', { name: 'overreaching' });
    await expect(install).rejects.toBeInstanceOf(InvalidConfigError);
    await expect(install).rejects.toThrow(/'orders' \(FETCH_ORDERS\) needs the capability FETCH_ORDERS/);
    const stored = await deps.db
      .selectFrom('connectors')
      .select('id')
      .where('name', '=', 'overreaching')
      .execute();
    expect(stored).toEqual([]);
  });

  it('stores the valid orders with one adjustment each, exact amounts, and skips the bad record', async () => {
    await run('fetch_orders');
    const rows = await storedOrders();
    expect(rows.map((r) => [r.reference, r.status])).toEqual([
      ['ord-1', 'OPEN'],
      ['ord-2', 'FILLED'],
    ]);
    expect(rows[0]).toMatchObject({
      client_order_id: 'client-1',
      direction: 'BUY',
      source_asset: 'USD/2',
      destination_asset: 'BTC/8',
      base_quantity_ordered: HUGE.toString(),
      base_quantity_filled: null,
      limit_price: '6500000',
      price_asset: 'USD/2',
    });
    expect(rows[0]?.source_account_id).not.toBeNull();
    expect(rows[1]).toMatchObject({ fee: '1500', fee_asset: 'EUR/2', quote_amount: '3100000' });
    expect(await adjustments('ord-1')).toHaveLength(1);
    expect(await adjustments('ord-2')).toMatchObject([
      { status: 'FILLED', base_quantity_filled: '50000000' },
    ]);
    const instance = await deps.db
      .selectFrom('schedule_instances')
      .select(['items', 'skipped'])
      .where('schedule_id', '=', scheduleId(connectorId, 'fetch_orders', ''))
      .executeTakeFirstOrThrow();
    expect(instance).toEqual({ items: 2, skipped: 1 });
    expect(await eventCount('SAVED_ORDER')).toBe(2);
  });

  it('stores conversions, with the destination amount absent until known', async () => {
    await run('fetch_conversions');
    const rows = await storedConversions();
    expect(rows.map((r) => [r.reference, r.status, r.source_amount, r.destination_amount])).toEqual([
      ['conv-1', 'COMPLETED', '100000', '92000'],
      ['conv-2', 'PENDING', '5000', null],
    ]);
    expect(rows[0]).toMatchObject({ source_asset: 'USD/2', destination_asset: 'EUR/2', fee_asset: 'USD/2' });
    expect(await eventCount('SAVED_CONVERSION')).toBe(2);
  });

  it('changes nothing and emits nothing when the same files are fetched again', async () => {
    const before = { orders: await storedOrders(), conversions: await storedConversions() };
    const events = (await eventCount('SAVED_ORDER')) + (await eventCount('SAVED_CONVERSION'));
    await run('fetch_orders');
    await run('fetch_conversions');
    expect(await storedOrders()).toEqual(before.orders);
    expect(await storedConversions()).toEqual(before.conversions);
    expect(await adjustments('ord-1')).toHaveLength(1);
    expect((await eventCount('SAVED_ORDER')) + (await eventCount('SAVED_CONVERSION'))).toBe(events);
  });

  it('records a status and fill change as a new order adjustment, and a newer conversion state', async () => {
    await writeFileAtomically('orders.json', [
      {
        ...orders[0],
        status: 'PARTIALLY_FILLED',
        base_quantity_filled: 1000n,
        updated_at: '2024-05-01T10:30:00Z',
      },
      ...orders.slice(1),
    ]);
    await writeFileAtomically('conversions.json', [
      conversions[0],
      {
        ...conversions[1],
        status: 'COMPLETED',
        destination_amount: 4_200n,
        updated_at: '2024-05-02T10:05:00Z',
      },
    ]);
    await run('fetch_orders');
    await run('fetch_orders');
    await run('fetch_conversions');
    const [first] = await storedOrders();
    expect(first).toMatchObject({ status: 'PARTIALLY_FILLED', base_quantity_filled: '1000' });
    expect((await adjustments('ord-1')).map((a) => [a.status, a.base_quantity_filled])).toEqual([
      ['OPEN', null],
      ['PARTIALLY_FILLED', '1000'],
    ]);
    expect(await eventCount('SAVED_ORDER')).toBe(3);
    const converted = (await storedConversions())[1];
    expect(converted).toMatchObject({ status: 'COMPLETED', destination_amount: '4200' });
    expect(await eventCount('SAVED_CONVERSION')).toBe(3);
  });

  it('never lets an older observation overwrite a newer one', async () => {
    await writeFileAtomically('orders.json', orders);
    await run('fetch_orders');
    const [first] = await storedOrders();
    expect(first).toMatchObject({ status: 'PARTIALLY_FILLED', base_quantity_filled: '1000' });
    expect(await adjustments('ord-1')).toHaveLength(2);
  });

  it('deletes the orders, their adjustments and the conversions with the connector', async () => {
    const taskId = await uninstallConnector(deps, connectorId);
    await runRemoval(deps, { connectorId, taskId, reinstall: false });
    expect(await storedOrders()).toEqual([]);
    expect(await storedConversions()).toEqual([]);
    const leftovers = await deps.db
      .selectFrom('order_adjustments')
      .select('id')
      .where('connector_id', '=', connectorId)
      .execute();
    expect(leftovers).toEqual([]);
  });
});
