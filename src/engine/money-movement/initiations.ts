// Payment initiations as a state machine: the API's actions (initiate, approve, reject, delete, retry,
// reverse) and the payment-driven updates, each a guarded transition that writes its adjustment and events
// in the transaction that changes the status.
import { taskIdCodec, connectorIdCodec, paymentInitiationIdCodec } from '../../domain/ids.js';
import type { PaymentInitiationStatus, PaymentInitiationType } from '../../domain/enums.js';
import {
  type OutboxEvent,
  savedPaymentInitiation,
  savedPaymentInitiationAdjustment,
  savedPaymentInitiationRelatedPayment,
} from '../../events/events.js';
import { recordEvents } from '../../events/outbox.js';
import type { Db } from '../../storage/db.js';
import {
  type AdjustmentInsert,
  guardedUpdate,
  type InitiationChanges,
  type InitiationRow,
  insertInitiation,
  insertInitiationAdjustment,
  insertReversal,
  initiationAccounts,
  linkedInitiations,
  lockInitiation,
  findReversal,
  resumeStep,
  deleteWaitingInitiation,
} from '../../storage/payment-initiations.js';
import { signalWork } from '../execution/wakeups.js';
import { createTask, finishTask } from '../../storage/tasks.js';
import { requireCapability } from '../lifecycle/connectors.js';
import type { EngineDeps } from '../deps.js';
import {
  ConflictError,
  InvalidTransitionError,
  isUniqueViolation,
  NotFoundError,
  ValidationError,
} from '../../domain/errors.js';

/** What each payment status means for the initiation that produced the payment. */
const STATUS_FROM_PAYMENT: Partial<Record<string, PaymentInitiationStatus>> = {
  SUCCEEDED: 'PROCESSED',
  CAPTURE: 'PROCESSED',
  REFUND_REVERSED: 'PROCESSED',
  DISPUTE_WON: 'PROCESSED',
  CANCELLED: 'FAILED',
  CAPTURE_FAILED: 'FAILED',
  FAILED: 'FAILED',
  EXPIRED: 'FAILED',
  DISPUTE_LOST: 'FAILED',
  PENDING: 'PROCESSING',
  AUTHORISATION: 'PROCESSING',
  REFUNDED: 'REVERSED',
  REFUNDED_FAILURE: 'REVERSE_FAILED',
};

export function initiationStatusFromPayment(paymentStatus: string): PaymentInitiationStatus | undefined {
  return STATUS_FROM_PAYMENT[paymentStatus];
}

/**
 * The statuses a payment observed at the PSP may move an initiation out of. An initiation waiting for
 * approval, scheduled, rejected, or with a reversal in flight belongs to its own step, not to the PSP.
 */
const PAYMENT_DRIVEN: readonly PaymentInitiationStatus[] = [
  'PROCESSING',
  'PROCESSED',
  'FAILED',
  'REVERSED',
  'REVERSE_FAILED',
];
/** Once an attempt reaches one of these, the worker has nothing left to do for it. */
const SETTLED: readonly PaymentInitiationStatus[] = ['PROCESSED', 'FAILED', 'REVERSED', 'REVERSE_FAILED'];
/** Clears the worker's bookkeeping for a step that is over. */
export const STEP_DONE: InitiationChanges = {
  next_run_at: null,
  lease_until: null,
  lease_token: null,
  tries: 0,
  deadline_at: null,
};

/** Collects the events of one transaction and records them at the end. */
export class Transition {
  readonly events: OutboxEvent[] = [];
  constructor(readonly trx: Db) {}

  /** Guarded status change plus its adjustment; undefined (and nothing written) when the guard fails. */
  async to(
    id: string,
    guard: Parameters<typeof guardedUpdate>[2],
    status: PaymentInitiationStatus,
    changes: InitiationChanges = {},
    adjustment: Omit<AdjustmentInsert, 'status'> = {},
  ): Promise<InitiationRow | undefined> {
    const row = await guardedUpdate(this.trx, id, guard, status, changes);
    if (row) await this.adjust(row, { ...adjustment, status });
    return row;
  }

