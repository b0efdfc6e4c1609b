// Payment initiations: rows, guarded status changes with their adjustment, related payments and reversals.
import { sql } from 'kysely';
import type { PaymentInitiationStatus } from '../domain/enums.js';
import { paymentInitiationAdjustmentIdCodec } from '../domain/ids.js';
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
    .values({ payment_initiation_id: initiationId, payment_id: paymentId })
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
  /** The initiation as it is now (read by the same statement, so following a page costs no read per link). */
  initiation: InitiationRow;
}

/**
 * The initiations the given payments belong to, each with its current row. A payment whose PSP
 * reference is the polling id an initiation is waiting on gets linked to it here, so a payment fetched
 * by polling (or pushed by a webhook) finds the initiation that produced it. One statement for the
 * whole batch; new links come first.
 */
export async function linkedInitiations(db: Db, paymentIds: string[]): Promise<LinkedPayment[]> {
  if (paymentIds.length === 0) return [];
  const result = await sql<
    InitiationRow & {
      link_payment_id: string;
      link_payment_status: string;
      link_payment_asset: string;
      link_created: boolean;
    }
  >`
    WITH touched AS (
      SELECT id, connector_id, reference, status, asset FROM payments WHERE id = ANY(${paymentIds}::text[])
    ), matched AS (
      INSERT INTO payment_initiation_related_payments (payment_initiation_id, payment_id)
      SELECT pi.id, t.id FROM touched t
      JOIN payment_initiations pi ON pi.connector_id = t.connector_id AND pi.polling_id = t.reference
      ON CONFLICT DO NOTHING
      RETURNING payment_initiation_id, payment_id
    ), links AS (
      SELECT payment_initiation_id, payment_id, true AS created FROM matched
      UNION ALL
      SELECT r.payment_initiation_id, r.payment_id, false FROM payment_initiation_related_payments r
      WHERE r.payment_id = ANY(${paymentIds}::text[])
    )
    SELECT pi.*, t.id AS link_payment_id, t.status AS link_payment_status, t.asset AS link_payment_asset,
      l.created AS link_created
    FROM links l JOIN touched t ON t.id = l.payment_id JOIN payment_initiations pi ON pi.id = l.payment_initiation_id
    ORDER BY l.created DESC`.execute(db);
  return result.rows.map(
    ({ link_payment_id, link_payment_status, link_payment_asset, link_created, ...row }) => ({
      payment_initiation_id: row.id,
      payment_id: link_payment_id,
      payment_status: link_payment_status,
      payment_asset: link_payment_asset,
      created: link_created,
      initiation: row,
    }),
  );
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
