// Orders and their adjustments: idempotent batch writes that keep each order at its newest observation.
import { type Selectable, sql } from 'kysely';
import { stringifyJson } from '../domain/json.js';
import type { Db } from './db.js';
import type { OrderAdjustmentsTable } from './schema.js';
import { unnestRows } from './unnest.js';

export interface OrderWrite {
  id: string;
  connectorId: string;
  reference: string;
  clientOrderId: string | null;
  createdAt: string;
  /** The observation's time: a row is only replaced by an observation at least as recent. */
  updatedAt: string;
  direction: string;
  sourceAsset: string;
  destinationAsset: string;
  type: string;
  status: string;
  baseQuantityOrdered: bigint;
  baseQuantityFilled: bigint | null;
  limitPrice: bigint | null;
  stopPrice: bigint | null;
  priceAsset: string | null;
  averageFillPrice: bigint | null;
  timeInForce: string;
  expiresAt: string | null;
  quoteAmount: bigint | null;
  quoteAsset: string | null;
  fee: bigint | null;
  feeAsset: string | null;
  error: string | null;
  sourceAccountId: string | null;
  destinationAccountId: string | null;
  metadata: Record<string, string>;
  raw: unknown;
}

export interface OrderAdjustmentWrite {
  id: string;
  orderId: string;
  connectorId: string;
  reference: string;
  createdAt: string;
  status: string;
  baseQuantityFilled: bigint | null;
  fee: bigint | null;
  feeAsset: string | null;
  metadata: Record<string, string>;
  raw: unknown;
}

/** Columns an observation may change; the row is rewritten only when one of them differs. */
const MUTABLE = [
  'client_order_id',
  'updated_at',
  'direction',
  'source_asset',
  'destination_asset',
  'type',
  'status',
  'base_quantity_ordered',
  'base_quantity_filled',
  'limit_price',
  'stop_price',
  'price_asset',
  'average_fill_price',
  'time_in_force',
  'expires_at',
  'quote_amount',
  'quote_asset',
  'fee',
  'fee_asset',
  'error',
  'source_account_id',
  'destination_account_id',
  'metadata',
  'raw',
] as const;

/** What a batch changed: orders inserted or rewritten, and the adjustments it inserted. */
export interface OrderChanges {
  savedOrderIds: string[];
  insertedAdjustments: { id: string; order_id: string }[];
}

/**
 * Writes a batch of orders and their adjustments in two statements, inside the caller's transaction.
 * An order row takes the newest observation (an older one arriving late changes nothing); an
 * adjustment is inserted once per id, so replaying a batch changes nothing at all.
 */