  async adjust(row: InitiationRow, adjustment: AdjustmentInsert): Promise<void> {
    const inserted = await insertInitiationAdjustment(this.trx, row.id, adjustment);
    this.events.push(savedPaymentInitiationAdjustment(inserted, row.connector_id));
  }

  relatedPayment(row: { id: string; connector_id: string }, paymentId: string): void {
    this.events.push(savedPaymentInitiationRelatedPayment(row.id, paymentId, row.connector_id));
  }

  async commit(): Promise<void> {
    await recordEvents(this.trx, this.events);
  }
}

async function inTransition<T>(db: Db, body: (t: Transition) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const t = new Transition(trx);
    const result = await body(t);
    await t.commit();
    return result;
  });
}

export interface InitiationEntry {
  reference: string;
  connectorID: string;
  type: PaymentInitiationType;
  amount: bigint;
  asset: string;
  description: string;
  sourceAccountID?: string;
  destinationAccountID: string;
  /** Undefined: process as soon as approved. */
  scheduledAt?: Date;
  metadata: Record<string, string>;
}

const CAPABILITY = { TRANSFER: 'CREATE_TRANSFER', PAYOUT: 'CREATE_PAYOUT' } as const;

async function checkAccount(db: Db, accountId: string | undefined, connectorId: string, field: string) {
  if (accountId === undefined) return;
  const [row] = await initiationAccounts(db, [accountId]);
  if (!row) throw new ValidationError(`${field}: account not found`);
  if (row.connector_id !== connectorId)
    throw new ValidationError(`${field}: account belongs to another connector`);
}

/**
 * Records a new initiation, WAITING_FOR_VALIDATION. With `noValidation` it is approved in the same
 * transaction. Returns its id and the task of the attempt ("" when none started).
 */
