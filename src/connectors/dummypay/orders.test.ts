import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringifyJson } from '../../domain/json.js';
import { standaloneContext } from '../sdk/context.js';
import { InvalidRequestError } from '../sdk/errors.js';
import { DummyPayConnector } from './connector.js';

let dir: string;
let connector: DummyPayConnector;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dummypay-orders-'));
  const logger = pino({ level: 'silent' });
  connector = new DummyPayConnector({ directory: dir }, standaloneContext({ connectorId: 'c1', logger }));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const write = (file: string, value: unknown) => writeFile(join(dir, file), stringifyJson(value));
const fetchOrders = (state?: unknown, pageSize = 25) =>
  connector.fetchNextOrders({ state, pageSize, name: 'fetch_orders' });
const fetchConversions = (state?: unknown, pageSize = 25) =>
  connector.fetchNextConversions({ state, pageSize, name: 'fetch_conversions' });

const order = {
  id: 'ord-1',
  created_at: '2024-05-01T10:00:00Z',
  updated_at: '2024-05-01T10:05:00+02:00',
  direction: 'SELL',
  source_currency: 'BTC/8',
  destination_currency: 'JPY',
  type: 'LIMIT',
  status: 'PARTIALLY_FILLED',
  time_in_force: 'GOOD_UNTIL_DATE_TIME',
  expires_at: '2024-06-01T00:00:00Z',
  base_quantity_ordered: 18446744073709551615n,
  base_quantity_filled: 5n,
  limit_price: 9_000_000,
  price_currency: 'JPY',
  fee: 3,
  fee_currency: 'JPY',
  client_order_id: null,
};

describe('DummyPay orders', () => {
  it('maps an order field by field, currencies as assets and integers exact', async () => {
    await write('orders.json', [order]);
    const page = await fetchOrders();
    expect(page).toMatchObject({ hasMore: false, newState: null, skipped: [] });
    expect(page.items).toEqual([
      {
        reference: 'ord-1',
        createdAt: new Date('2024-05-01T10:00:00Z'),
        updatedAt: new Date('2024-05-01T08:05:00Z'),
        expiresAt: new Date('2024-06-01T00:00:00Z'),
        direction: 'SELL',
        sourceAsset: 'BTC/8',
        destinationAsset: 'JPY/0',
        type: 'LIMIT',
        status: 'PARTIALLY_FILLED',
        timeInForce: 'GOOD_UNTIL_DATE_TIME',
        baseQuantityOrdered: 18446744073709551615n,
        baseQuantityFilled: 5n,
        limitPrice: 9_000_000n,
        priceAsset: 'JPY/0',
        fee: 3n,
        feeAsset: 'JPY/0',
        metadata: {},
        raw: expect.objectContaining({ id: 'ord-1' }),
      },
    ]);
  });

  it('skips records whose status, direction, currency or dates it cannot map, keeping the others', async () => {
    await write('orders.json', [
      { ...order, id: 'bad-status', status: 'filled' },
      { ...order, id: 'bad-direction', direction: 'HOLD' },
      { ...order, id: 'bad-currency', fee_currency: 'XYZ' },
      { ...order, id: 'bad-date', expires_at: '2024-06-01' },
      order,
    ]);
    const page = await fetchOrders();
    expect(page.items.map((o) => o.reference)).toEqual(['ord-1']);
    expect(page.skipped?.map((s) => s.reference)).toEqual([
      'bad-status',
      'bad-direction',
      'bad-currency',
      'bad-date',
    ]);
  });

  it('pages through the file by index and restarts from the top after the last page', async () => {
    await write(
      'orders.json',
      Array.from({ length: 5 }, (_, i) => ({ ...order, id: `ord-${i}` })),
    );
    const first = await fetchOrders(undefined, 2);
    const second = await fetchOrders(first.newState, 2);
    const third = await fetchOrders(second.newState, 2);
    expect([first, second, third].flatMap((p) => p.items.map((o) => o.reference))).toEqual([
      'ord-0',
      'ord-1',
      'ord-2',
      'ord-3',
      'ord-4',
    ]);
    expect(third).toMatchObject({ hasMore: false, newState: null });
  });

  it('reads a missing file as no orders, and refuses a file of the wrong shape naming the field', async () => {
    expect((await fetchOrders()).items).toEqual([]);
    await write('orders.json', [{ ...order, base_quantity_ordered: '12' }]);
    await expect(fetchOrders()).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(fetchOrders()).rejects.toThrow(/base_quantity_ordered/);
  });
});

describe('DummyPay conversions', () => {
  const conversion = {
    id: 'conv-1',
    created_at: '2024-05-02T09:00:00Z',
    source_currency: 'usd',
    destination_currency: 'EUR',
    source_amount: 100_000,
    status: 'PENDING',
  };

  it('maps a conversion, its destination amount absent until the file has one', async () => {
    await write('conversions.json', [
      conversion,
      { ...conversion, id: 'conv-2', status: 'COMPLETED', destination_amount: 92_000 },
    ]);
    const page = await fetchConversions();
    expect(page.items).toEqual([
      {
        reference: 'conv-1',
        createdAt: new Date('2024-05-02T09:00:00Z'),
        updatedAt: new Date('2024-05-02T09:00:00Z'),
        sourceAsset: 'USD/2',
        destinationAsset: 'EUR/2',
        sourceAmount: 100_000n,
        status: 'PENDING',
        metadata: {},
        raw: expect.objectContaining({ id: 'conv-1' }),
      },
      expect.objectContaining({ reference: 'conv-2', status: 'COMPLETED', destinationAmount: 92_000n }),
    ]);
  });

  it('skips a conversion with an unknown status or a negative amount', async () => {
    await write('conversions.json', [
      { ...conversion, id: 'x', status: 'SETTLED' },
      { ...conversion, id: 'y', source_amount: -1 },
      conversion,
    ]);
    const page = await fetchConversions();
    expect(page.items.map((c) => c.reference)).toEqual(['conv-1']);
    expect(page.skipped?.map((s) => s.reference)).toEqual(['x', 'y']);
  });
});
