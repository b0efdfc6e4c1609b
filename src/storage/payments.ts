// Payments and their adjustments: idempotent batch writes that keep each payment's status and amount current.
import { sql } from 'kysely';
import { stringifyJson } from '../domain/json.js';
import type { Db } from './db.js';
import type { StoredPayment } from '../events/events.js';
import { unnestRows } from './unnest.js';

export interface PaymentWrite {
  id: string;
  connectorId: string;
  reference: string;
  type: string;
  createdAt: string;
  amount: bigint;
  asset: string;
  scheme: string;
  status: string;
  statusAt: string;
  sourceAccountId: string | null;
  destinationAccountId: string | null;
  metadata: Record<string, string>;
  /** A refund/dispute row of another payment: it creates the payment if unseen but never edits its fields. */
  child: boolean;
}

export interface AdjustmentWrite {
  id: string;
  paymentId: string;
  connectorId: string;
  reference: string;
  createdAt: string;
  status: string;
  amount: bigint | null;
  asset: string | null;
  metadata: Record<string, string>;
  raw: unknown;
}

function paymentInput(payments: PaymentWrite[]) {
  return unnestRows(payments, 'i', {
    id: (p) => p.id,
    connector_id: (p) => p.connectorId,
    reference: (p) => p.reference,
    type: (p) => p.type,
    created_at: (p) => p.createdAt,
    // An authorisation holds no money yet, and a capture's money arrives through its adjustment's effect.
    amount: (p) => (p.status === 'AUTHORISATION' || p.status === 'CAPTURE' ? 0n : p.amount),
    initial_amount: (p) => p.amount,
    asset: (p) => p.asset,
    scheme: (p) => p.scheme,
    status: (p) => p.status,
    status_at: (p) => p.statusAt,
    source_account_id: (p) => p.sourceAccountId,
    destination_account_id: (p) => p.destinationAccountId,
    metadata: (p) => stringifyJson(p.metadata),
  });
}

const INSERT_PAYMENTS = sql`
  INSERT INTO payments (id, connector_id, reference, type, created_at, amount, initial_amount, asset, scheme,
    status, status_at, source_account_id, destination_account_id, metadata)
  SELECT id, connector_id, reference, type, created_at::timestamptz, amount::numeric, initial_amount::numeric, asset,
    scheme, status, status_at::timestamptz, source_account_id, destination_account_id, metadata::jsonb`;

/** The columns of a payment that its events describe (as stored once the batch is written). */
const STORED_COLUMNS =
  sql.raw(`id, connector_id, reference, created_at, type, status, scheme, asset, initial_amount,
  amount, source_account_id, destination_account_id, metadata, updated_at`);

/** A payment as stored after a batch, with the time of its last change. */
export interface StoredPaymentRow extends StoredPayment {
  updated_at: string;
}

/**
 * What a batch changed, each with the payment as stored at the end of the batch (so no read-back is
 * needed): the payments whose own fields changed, and the adjustments it inserted (oldest first).
 */
export interface PaymentChanges {
  changedPayments: StoredPaymentRow[];
  insertedAdjustments: { id: string; payment_id: string; raw: unknown; payment: StoredPaymentRow }[];
}

/**
 * Writes a batch of payments and adjustments in two statements (three with refund rows that only name
 * their parent). Amount effects and the current status are derived only from adjustments this call
 * actually inserted, so replaying a batch changes nothing. Each statement returns the rows its events
 * need, as stored at the end of the batch. The caller runs this inside the page transaction. The ids
 * must be unique within each list (one statement may touch a row once).
 */
