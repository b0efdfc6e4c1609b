// Payment initiations: rows, guarded status changes with their adjustment, related payments and reversals.
import { sql } from 'kysely';
import type { PaymentInitiationStatus } from '../domain/enums.js';
import {
  connectorIdCodec,
  paymentInitiationAdjustmentIdCodec,
  paymentInitiationIdCodec,
} from '../domain/ids.js';
import { stringifyJson } from '../domain/json.js';
import type { Db } from './db.js';

export function initiationsQuery(db: Db) {
  return db.selectFrom('payment_initiations').selectAll();
}
export type InitiationRow = Awaited<
  ReturnType<ReturnType<typeof initiationsQuery>['executeTakeFirstOrThrow']>
>;

export function findInitiation(db: Db, id: string): Promise<InitiationRow | undefined> {
  return initiationsQuery(db).where('id', '=', id).executeTakeFirst();
}

export interface InitiationInsert {
  id: string;
  connectorId: string;
  reference: string;
  scheduledAt: string | null;
  description: string;
  type: string;
  sourceAccountId: string | null;
  destinationAccountId: string | null;
  amount: bigint;
  asset: string;
  metadata: Record<string, string>;
  status: PaymentInitiationStatus;
}

export async function insertInitiation(db: Db, pi: InitiationInsert): Promise<InitiationRow> {
  return db
    .insertInto('payment_initiations')
    .values({
      id: pi.id,
      connector_id: pi.connectorId,
      reference: pi.reference,
      scheduled_at: pi.scheduledAt,
      description: pi.description,
      type: pi.type,
      source_account_id: pi.sourceAccountId,
      destination_account_id: pi.destinationAccountId,
      amount: pi.amount,
      asset: pi.asset,
      metadata: stringifyJson(pi.metadata),
      status: pi.status,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface AdjustmentInsert {
  status: PaymentInitiationStatus;
  amount?: bigint | null;
  asset?: string | null;
  error?: string | null;
  metadata?: Record<string, string>;
}

export async function insertInitiationAdjustment(db: Db, initiationId: string, adjustment: AdjustmentInsert) {
  const createdAt = new Date().toISOString();
  return db
    .insertInto('payment_initiation_adjustments')
    .values({
      id: paymentInitiationAdjustmentIdCodec.encode(initiationId, createdAt, adjustment.status),
      payment_initiation_id: initiationId,
      connector_id: connectorOfInitiation(initiationId),
      created_at: createdAt,
      status: adjustment.status,
      amount: adjustment.amount ?? null,
      asset: adjustment.asset ?? null,
      error: adjustment.error ?? null,
      metadata: stringifyJson(adjustment.metadata ?? {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
export type InitiationAdjustmentRow = Awaited<ReturnType<typeof insertInitiationAdjustment>>;

/** Columns a transition may set besides the status (the worker's bookkeeping). */
export type InitiationChanges = Partial<
  Pick<
    InitiationRow,
    | 'error'
    | 'attempt'
    | 'task_id'
    | 'polling_id'
    | 'tries'
    | 'deadline_at'
    | 'next_run_at'
    | 'lease_until'
    | 'lease_token'
    | 'reversal_id'
  > & { reversed_amount: string }
>;

/**
 * The only way an initiation's status changes: `UPDATE … WHERE status IN (from)`, so of two concurrent
 * callers exactly one gets the row back. `leaseToken`, when given, also requires the caller to still hold
 * the worker lease. Returns the updated row, or undefined when the guard did not hold.
 */
export async function guardedUpdate(
  db: Db,
  id: string,
  guard: { from: readonly PaymentInitiationStatus[]; leaseToken?: string; attempt?: number },
  status: PaymentInitiationStatus,
  changes: InitiationChanges = {},
): Promise<InitiationRow | undefined> {
  let query = db
    .updateTable('payment_initiations')
    .set({ ...changes, status, updated_at: sql<string>`now()` })
    .where('id', '=', id)
    .where('status', 'in', [...guard.from]);
  if (guard.leaseToken !== undefined) query = query.where('lease_token', '=', guard.leaseToken);
  if (guard.attempt !== undefined) query = query.where('attempt', '=', guard.attempt);
  return query.returningAll().executeTakeFirst();
}

/** Links a payment to an initiation; true when the link is new. */
export async function linkPayment(db: Db, initiationId: string, paymentId: string): Promise<boolean> {
  const inserted = await db
    .insertInto('payment_initiation_related_payments')
    .values({
      payment_initiation_id: initiationId,
      payment_id: paymentId,
      connector_id: connectorOfInitiation(initiationId),
    })
    .onConflict((oc) => oc.doNothing())
    .returning('payment_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export interface LinkedPayment {
  payment_initiation_id: string;
  payment_id: string;
  /** The payment's current status, as its adjustments derived it. */
  payment_status: string;
  payment_asset: string;
  /** Whether this call created the link. */
  created: boolean;
}

/**
 * The initiations the given payments belong to. A payment whose PSP reference is the polling id an
 * initiation is waiting on gets linked to it here, so a payment fetched by polling (or pushed by a
 * webhook) completes the initiation that produced it. One statement whatever the number of payments.
 */
export async function linkedInitiations(db: Db, paymentIds: string[]): Promise<LinkedPayment[]> {
  if (paymentIds.length === 0) return [];
  const result = await sql<LinkedPayment>`
    WITH touched AS (
      SELECT id, connector_id, reference, status, asset FROM payments WHERE id = ANY(${paymentIds}::text[])
    ), matched AS (
      INSERT INTO payment_initiation_related_payments (payment_initiation_id, payment_id, connector_id)
      SELECT pi.id, t.id, t.connector_id FROM touched t
      JOIN payment_initiations pi ON pi.connector_id = t.connector_id AND pi.polling_id = t.reference
      ON CONFLICT DO NOTHING
      RETURNING payment_initiation_id, payment_id
    )
    SELECT m.payment_initiation_id, t.id AS payment_id, t.status AS payment_status, t.asset AS payment_asset,
      true AS created
    FROM matched m JOIN touched t ON t.id = m.payment_id
    UNION ALL
    SELECT r.payment_initiation_id, t.id, t.status, t.asset, false
    FROM payment_initiation_related_payments r JOIN touched t ON t.id = r.payment_id`.execute(db);
  return result.rows;
}

export function adjustmentsOf(db: Db, initiationId: string) {
  return db
    .selectFrom('payment_initiation_adjustments')
    .selectAll()
    .where('payment_initiation_id', '=', initiationId);
}

export function relatedPaymentIds(db: Db, initiationId: string) {
  return db
    .selectFrom('payment_initiation_related_payments')
    .select(['payment_id', 'created_at', 'sort_id'])
    .where('payment_initiation_id', '=', initiationId);
}

export function findReversal(db: Db, id: string) {
  return db.selectFrom('payment_initiation_reversals').selectAll().where('id', '=', id).executeTakeFirst();
}
export type ReversalRow = NonNullable<Awaited<ReturnType<typeof findReversal>>>;

/** The connector_id column of an initiation's child rows (the id encodes its connector; the keys include it). */
function connectorOfInitiation(initiationId: string): string {
  return connectorIdCodec.encode(paymentInitiationIdCodec.decode(initiationId).connectorId);
}
