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
import { finishTask } from './tasks.js';

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
      INSERT INTO payment_initiation_related_payments (payment_initiation_id, payment_id, connector_id)
      SELECT pi.id, t.id, t.connector_id FROM touched t
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

/** Statuses in which the worker still owes an initiation a step (a PSP call or a poll). */
const ACTIVE = sql`('SCHEDULED_FOR_PROCESSING', 'PROCESSING', 'REVERSE_PROCESSING')`;

/** A step claimed by a worker: the initiation, its lease token, and what opening its connector needs. */
export interface ClaimedInitiation {
  row: InitiationRow;
  token: string;
  /** The lease was taken over from a worker that let it expire (it died, or lost the database). */
  takenOver: boolean;
  calls_per_second: number | null;
  provider: string;
  config_encrypted: string;
}

type ClaimRow = InitiationRow & {
  taken_over: boolean;
  calls_per_second: number | null;
  provider: string;
  config_encrypted: string;
  next_due_ms: number | null;
};

/**
 * The payment-initiation table is the queue: claims up to `limit` due steps and takes their leases in one
 * statement (FOR UPDATE SKIP LOCKED, so two workers never take one step). A step whose lease expired is due
 * again. Steps of a connector being removed wait. Also says how long until the next step falls due.
 */
export async function claimDueInitiations(
  db: Db,
  limit: number,
  leaseMs: number,
  token: string,
): Promise<{ steps: ClaimedInitiation[]; nextDueInMs?: number }> {
  const result = await sql<ClaimRow>`
    WITH due AS (
      SELECT pi.id, pi.lease_until IS NOT NULL AS taken_over
      FROM payment_initiations pi
      JOIN connectors c ON c.id = pi.connector_id AND NOT c.scheduled_for_deletion
      WHERE pi.next_run_at <= now() AND pi.status IN ${ACTIVE}
        AND (pi.lease_until IS NULL OR pi.lease_until < now())
      ORDER BY pi.next_run_at LIMIT ${limit}
      FOR UPDATE OF pi SKIP LOCKED
    ), claimed AS (
      UPDATE payment_initiations pi
      SET lease_until = now() + ${`${leaseMs} milliseconds`}::interval, lease_token = ${token}
      FROM due, connectors c
      WHERE pi.id = due.id AND c.id = pi.connector_id
      RETURNING pi.*, due.taken_over, c.calls_per_second, c.provider, c.config_encrypted
    )
    SELECT claimed.*, (
      SELECT (extract(epoch FROM min(GREATEST(next_run_at, lease_until)) - now()) * 1000)::float8
      FROM payment_initiations
      WHERE next_run_at IS NOT NULL AND status IN ${ACTIVE} AND GREATEST(next_run_at, lease_until) > now()
    ) AS next_due_ms
    FROM (VALUES (1)) AS one (x) LEFT JOIN claimed ON true`.execute(db);
  const nextDue = result.rows[0]?.next_due_ms;
  const steps = result.rows
    .filter((r) => r.id !== null)
    .map(({ taken_over, calls_per_second, provider, config_encrypted, next_due_ms: _, ...row }) => ({
      row: row as InitiationRow,
      token,
      takenOver: taken_over,
      calls_per_second,
      provider,
      config_encrypted,
    }));
  return { steps, ...(nextDue === null || nextDue === undefined ? {} : { nextDueInMs: Number(nextDue) }) };
}

/** Writes the step's bookkeeping and drops its lease, if `token` still holds it. */
export async function releaseInitiation(
  db: Db,
  id: string,
  token: string,
  changes: InitiationChanges,
): Promise<boolean> {
  const updated = await db
    .updateTable('payment_initiations')
    .set({ ...changes, lease_until: null, lease_token: null, updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('lease_token', '=', token)
    .returning('id')
    .executeTakeFirst();
  return updated !== undefined;
}

/** Makes an abandoned step due now again (a retry of the same attempt); false when it was not abandoned. */
export async function resumeStep(db: Db, id: string, changes: InitiationChanges): Promise<boolean> {
  const now = new Date().toISOString();
  const updated = await db
    .updateTable('payment_initiations')
    .set({ ...changes, next_run_at: now, updated_at: now })
    .where('id', '=', id)
    .where('next_run_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return updated !== undefined;
}

/**
 * Says on a task still PROCESSING what its step is waiting for (its `error`, the one free-text field of a
 * v3 Task); finishing the task overwrites it. A task already finished is left alone.
 */
export async function noteRunningTask(db: Db, taskId: string, note: string): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ error: note, updated_at: new Date().toISOString() })
    .where('id', '=', taskId)
    .where('status', '=', 'PROCESSING')
    .execute();
}

/** Reads the row under a lock (the API's actions; the guarded update still decides). */
export function lockInitiation(db: Db, id: string): Promise<InitiationRow | undefined> {
  return initiationsQuery(db).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** The accounts an initiation names, as the connector sees them. */
export function initiationAccounts(db: Db, ids: string[]) {
  return db
    .selectFrom('accounts')
    .select(['id', 'connector_id', 'reference', 'created_at', 'name', 'default_asset', 'metadata', 'raw'])
    .where('id', 'in', ids.length > 0 ? ids : [''])
    .execute();
}

/** A stored payment's current status. */
export async function paymentStatus(db: Db, paymentId: string): Promise<string> {
  const row = await db
    .selectFrom('payments')
    .select('status')
    .where('id', '=', paymentId)
    .executeTakeFirstOrThrow();
  return row.status;
}

export interface ReversalInsert {
  id: string;
  initiationId: string;
  connectorId: string;
  reference: string;
  description: string;
  amount: bigint;
  asset: string;
  metadata: Record<string, string>;
  taskId: string;
}

export async function insertReversal(db: Db, r: ReversalInsert): Promise<void> {
  await db
    .insertInto('payment_initiation_reversals')
    .values({
      id: r.id,
      payment_initiation_id: r.initiationId,
      connector_id: r.connectorId,
      reference: r.reference,
      description: r.description,
      amount: r.amount,
      asset: r.asset,
      metadata: stringifyJson(r.metadata),
      status: 'PROCESSING',
      task_id: r.taskId,
    })
    .execute();
}

/** Records a reversal's outcome and finishes its task, in the caller's transaction. */
export async function finishReversal(
  db: Db,
  reversal: ReversalRow,
  status: 'PROCESSED' | 'FAILED',
  createdObjectId?: string,
  error?: string,
): Promise<void> {
  await db
    .updateTable('payment_initiation_reversals')
    .set({ status, error: error ?? null, updated_at: new Date().toISOString() })
    .where('id', '=', reversal.id)
    .execute();
  await finishTask(db, reversal.task_id, {
    status: status === 'PROCESSED' ? 'SUCCEEDED' : 'FAILED',
    ...(createdObjectId ? { createdObjectId } : {}),
    ...(error ? { error } : {}),
  });
}

/** Deletes an initiation nobody approved yet (nothing was sent for it); false when it is not waiting. */
export async function deleteWaitingInitiation(db: Db, id: string): Promise<boolean> {
  const deleted = await db
    .deleteFrom('payment_initiations')
    .where('id', '=', id)
    .where('status', '=', 'WAITING_FOR_VALIDATION')
    .returning('id')
    .executeTakeFirst();
  return deleted !== undefined;
}

/** The connector_id column of an initiation's child rows (the id encodes its connector; the keys include it). */
function connectorOfInitiation(initiationId: string): string {
  return connectorIdCodec.encode(paymentInitiationIdCodec.decode(initiationId).connectorId);
}