export async function upsertPayments(
  db: Db,
  payments: PaymentWrite[],
  adjustments: AdjustmentWrite[],
): Promise<PaymentChanges> {
  const changes: PaymentChanges = { changedPayments: [], insertedAdjustments: [] };
  const own = payments.filter((p) => !p.child);
  const children = payments.filter((p) => p.child);
  if (own.length > 0) {
    // Only the rows whose own fields changed come back: a new row's inserted adjustment describes it.
    const result = await sql<StoredPaymentRow>`WITH written AS (
      ${INSERT_PAYMENTS} FROM ${paymentInput(own)}
      ON CONFLICT (id, connector_id) DO UPDATE SET
        scheme = excluded.scheme, source_account_id = excluded.source_account_id,
        destination_account_id = excluded.destination_account_id, metadata = excluded.metadata, updated_at = now()
      WHERE (payments.scheme, payments.source_account_id, payments.destination_account_id, payments.metadata)
        IS DISTINCT FROM (excluded.scheme, excluded.source_account_id, excluded.destination_account_id, excluded.metadata)
      RETURNING ${STORED_COLUMNS}, (xmax = 0) AS created
    )
    SELECT ${STORED_COLUMNS} FROM written WHERE NOT created`.execute(db);
    changes.changedPayments = result.rows;
  }
  if (children.length > 0) {
    await sql`${INSERT_PAYMENTS} FROM ${paymentInput(children)}
      ON CONFLICT (id, connector_id) DO NOTHING`.execute(db);
  }
  if (adjustments.length === 0) return changes;
  const input = unnestRows(adjustments, 'i', {
    id: (a) => a.id,
    payment_id: (a) => a.paymentId,
    connector_id: (a) => a.connectorId,
    reference: (a) => a.reference,
    created_at: (a) => a.createdAt,
    status: (a) => a.status,
    amount: (a) => a.amount,
    asset: (a) => a.asset,
    metadata: (a) => stringifyJson(a.metadata),
    raw: (a) => stringifyJson(a.raw),
  });
  const inserted = await sql<{ id: string; payment_id: string; raw: unknown } & Omit<StoredPaymentRow, 'id'>>`
    WITH inserted AS (
      INSERT INTO payment_adjustments (id, payment_id, connector_id, reference, created_at, status, amount, asset, metadata, raw)
      SELECT id, payment_id, connector_id, reference, created_at::timestamptz, status, amount::numeric, asset,
        metadata::jsonb, raw::jsonb
      FROM ${input}
      ON CONFLICT (id, connector_id) DO NOTHING
      RETURNING id, payment_id, reference, created_at, status, amount, sort_id, raw
    ), newest AS (
      SELECT DISTINCT ON (payment_id) payment_id, created_at, status
      FROM inserted ORDER BY payment_id, created_at DESC, sort_id DESC
    ), moves_money AS (
      -- A PSP that reports state (not events) shows a refund again whenever it touches the record: only
      -- the first observation of a (record, status) moves money. The lookup is a LATERAL … LIMIT 1 so
      -- that it probes the payment's index per inserted row: as a NOT EXISTS the planner hashed the whole
      -- adjustments table on every batch (the cost of a batch grew with the table).
      SELECT DISTINCT ON (i.payment_id, i.reference, i.status) i.id FROM inserted i
      LEFT JOIN LATERAL (SELECT 1 AS seen FROM payment_adjustments pa
        WHERE pa.payment_id = i.payment_id AND pa.reference = i.reference AND pa.status = i.status
        LIMIT 1) earlier ON true
      WHERE earlier.seen IS NULL
      ORDER BY i.payment_id, i.reference, i.status, i.created_at, i.sort_id
    ), effect AS (
      SELECT i.payment_id,
        COALESCE(SUM(CASE WHEN m.id IS NULL THEN 0
                          WHEN i.status = 'REFUNDED' THEN -i.amount
                          WHEN i.status IN ('CAPTURE', 'REFUND_REVERSED') THEN i.amount ELSE 0 END), 0) AS delta,
        (array_agg(i.amount ORDER BY i.created_at DESC, i.sort_id DESC)
          FILTER (WHERE i.status = 'AMOUNT_ADJUSTEMENT' AND i.amount IS NOT NULL))[1] AS new_initial
      FROM inserted i LEFT JOIN moves_money m ON m.id = i.id GROUP BY i.payment_id
    ), updated AS (
      UPDATE payments p SET
      amount = p.amount + e.delta,
      initial_amount = COALESCE(e.new_initial, p.initial_amount),
      status = CASE WHEN n.created_at >= p.status_at THEN n.status ELSE p.status END,
      status_at = GREATEST(p.status_at, n.created_at),
      updated_at = now()
    FROM newest n JOIN effect e ON e.payment_id = n.payment_id
    WHERE p.id = n.payment_id
      -- A payment's first adjustment usually changes nothing: skip rewriting the row (and its indexes).
      AND (e.delta <> 0 OR e.new_initial IS DISTINCT FROM NULL AND e.new_initial <> p.initial_amount
        OR n.created_at > p.status_at OR (n.created_at = p.status_at AND n.status <> p.status))
      RETURNING p.id, p.status, p.amount, p.initial_amount, p.updated_at
    )
    -- Each inserted adjustment with its payment as stored at the end: this statement's update when it
    -- made one, otherwise the row as the statements before it left it (visible to this one).
    SELECT i.id, i.payment_id, i.raw, p.connector_id, p.reference, p.created_at, p.type,
      COALESCE(u.status, p.status) AS status, p.scheme, p.asset,
      COALESCE(u.initial_amount, p.initial_amount) AS initial_amount, COALESCE(u.amount, p.amount) AS amount,
      p.source_account_id, p.destination_account_id, p.metadata, COALESCE(u.updated_at, p.updated_at) AS updated_at
    FROM inserted i
    -- LATERAL … LIMIT 1: one primary-key probe per row, never a scan of the table.
    JOIN LATERAL (SELECT * FROM payments WHERE payments.id = i.payment_id LIMIT 1) p ON true
    LEFT JOIN updated u ON u.id = i.payment_id
    ORDER BY i.sort_id`.execute(db);
  const final = new Map<string, StoredPaymentRow>();
  for (const { id, payment_id, raw, ...rest } of inserted.rows) {
    let payment = final.get(payment_id);
    if (!payment) {
      payment = { id: payment_id, ...rest };
      final.set(payment_id, payment);
    }
    changes.insertedAdjustments.push({ id, payment_id, raw, payment });
  }
  // A payment whose fields changed and that got an adjustment is described as it ends up.
  changes.changedPayments = changes.changedPayments.map((row) => final.get(row.id) ?? row);
  return changes;
}

