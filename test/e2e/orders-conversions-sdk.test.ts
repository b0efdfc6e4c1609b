// Orders and conversions through the official Formance SDK (@formance/formance-sdk 7.0.1, unchanged): DummyPay
// ingests them from its directory, and the SDK lists them page by page, filters them, gets one by id (an order
// with its adjustments oldest first), and parses every answer with its own models.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK } from '@formance/formance-sdk';
import type { V3Conversion, V3Order } from '@formance/formance-sdk/sdk/models/payments/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec, conversionIdCodec, orderIdCodec } from '../../src/domain/ids.js';
import { stringifyJson } from '../../src/domain/json.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { collectPages, expectV3Error, present } from './sdk-helpers.js';

const ORDERS = [
  {
    id: 'ord-open',
    client_order_id: 'client-1',
    created_at: '2024-05-01T10:00:00Z',
    direction: 'BUY',
    source_currency: 'USD',
    destination_currency: 'BTC/8',
    type: 'LIMIT',
    status: 'OPEN',
    time_in_force: 'GOOD_UNTIL_DATE_TIME',
    expires_at: '2024-06-01T00:00:00Z',
    base_quantity_ordered: 100_000_000,
    limit_price: 6_500_000,
    price_currency: 'USD',
    source_account_id: 'wallet-usd',
  },
  {
    id: 'ord-filled',
    created_at: '2024-05-01T11:00:00Z',
    direction: 'SELL',
    source_currency: 'BTC/8',
    destination_currency: 'EUR',
    type: 'MARKET',
    status: 'FILLED',
    time_in_force: 'IMMEDIATE_OR_CANCEL',
    base_quantity_ordered: 50_000_000,
    base_quantity_filled: 50_000_000,
    quote_amount: 3_100_000,
    quote_currency: 'EUR',
    fee: 1500,
    fee_currency: 'EUR',
  },
  {
    id: 'ord-cancelled',
    created_at: '2024-05-01T12:00:00Z',
    direction: 'BUY',
    source_currency: 'EUR',
    destination_currency: 'BTC/8',
    type: 'STOP_LIMIT',
    status: 'CANCELLED',
    time_in_force: 'GOOD_UNTIL_CANCELLED',
    base_quantity_ordered: 10_000_000,
    stop_price: 6_000_000,
    limit_price: 6_100_000,
    price_currency: 'EUR',
  },
];

const CONVERSIONS = [
  {
    id: 'conv-done',
    created_at: '2024-05-02T09:00:00Z',
    source_currency: 'USD',
    destination_currency: 'EUR',
    source_amount: 100_000,
    destination_amount: 92_000,
    fee: 50,
    fee_currency: 'USD',
    status: 'COMPLETED',
    source_account_id: 'wallet-usd',
    destination_account_id: 'wallet-eur',
  },
  {
    id: 'conv-pending',
    created_at: '2024-05-02T10:00:00Z',
    source_currency: 'EUR',
    destination_currency: 'JPY',
    source_amount: 5000,
    status: 'PENDING',
  },
];

let service: TestService;
let sdk: SDK;
let dir: string;
let connectorID: string;

async function writeFileAtomically(name: string, value: unknown): Promise<void> {
  const path = join(dir, name);
  await writeFile(`${path}.tmp`, stringifyJson(value));
  await rename(`${path}.tmp`, path);
}

const listOrders = (query?: Record<string, unknown>) =>
  collectPages<V3Order>(
    async () =>
      present(
        (await sdk.payments.v3.listOrders({ pageSize: 2, ...(query ? { query } : {}) }))
          .v3OrdersCursorResponse,
        'orders',
      ).cursor,
    async (cursor) =>
      present((await sdk.payments.v3.listOrders({ cursor })).v3OrdersCursorResponse, 'orders').cursor,
  );
const listConversions = (query?: Record<string, unknown>) =>
  collectPages<V3Conversion>(
    async () =>
      present(
        (await sdk.payments.v3.listConversions({ pageSize: 1, ...(query ? { query } : {}) }))
          .v3ConversionsCursorResponse,
        'conversions',
      ).cursor,
    async (cursor) =>
      present((await sdk.payments.v3.listConversions({ cursor })).v3ConversionsCursorResponse, 'conversions')
        .cursor,
  );
const getOrder = async (reference: string) =>
  present(
    (
      await sdk.payments.v3.getOrder({
        orderID: orderIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference }),
      })
    ).v3GetOrderResponse,
    'order',
  ).data;