export async function upsertOrders(
  db: Db,
  orders: OrderWrite[],
  adjustments: OrderAdjustmentWrite[],
): Promise<OrderChanges> {
  const changes: OrderChanges = { savedOrderIds: [], insertedAdjustments: [] };
  if (orders.length > 0) {
    const input = unnestRows(orders, 'i', {
      id: (o) => o.id,
      connector_id: (o) => o.connectorId,
      reference: (o) => o.reference,
      client_order_id: (o) => o.clientOrderId,
      created_at: (o) => o.createdAt,
      updated_at: (o) => o.updatedAt,
      direction: (o) => o.direction,
      source_asset: (o) => o.sourceAsset,
      destination_asset: (o) => o.destinationAsset,
      type: (o) => o.type,
      status: (o) => o.status,
      base_quantity_ordered: (o) => o.baseQuantityOrdered,
      base_quantity_filled: (o) => o.baseQuantityFilled,
      limit_price: (o) => o.limitPrice,
      stop_price: (o) => o.stopPrice,
      price_asset: (o) => o.priceAsset,
      average_fill_price: (o) => o.averageFillPrice,
      time_in_force: (o) => o.timeInForce,
      expires_at: (o) => o.expiresAt,
      quote_amount: (o) => o.quoteAmount,
      quote_asset: (o) => o.quoteAsset,
      fee: (o) => o.fee,
      fee_asset: (o) => o.feeAsset,
      error: (o) => o.error,
      source_account_id: (o) => o.sourceAccountId,
      destination_account_id: (o) => o.destinationAccountId,
      metadata: (o) => stringifyJson(o.metadata),
      raw: (o) => stringifyJson(o.raw),
    });
    const columns = MUTABLE.map((c) => sql.ref(c));
    const current = sql.join(MUTABLE.map((c) => sql.ref(`orders.${c}`)));
    const incoming = sql.join(MUTABLE.map((c) => sql.ref(`excluded.${c}`)));
    const result = await sql<{ id: string }>`
      INSERT INTO orders (id, connector_id, reference, created_at, ${sql.join(columns)})
      SELECT id, connector_id, reference, created_at::timestamptz, client_order_id, updated_at::timestamptz,
        direction, source_asset, destination_asset, type, status, base_quantity_ordered::numeric,
        base_quantity_filled::numeric, limit_price::numeric, stop_price::numeric, price_asset,
        average_fill_price::numeric, time_in_force, expires_at::timestamptz, quote_amount::numeric, quote_asset,
        fee::numeric, fee_asset, error, source_account_id, destination_account_id, metadata::jsonb, raw::jsonb
      FROM ${input}
      ON CONFLICT (id, connector_id) DO UPDATE SET (${sql.join(columns)}) = ROW(${incoming})
      WHERE excluded.updated_at >= orders.updated_at AND (${current}) IS DISTINCT FROM (${incoming})
      RETURNING id`.execute(db);
    changes.savedOrderIds = result.rows.map((r) => r.id);
  }
  if (adjustments.length > 0) {
    const input = unnestRows(adjustments, 'i', {
      id: (a) => a.id,
      order_id: (a) => a.orderId,
      connector_id: (a) => a.connectorId,
      reference: (a) => a.reference,
      created_at: (a) => a.createdAt,
      status: (a) => a.status,
      base_quantity_filled: (a) => a.baseQuantityFilled,
      fee: (a) => a.fee,
      fee_asset: (a) => a.feeAsset,
      metadata: (a) => stringifyJson(a.metadata),
      raw: (a) => stringifyJson(a.raw),
    });
    const inserted = await sql<{ id: string; order_id: string }>`
      INSERT INTO order_adjustments (id, order_id, connector_id, reference, created_at, status,
        base_quantity_filled, fee, fee_asset, metadata, raw)
      SELECT id, order_id, connector_id, reference, created_at::timestamptz, status, base_quantity_filled::numeric,
        fee::numeric, fee_asset, metadata::jsonb, raw::jsonb
      FROM ${input}
      ON CONFLICT (id, connector_id) DO NOTHING
      RETURNING id, order_id`.execute(db);
    changes.insertedAdjustments = inserted.rows;
  }
  return changes;
}

export function ordersQuery(db: Db) {
  return db
    .selectFrom('orders')
    .innerJoin('connectors', 'connectors.id', 'orders.connector_id')
    .selectAll('orders')
    .select('connectors.provider');
}
export type OrderRow = Awaited<ReturnType<ReturnType<typeof ordersQuery>['executeTakeFirstOrThrow']>>;

export type OrderAdjustmentRow = Selectable<OrderAdjustmentsTable>;

/** The adjustments of several orders at once, each order's oldest first (the order the v3 API answers). */
export async function orderAdjustmentsOf(
  db: Db,
  orderIds: string[],
): Promise<Map<string, OrderAdjustmentRow[]>> {
  const adjustments = new Map<string, OrderAdjustmentRow[]>(orderIds.map((id) => [id, []]));
  if (orderIds.length === 0) return adjustments;
  const rows = await db
    .selectFrom('order_adjustments')
    .selectAll()
    .where('order_id', 'in', orderIds)
    .orderBy('created_at', 'asc')
    .orderBy('sort_id', 'asc')
    .execute();
  for (const row of rows) adjustments.get(row.order_id)?.push(row);
  return adjustments;
}