/** Deletes a connector's payments (and their adjustments) by PSP reference; returns the deleted ids. */
export async function deletePaymentsByReference(
  db: Db,
  connectorId: string,
  references: string[],
): Promise<string[]> {
  if (references.length === 0) return [];
  const deleted = await db
    .deleteFrom('payments')
    .where('connector_id', '=', connectorId)
    .where('reference', 'in', references)
    .returning('id')
    .execute();
  return deleted.map((row) => row.id);
}

/** Payments as stored (after a batch derived their status and amounts), for the events that describe them. */
export function storedPayments(db: Db, ids: string[]) {
  return db
    .selectFrom('payments')
    .select([
      'id',
      'connector_id',
      'reference',
      'created_at',
      'type',
      'status',
      'scheme',
      'asset',
      'initial_amount',
      'amount',
      'source_account_id',
      'destination_account_id',
      'metadata',
      'updated_at',
    ])
    .where('id', 'in', ids)
    .execute();
}

export function paymentsQuery(db: Db) {
  return db
    .selectFrom('payments')
    .innerJoin('connectors', 'connectors.id', 'payments.connector_id')
    .select([
      'payments.id',
      'payments.connector_id',
      'payments.reference',
      'payments.type',
      'payments.created_at',
      'payments.initial_amount',
      'payments.amount',
      'payments.asset',
      'payments.scheme',
      'payments.status',
      'payments.source_account_id',
      'payments.destination_account_id',
      'payments.metadata',
      'payments.sort_id',
      'connectors.provider',
    ]);
}
export type PaymentRow = Awaited<ReturnType<ReturnType<typeof paymentsQuery>['executeTakeFirstOrThrow']>>;

export function adjustmentsOf(db: Db, paymentId: string) {
  return db
    .selectFrom('payment_adjustments')
    .select(['id', 'reference', 'created_at', 'status', 'amount', 'asset', 'metadata', 'raw'])
    .where('payment_id', '=', paymentId)
    .orderBy('created_at', 'desc')
    .orderBy('sort_id', 'desc')
    .execute();
}
