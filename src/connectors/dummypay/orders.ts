// Orders: pages through orders.json and maps each record to a PspOrder.
import type { Logger } from 'pino';
import { assetFromCurrency } from '../../domain/assets.js';
import { ORDER_DIRECTIONS, ORDER_STATUSES, ORDER_TYPES, TIME_IN_FORCES } from '../../domain/enums.js';
import type { FetchNextRequest, FetchNextResponse, PspOrder } from '../sdk/contract.js';
import { ORDERS_FILE, type DummyPayClient, type OrderRecord } from './client.js';
import { mapEntries, parseTimestamp, type Mapped } from './mapping.js';
import { takePage } from './paging.js';

export async function fetchNextOrders(
  client: DummyPayClient,
  logger: Logger,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspOrder>> {
  const page = takePage(await client.listOrders(), request.state, request.pageSize);
  const { items, skipped } = mapEntries(page.entries, toPspOrder, logger, ORDERS_FILE);
  return { items, skipped, newState: page.newState, hasMore: page.hasMore };
}

/** The value if it is one of `values` (exact, case-sensitive), else undefined. */
export function oneOf<T extends string>(values: readonly T[], value: string): T | undefined {
  return values.find((known) => known === value);
}

/** An optional currency field: absent stays absent, a known currency becomes its asset, else a skip reason. */
export function optionalAsset(
  field: string,
  currency: string | undefined,
): { asset?: string } | { skip: string } {
  if (currency === undefined) return {};
  const asset = assetFromCurrency(currency);
  return asset ? { asset } : { skip: `unknown ${field} "${currency}"` };
}

export function toPspOrder(record: OrderRecord, raw: unknown): Mapped<PspOrder> {
  const direction = oneOf(ORDER_DIRECTIONS, record.direction);
  if (!direction) return { skip: `unknown order direction "${record.direction}"` };
  const type = oneOf(ORDER_TYPES, record.type);
  if (!type) return { skip: `unknown order type "${record.type}"` };
  const status = oneOf(ORDER_STATUSES, record.status);
  if (!status) return { skip: `unknown order status "${record.status}"` };
  const timeInForce = oneOf(TIME_IN_FORCES, record.time_in_force);
  if (!timeInForce) return { skip: `unknown time in force "${record.time_in_force}"` };
  const sourceAsset = assetFromCurrency(record.source_currency);
  if (!sourceAsset) return { skip: `unknown source_currency "${record.source_currency}"` };
  const destinationAsset = assetFromCurrency(record.destination_currency);
  if (!destinationAsset) return { skip: `unknown destination_currency "${record.destination_currency}"` };
  const createdAt = parseTimestamp(record.created_at);
  if (!createdAt) return { skip: `created_at "${record.created_at}" is not an RFC 3339 timestamp` };
  const times: { updatedAt?: Date; expiresAt?: Date } = {};
  for (const [field, key] of [
    ['updated_at', 'updatedAt'],
    ['expires_at', 'expiresAt'],
  ] as const) {
    const text = record[field];
    if (text === undefined) continue;
    const parsed = parseTimestamp(text);
    if (!parsed) return { skip: `${field} "${text}" is not an RFC 3339 timestamp` };
    times[key] = parsed;
  }
  const price = optionalAsset('price_currency', record.price_currency);
  const quote = optionalAsset('quote_currency', record.quote_currency);
  const fee = optionalAsset('fee_currency', record.fee_currency);
  for (const found of [price, quote, fee]) if ('skip' in found) return found;

  const order: PspOrder = {
    reference: record.id,
    createdAt,
    updatedAt: times.updatedAt ?? createdAt,
    direction,
    sourceAsset,
    destinationAsset,
    type,
    status,
    timeInForce,
    baseQuantityOrdered: record.base_quantity_ordered,
    metadata: {},
    raw,
  };
  if (times.expiresAt) order.expiresAt = times.expiresAt;
  if (record.client_order_id !== undefined) order.clientOrderId = record.client_order_id;
  if (record.base_quantity_filled !== undefined) order.baseQuantityFilled = record.base_quantity_filled;
  if (record.limit_price !== undefined) order.limitPrice = record.limit_price;
  if (record.stop_price !== undefined) order.stopPrice = record.stop_price;
  if (record.average_fill_price !== undefined) order.averageFillPrice = record.average_fill_price;
  if ('asset' in price && price.asset) order.priceAsset = price.asset;
  if (record.quote_amount !== undefined) order.quoteAmount = record.quote_amount;
  if ('asset' in quote && quote.asset) order.quoteAsset = quote.asset;
  if (record.fee !== undefined) order.fee = record.fee;
  if ('asset' in fee && fee.asset) order.feeAsset = fee.asset;
  if (record.error !== undefined) order.error = record.error;
  if (record.source_account_id !== undefined) order.sourceAccountReference = record.source_account_id;
  if (record.destination_account_id !== undefined) {
    order.destinationAccountReference = record.destination_account_id;
  }
  return { item: order };
}