beforeAll(async () => {
  service = await startTestService();
  sdk = new SDK({ serverURL: service.url });
  dir = await mkdtemp(join(tmpdir(), 'pb-orders-sdk-'));
  await writeFileAtomically('orders.json', ORDERS);
  await writeFileAtomically('conversions.json', CONVERSIONS);
  const installed = await sdk.payments.v3.installConnector({
    connector: 'dummypay',
    v3ConnectorConfig: { provider: 'Dummypay', name: 'exchange', directory: dir, pollingPeriod: '1s' },
  });
  connectorID = present(installed.v3InstallConnectorResponse, 'install').data;
  await eventually(async () =>
    (await listOrders()).length === ORDERS.length && (await listConversions()).length === CONVERSIONS.length
      ? true
      : undefined,
  );
});

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('orders through the SDK', () => {
  it('lists every order page by page, newest first, as the SDK models them', async () => {
    const orders = await listOrders();
    expect(orders.map((o) => o.reference)).toEqual(['ord-cancelled', 'ord-filled', 'ord-open']);
    const open = orders[2] as V3Order;
    const connectorId = connectorIdCodec.decode(connectorID);
    expect(open).toMatchObject({
      id: orderIdCodec.encode({ connectorId, reference: 'ord-open' }),
      connectorID,
      provider: 'dummypay',
      clientOrderID: 'client-1',
      direction: 'BUY',
      sourceAsset: 'USD/2',
      destinationAsset: 'BTC/8',
      type: 'LIMIT',
      status: 'OPEN',
      timeInForce: 'GOOD_UNTIL_DATE_TIME',
      baseQuantityOrdered: 100_000_000n,
      baseQuantityFilled: null,
      limitPrice: 6_500_000n,
      priceAsset: 'USD/2',
      sourceAccountID: accountIdCodec.encode({ connectorId, reference: 'wallet-usd' }),
      destinationAccountID: null,
      metadata: {},
    });
    expect(open.createdAt).toEqual(new Date('2024-05-01T10:00:00Z'));
    expect(open.expiresAt).toEqual(new Date('2024-06-01T00:00:00Z'));
    expect(open.adjustments).toMatchObject([{ reference: 'ord-open', status: 'OPEN' }]);
    expect(orders[1]).toMatchObject({ fee: 1500n, feeAsset: 'EUR/2', quoteAmount: 3_100_000n });
  });

  it('filters orders by status, direction and quantity, and refuses an unknown key', async () => {
    expect((await listOrders({ $match: { status: 'FILLED' } })).map((o) => o.reference)).toEqual([
      'ord-filled',
    ]);
    const bigBuys = await listOrders({
      $and: [{ $match: { direction: 'BUY' } }, { $gte: { base_quantity_ordered: 50_000_000 } }],
    });
    expect(bigBuys.map((o) => o.reference)).toEqual(['ord-open']);
    await expectV3Error(
      sdk.payments.v3.listOrders({ query: { $match: { colour: 'red' } } }),
      400,
      'VALIDATION',
    );
  });

  it('gets an order, and answers an unknown one 404 and a malformed id 400', async () => {
    expect(await getOrder('ord-cancelled')).toMatchObject({
      reference: 'ord-cancelled',
      type: 'STOP_LIMIT',
      stopPrice: 6_000_000n,
      limitPrice: 6_100_000n,
    });
    await expectV3Error(getOrder('nobody'), 404, 'NOT_FOUND');
    await expectV3Error(sdk.payments.v3.getOrder({ orderID: 'not-an-id' }), 400, 'INVALID_ID');
  });

  it('shows a fill as a second adjustment, oldest first, once the PSP reports it', async () => {
    await writeFileAtomically('orders.json', [
      {
        ...ORDERS[0],
        status: 'PARTIALLY_FILLED',
        base_quantity_filled: 40_000_000,
        updated_at: '2024-05-01T10:30:00Z',
      },
      ...ORDERS.slice(1),
    ]);
    const order = await eventually(async () => {
      const found = await getOrder('ord-open');
      return found.adjustments?.length === 2 ? found : undefined;
    });
    expect(order).toMatchObject({ status: 'PARTIALLY_FILLED', baseQuantityFilled: 40_000_000n });
    expect(order.updatedAt).toEqual(new Date('2024-05-01T10:30:00Z'));
    expect(order.adjustments?.map((a) => [a.status, a.baseQuantityFilled ?? null])).toEqual([
      ['OPEN', null],
      ['PARTIALLY_FILLED', 40_000_000n],
    ]);
  });
});

describe('conversions through the SDK', () => {
  it('lists every conversion, filters them by status and amount, and gets one', async () => {
    const all = await listConversions();
    expect(all.map((c) => c.reference)).toEqual(['conv-pending', 'conv-done']);
    expect(all[1]).toMatchObject({
      sourceAsset: 'USD/2',
      destinationAsset: 'EUR/2',
      sourceAmount: 100_000n,
      destinationAmount: 92_000n,
      fee: 50n,
      feeAsset: 'USD/2',
      status: 'COMPLETED',
    });
    expect(all[0]?.destinationAmount ?? null).toBeNull();
    const pending = await listConversions({ $match: { status: 'PENDING' } });
    expect(pending.map((c) => c.reference)).toEqual(['conv-pending']);
    const large = await listConversions({ $gt: { source_amount: 10_000 } });
    expect(large.map((c) => c.reference)).toEqual(['conv-done']);

    const conversionID = conversionIdCodec.encode({
      connectorId: connectorIdCodec.decode(connectorID),
      reference: 'conv-done',
    });
    const got = present(
      (await sdk.payments.v3.getConversion({ conversionID })).v3GetConversionResponse,
      'conversion',
    ).data;
    expect(got).toMatchObject({ id: conversionID, reference: 'conv-done', provider: 'dummypay' });
    await expectV3Error(sdk.payments.v3.getConversion({ conversionID: 'not-an-id' }), 400, 'INVALID_ID');
  });

  it('are gone once the connector is uninstalled', async () => {
    await sdk.payments.v3.uninstallConnector({ connectorID });
    await eventually(async () =>
      (await listOrders()).length === 0 && (await listConversions()).length === 0 ? true : undefined,
    );
  });
});