export async function initiatePayment(
  deps: EngineDeps,
  entry: InitiationEntry,
  options: { noValidation: boolean },
): Promise<{ id: string; taskId: string }> {
  if (entry.type === 'UNKNOWN') throw new ValidationError('type must be TRANSFER or PAYOUT');
  const connector = await requireCapability(deps.db, entry.connectorID, CAPABILITY[entry.type]);
  await checkAccount(deps.db, entry.sourceAccountID, entry.connectorID, 'sourceAccountID');
  await checkAccount(deps.db, entry.destinationAccountID, entry.connectorID, 'destinationAccountID');
  const id = paymentInitiationIdCodec.encode(connector, entry.reference);
  try {
    return await inTransition(deps.db, async (t) => {
      const row = await insertInitiation(t.trx, {
        id,
        connectorId: entry.connectorID,
        reference: entry.reference,
        scheduledAt: entry.scheduledAt?.toISOString() ?? null,
        description: entry.description,
        type: entry.type,
        sourceAccountId: entry.sourceAccountID ?? null,
        destinationAccountId: entry.destinationAccountID,
        amount: entry.amount,
        asset: entry.asset,
        metadata: entry.metadata,
        status: 'WAITING_FOR_VALIDATION',
      });
      t.events.push(savedPaymentInitiation(row));
      await t.adjust(row, { status: 'WAITING_FOR_VALIDATION' });
      const taskId = options.noValidation ? await startAttempt(deps, t, row, 'WAITING_FOR_VALIDATION') : '';
      return { id, taskId };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError(`a payment initiation with reference ${entry.reference} already exists`);
    }
    throw error;
  }
}

/** Reads the row under a lock for a clear refusal message; the guarded update still decides. */
async function lockedInitiation(trx: Db, id: string): Promise<InitiationRow> {
  const row = await lockInitiation(trx, id);
  if (!row) throw new NotFoundError('payment initiation not found');
  return row;
}

function refuse(row: InitiationRow, action: string, expected: string): never {
  throw new InvalidTransitionError(
    `cannot ${action} payment initiation: its status is ${row.status}, not ${expected}`,
  );
}

function attemptTaskId(row: InitiationRow, attempt: number): string {
  const connector = connectorIdCodec.decode(row.connector_id);
  return taskIdCodec.encode(connector, `create-${row.type.toLowerCase()}-${attempt}-${row.id}`);
}

/**
 * Starts a new attempt (approval or retry): a new task, a new idempotency key (it derives from the
 * attempt number), and the step due at the scheduled time or now, with the workers signalled (a worker
 * sleeping until a later step learns of this one).
 */
async function startAttempt(
  deps: EngineDeps,
  t: Transition,
  row: InitiationRow,
  from: PaymentInitiationStatus,
): Promise<string> {
  const attempt = row.attempt + 1;
  const taskId = attemptTaskId(row, attempt);
  const scheduledAt = row.scheduled_at ? new Date(row.scheduled_at) : undefined;
  const later = scheduledAt !== undefined && scheduledAt.getTime() > Date.now();
  const runAt = later ? scheduledAt : new Date();
  const moved = await t.to(
    row.id,
    { from: [from] },
    later ? 'SCHEDULED_FOR_PROCESSING' : 'PROCESSING',
    {
      ...STEP_DONE,
      attempt,
      task_id: taskId,
      polling_id: null,
      error: null,
      next_run_at: runAt.toISOString(),
    },
    later ? { metadata: { scheduledAt: scheduledAt.toISOString() } } : {},
  );
  if (!moved) refuse(row, 'start', from);
  await createTask(t.trx, { id: taskId, connectorId: row.connector_id });
  await signalWork(t.trx, 'movements');
  return taskId;
}

export function approveInitiation(deps: EngineDeps, id: string): Promise<string> {
  return inTransition(deps.db, async (t) => {
    const row = await lockedInitiation(t.trx, id);
    if (row.status !== 'WAITING_FOR_VALIDATION') refuse(row, 'approve', 'WAITING_FOR_VALIDATION');
    return startAttempt(deps, t, row, 'WAITING_FOR_VALIDATION');
  });
}

/**
 * After a failure: a new attempt, with a new idempotency key. After a step that gave up on an unknown
 * outcome at its deadline: the same attempt again, with the same key, so the PSP cannot act twice.
 */
export function retryInitiation(deps: EngineDeps, id: string): Promise<string> {
  return inTransition(deps.db, async (t) => {
    const row = await lockedInitiation(t.trx, id);
    if (row.status === 'FAILED') return startAttempt(deps, t, row, 'FAILED');
    const abandoned =
      (row.status === 'PROCESSING' || row.status === 'REVERSE_PROCESSING') && !row.next_run_at;
    if (!abandoned) refuse(row, 'retry', 'FAILED');
    const taskId =
      row.status === 'REVERSE_PROCESSING' && row.reversal_id
        ? (await findReversal(t.trx, row.reversal_id))?.task_id
        : row.task_id;
    if (!taskId) refuse(row, 'retry', 'FAILED');
    await resumeStep(t.trx, id, STEP_DONE);
    await createTask(t.trx, { id: taskId, connectorId: row.connector_id });
    await signalWork(t.trx, 'movements');
    return taskId;
  });
}

export function rejectInitiation(deps: EngineDeps, id: string): Promise<void> {
  return inTransition(deps.db, async (t) => {
    const row = await lockedInitiation(t.trx, id);
    const moved = await t.to(id, { from: ['WAITING_FOR_VALIDATION'] }, 'REJECTED');
    if (!moved) refuse(row, 'reject', 'WAITING_FOR_VALIDATION');
  });
}

/** Only an initiation nobody approved yet can be deleted; nothing was sent for it. */
export async function deleteInitiation(deps: EngineDeps, id: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const row = await lockedInitiation(trx, id);
    if (!(await deleteWaitingInitiation(trx, id))) refuse(row, 'delete', 'WAITING_FOR_VALIDATION');
  });
}

export interface ReversalEntry {
  reference: string;
  amount: bigint;
  asset: string;
  description: string;
  metadata: Record<string, string>;
}

/** Statuses from which money that reached the PSP can be sent back. */
const REVERSIBLE: readonly PaymentInitiationStatus[] = ['PROCESSED', 'REVERSED', 'REVERSE_FAILED'];

/**
 * Reverses all or part of a processed initiation. The amount not yet reversed is checked and the
 * status moved to REVERSE_PROCESSING under the row lock, so two reversals can never together exceed it.
 */
export function reverseInitiation(
  deps: EngineDeps,
  id: string,
  entry: ReversalEntry,
): Promise<{ reversalId: string; taskId: string }> {
  return inTransition(deps.db, async (t) => {
    const row = await lockedInitiation(t.trx, id);
    if (entry.asset !== row.asset) {
      throw new ValidationError(`asset ${entry.asset} does not match the payment initiation's ${row.asset}`);
    }
    if (!REVERSIBLE.includes(row.status as PaymentInitiationStatus)) {
      refuse(row, 'reverse', 'PROCESSED');
    }
    const left = BigInt(row.amount) - BigInt(row.reversed_amount);
    if (entry.amount > left) {
      throw new ValidationError(`amount ${entry.amount} exceeds the ${left} not yet reversed`);
    }
    const connector = connectorIdCodec.decode(row.connector_id);
    const reversalId = paymentInitiationIdCodec.encode(connector, entry.reference);
    const taskId = taskIdCodec.encode(connector, `reverse-${row.type.toLowerCase()}-${reversalId}`);
    try {
      await insertReversal(t.trx, {
        id: reversalId,
        initiationId: id,
        connectorId: row.connector_id,
        reference: entry.reference,
        description: entry.description,
        amount: entry.amount,
        asset: entry.asset,
        metadata: entry.metadata,
        taskId,
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(`a reversal with reference ${entry.reference} already exists`);
      }
      throw error;
    }
    const moved = await t.to(
      id,
      { from: REVERSIBLE },
      'REVERSE_PROCESSING',
      { ...STEP_DONE, reversal_id: reversalId, error: null, next_run_at: new Date().toISOString() },
      { amount: entry.amount, asset: entry.asset, metadata: entry.metadata },
    );
    if (!moved) refuse(row, 'reverse', 'PROCESSED');
    await createTask(t.trx, { id: taskId, connectorId: row.connector_id });
    await signalWork(t.trx, 'movements');
    return { reversalId, taskId };
  });
}

/**
 * Brings the initiations of these payments up to date with what the PSP says about them. Runs inside
 * every transaction that stores payments (polling pages, the API, webhooks), so whichever path brings
 * the news first, the initiation follows. A payment whose reference is the id an initiation polls gets
 * linked to it here. One statement reads (and links) every initiation concerned, with its row; only an
 * initiation that actually moves costs statements of its own (its guarded update and adjustment).
 */
export async function followPayments(t: Transition, paymentIds: string[]): Promise<void> {
  // An initiation linked to several of these payments moves once per payment, each from where the
  // previous one left it.
  const current = new Map<string, InitiationRow>();
  for (const link of await linkedInitiations(t.trx, paymentIds)) {
    const row = current.get(link.payment_initiation_id) ?? link.initiation;
    if (link.created) t.relatedPayment(row, link.payment_id);
    const moved = await applyPaymentStatus(t, row, { id: link.payment_id, status: link.payment_status });
    current.set(row.id, moved ?? row);
  }
}

/**
 * Moves an initiation to what its payment's status means, unless it already is there or belongs to a
 * step of its own. Settling an attempt ends its polling and finishes its task.
 */
export async function applyPaymentStatus(
  t: Transition,
  row: InitiationRow,
  payment: { id: string; status: string },
  extra: { leaseToken?: string } = {},
): Promise<InitiationRow | undefined> {
  const paymentStatus = payment.status;
  const status = initiationStatusFromPayment(paymentStatus);
  if (!status || status === row.status) return undefined;
  const settles = SETTLED.includes(status);
  const from = PAYMENT_DRIVEN.filter((s) => s !== status);
  const error =
    status === 'FAILED' ? `the PSP reported the ${row.type.toLowerCase()} ${paymentStatus}` : null;
  const moved = await t.to(
    row.id,
    { from, ...(extra.leaseToken ? { leaseToken: extra.leaseToken } : {}) },
    status,
    settles ? { ...STEP_DONE, error } : { error },
    error ? { error } : {},
  );
  if (moved && settles && row.status === 'PROCESSING' && row.task_id) {
    await finishTask(t.trx, row.task_id, {
      status: status === 'FAILED' ? 'FAILED' : 'SUCCEEDED',
      createdObjectId: payment.id,
      ...(error ? { error } : {}),
    });
  }
  return moved;
}

export { inTransition };
