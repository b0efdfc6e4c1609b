// The worker side of payment initiations: claims an initiation that is due, makes the one PSP call its
// status calls for (create, poll or reverse), and commits the outcome under the same lease.
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type {
  Connector,
  CreateTransferResponse,
  PspAccount,
  PspPayment,
  PspPaymentInitiation,
} from '../../connectors/sdk/contract.js';
import {
  AuthenticationError,
  InvalidConfigError,
  InvalidRequestError,
  MissingFromPayloadError,
  NotImplementedError,
} from '../../connectors/sdk/errors.js';
import { backoffDelay, retryAfterOf } from '../../connectors/sdk/retry.js';
import type { PaymentInitiationStatus } from '../../domain/enums.js';
import { connectorIdCodec, paymentIdCodec } from '../../domain/ids.js';
import { initiationSteps } from '../../observability/metrics.js';
import type { Db } from '../../storage/db.js';
import {
  findReversal,
  type InitiationChanges,
  type InitiationRow,
  linkPayment,
  type ReversalRow,
} from '../../storage/payment-initiations.js';
import { finishTask } from '../../storage/tasks.js';
import { openConnector } from '../lifecycle/connector-instance.js';
import type { EngineDeps } from '../deps.js';
import {
  inTransition,
  applyPaymentStatus,
  initiationStatusFromPayment,
  STEP_DONE,
  Transition,
} from './initiations.js';
import { mapPayments } from '../ingestion/items.js';
import { storeWrites } from '../ingestion/page-commit.js';

/**
 * The idempotency key of one PSP write: a UUID derived from what is being done and the attempt, so it is
 * the same on every retry of the attempt (and after a crash) and new for a new attempt. UUID-shaped
 * because some PSPs accept nothing else.
 */
export function idempotencyKey(...parts: (string | number)[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Errors that prove the PSP did not act on the request (refused credentials included: a PSP acts on
 * nothing it cannot authenticate); anything else leaves the outcome unknown.
 */
export function isRefusal(error: unknown): boolean {
  return (
    error instanceof InvalidRequestError ||
    error instanceof AuthenticationError ||
    error instanceof NotImplementedError ||
    error instanceof InvalidConfigError ||
    error instanceof MissingFromPayloadError
  );
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

interface Claimed {
  row: InitiationRow;
  token: string;
  calls_per_second: number | null;
  provider: string;
  config_encrypted: string;
}

/** Takes the initiation's lease if it is due and nobody holds it. */
async function claim(deps: EngineDeps, id: string): Promise<Claimed | undefined> {
  const token = randomUUID();
  const result = await sql<InitiationRow & Omit<Claimed, 'row' | 'token'>>`
    UPDATE payment_initiations pi
    SET lease_until = now() + ${`${deps.leaseMs} milliseconds`}::interval, lease_token = ${token}
    FROM connectors c
    WHERE pi.id = ${id} AND c.id = pi.connector_id AND NOT c.scheduled_for_deletion
      AND pi.status IN ('SCHEDULED_FOR_PROCESSING', 'PROCESSING', 'REVERSE_PROCESSING')
      AND pi.next_run_at <= now() AND (pi.lease_until IS NULL OR pi.lease_until < now())
    RETURNING pi.*, c.calls_per_second, c.provider, c.config_encrypted`.execute(deps.db);
  const found = result.rows[0];
  if (!found) return undefined;
  const { calls_per_second, provider, config_encrypted, ...row } = found;
  return { row: row as InitiationRow, token, calls_per_second, provider, config_encrypted };
}

/** The job: one step of one initiation. Safe to run any number of times, on any number of workers. */
export async function advanceInitiation(deps: EngineDeps, id: string): Promise<void> {
  const claimed = await claim(deps, id);
  if (!claimed) {
    // Woken early (clocks differ a little between machines): wake up again when the step is due.
    const row = await deps.db
      .selectFrom('payment_initiations')
      .select(['next_run_at', 'lease_until'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (row?.next_run_at && !row.lease_until && new Date(row.next_run_at).getTime() > Date.now() - 1000) {
      await deps.jobs.enqueueMovement(deps.db, { kind: 'initiation', id }, new Date(row.next_run_at));
    }
    return;
  }
  const step = new Step(deps, claimed);
  try {
    await step.run();
  } catch (error) {
    // Not an answer of the PSP (a database error, a connector that no longer instantiates, a payment it
    // answered that fails validation): the step is tried again later, visibly, up to its deadline.
    await step.unexpected(error);
  }
}

class Step {
  private row: InitiationRow;
  private readonly token: string;
  private readonly logger;

  constructor(
    private readonly deps: EngineDeps,
    private readonly claimed: Claimed,
  ) {
    this.row = claimed.row;
    this.token = claimed.token;
    this.logger = deps.logger.child({ paymentInitiationId: this.row.id, connectorId: this.row.connector_id });
  }

  private get connector(): Connector {
    return openConnector(this.deps, this.claimed, this.row.connector_id, this.deps.logger);
  }

  async unexpected(error: unknown): Promise<void> {
    this.logger.error({ err: error }, 'payment initiation step failed unexpectedly; it will be tried again');
    await this.retryLater('step', `unexpected error: ${message(error)}`, { tries: this.row.tries + 1 });
  }

  private get guard() {
    return { leaseToken: this.token, attempt: this.row.attempt };
  }

  async run(): Promise<void> {
    if (this.row.status === 'SCHEDULED_FOR_PROCESSING') {
      const row = await inTransition(this.deps.db, (t) =>
        t.to(this.row.id, { ...this.guard, from: ['SCHEDULED_FOR_PROCESSING'] }, 'PROCESSING'),
      );
      if (!row) return;
      this.row = row;
    }
    if (this.row.status === 'REVERSE_PROCESSING') return this.reverse();
    if (this.row.polling_id) return this.poll();
    return this.create();
  }

  /** A connector call; its budget is taken per HTTP request by the engine's fetch (openConnector). */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    return request();
  }

  // --- create ---------------------------------------------------------------------------------------

  private async create(): Promise<void> {
    const request = {
      paymentInitiation: await this.pspView(),
      idempotencyKey: idempotencyKey(this.row.id, this.row.attempt),
    };
    let response: CreateTransferResponse;
    try {
      response = await this.call(() =>
        this.row.type === 'PAYOUT'
          ? this.connector.createPayout(request)
          : this.connector.createTransfer(request),
      );
    } catch (error) {
      return this.failedCall('create', error);
    }
    if (response.payment) return this.settleWithPayment('create', response.payment);
    if (response.pollingId) return this.startPolling(response.pollingId);
    // A connector bug, but the PSP may have acted: asked again under the same key, up to the deadline.
    return this.retryLater('create', 'the connector answered with neither a payment nor a polling id', {
      tries: this.row.tries + 1,
    });
  }

  /** The initiation as the connector sees it; a destination made from a bank account carries its details. */
  private async pspView(): Promise<PspPaymentInitiation> {
    const accounts = await this.deps.db
      .selectFrom('accounts')
      .select(['id', 'reference', 'created_at', 'name', 'default_asset', 'metadata', 'raw'])
      .where('id', 'in', [this.row.source_account_id ?? '', this.row.destination_account_id ?? ''])
      .execute();
    const bank = this.row.destination_account_id
      ? await this.deps.db
          .selectFrom('bank_account_related_accounts as r')
          .innerJoin('bank_accounts as b', 'b.id', 'r.bank_account_id')
          .select([
            'b.name',
            'b.account_number_sealed',
            'b.iban_sealed',
            'b.swift_bic_code_sealed',
            'b.country',
          ])
          .where('r.account_id', '=', this.row.destination_account_id)
          .executeTakeFirst()
      : undefined;
    const open = (sealed: string | null | undefined) =>
      sealed ? this.deps.keyring.decrypt(sealed) : undefined;
    const asPsp = (
      id: string | null,
      extra: Record<string, string | undefined> = {},
    ): PspAccount | undefined => {
      const account = accounts.find((a) => a.id === id);
      if (!account) return undefined;
      const details = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >;
      return {
        reference: account.reference,
        createdAt: new Date(account.created_at),
        ...(account.name ? { name: account.name } : {}),
        ...(account.default_asset ? { defaultAsset: account.default_asset } : {}),
        metadata: { ...(account.metadata ?? {}), ...details },
        raw: account.raw,
      };
    };
    const source = asPsp(this.row.source_account_id);
    const destination = asPsp(
      this.row.destination_account_id,
      bank
        ? {
            [BANK_DETAIL.name]: bank.name,
            [BANK_DETAIL.accountNumber]: open(bank.account_number_sealed),
            [BANK_DETAIL.iban]: open(bank.iban_sealed),
            [BANK_DETAIL.swiftBicCode]: open(bank.swift_bic_code_sealed),
            [BANK_DETAIL.country]: bank.country ?? undefined,
          }
        : {},
    );
    return {
      reference: this.row.reference,
      createdAt: new Date(this.row.created_at),
      description: this.row.description,
      ...(source ? { sourceAccount: source } : {}),
      ...(destination ? { destinationAccount: destination } : {}),
      amount: BigInt(this.row.amount),
      asset: this.row.asset,
      metadata: this.row.metadata ?? {},
    };
  }

  // --- poll -----------------------------------------------------------------------------------------

  private async startPolling(pollingId: string): Promise<void> {
    await this.reschedule({ polling_id: pollingId, tries: 0 }, 'polling');
  }

  private async poll(): Promise<void> {
    const request = { pollingId: this.row.polling_id as string };
    let payment: PspPayment | undefined;
    try {
      payment = (
        await this.call(() =>
          this.row.type === 'PAYOUT'
            ? this.connector.pollPayoutStatus(request)
            : this.connector.pollTransferStatus(request),
        )
      ).payment;
    } catch (error) {
      // A refused poll says the PSP cannot report on this id, not that the transfer failed.
      if (isRefusal(error)) return this.giveUp('poll', `the PSP refused the status poll: ${message(error)}`);
      return this.failedCall('poll', error);
    }
    if (!payment)
      return this.retryLater('poll', 'the PSP has no final status yet', { tries: this.row.tries + 1 });
    return this.settleWithPayment('poll', payment);
  }

  // --- reverse --------------------------------------------------------------------------------------

  private async reverse(): Promise<void> {
    const reversal = this.row.reversal_id
      ? await findReversal(this.deps.db, this.row.reversal_id)
      : undefined;
    if (!reversal) return this.fail('reverse', 'the reversal in flight is missing');
    const request = {
      paymentInitiationReversal: {
        reference: reversal.reference,
        createdAt: new Date(reversal.created_at),
        description: reversal.description,
        relatedPaymentInitiation: await this.pspView(),
        amount: BigInt(reversal.amount),
        asset: reversal.asset,
        metadata: reversal.metadata ?? {},
      },
      idempotencyKey: idempotencyKey(reversal.id, 'reverse'),
    };
    let payment: PspPayment;
    try {
      payment = (
        await this.call(() =>
          this.row.type === 'PAYOUT'
            ? this.connector.reversePayout(request)
            : this.connector.reverseTransfer(request),
        )
      ).payment;
    } catch (error) {
      return this.failedCall('reverse', error, reversal);
    }
    await this.commit('reverse', 'reversed', async (t) => {
      const paymentId = await this.storePayment(t, payment);
      const failed =
        initiationStatusFromPayment(payment.status) === 'FAILED' || payment.status === 'REFUNDED_FAILURE';
      const row = await t.to(
        this.row.id,
        { leaseToken: this.token, from: ['REVERSE_PROCESSING'] },
        failed ? 'REVERSE_FAILED' : 'REVERSED',
        {
          ...STEP_DONE,
          reversal_id: null,
          ...(failed
            ? { error: `the PSP reported the reversal ${payment.status}` }
            : { reversed_amount: (BigInt(this.row.reversed_amount) + BigInt(reversal.amount)).toString() }),
        },
        { amount: BigInt(reversal.amount), asset: reversal.asset },
      );
      if (!row) return;
      await this.finishReversal(t.trx, reversal, failed ? 'FAILED' : 'PROCESSED', paymentId);
    });
  }

  private async finishReversal(
    trx: Db,
    reversal: ReversalRow,
    status: 'PROCESSED' | 'FAILED',
    createdObjectId?: string,
    error?: string,
  ): Promise<void> {
    await trx
      .updateTable('payment_initiation_reversals')
      .set({ status, error: error ?? null, updated_at: new Date().toISOString() })
      .where('id', '=', reversal.id)
      .execute();
    await finishTask(trx, reversal.task_id, {
      status: status === 'PROCESSED' ? 'SUCCEEDED' : 'FAILED',
      ...(createdObjectId ? { createdObjectId } : {}),
      ...(error ? { error } : {}),
    });
  }

  // --- outcomes -------------------------------------------------------------------------------------

  /**
   * Stores the PSP's payment through the ingestion write path, links it, and returns its id. A payment
   * that fails validation throws (before anything is written): the PSP acted, so the step is retried
   * (see `unexpected`) rather than failed.
   */
  private async storePayment(t: Transition, payment: PspPayment): Promise<string> {
    const connector = connectorIdCodec.decode(this.row.connector_id);
    const writes = mapPayments(connector, [payment]);
    const problem = writes.skipped[0];
    if (problem) throw new Error(`the connector answered an invalid payment: ${problem.reason}`);
    t.events.push(...(await storeWrites(t.trx, connector, writes)));
    const paymentId = paymentIdCodec.encode({
      connectorId: connector,
      reference: payment.parentReference || payment.reference,
      type: payment.type,
    });
    if (await linkPayment(t.trx, this.row.id, paymentId)) t.relatedPayment(this.row, paymentId);
    return paymentId;
  }

  /**
   * The PSP answered with the payment: the initiation takes the status the payment's stored status
   * means (it may be newer than this answer, if polling saw it first). A payment still pending is
   * polled by its reference.
   */
  private async settleWithPayment(step: string, payment: PspPayment): Promise<void> {
    let pending = false;
    await this.commit(step, 'settled', async (t) => {
      const paymentId = await this.storePayment(t, payment);
      const stored = await t.trx
        .selectFrom('payments')
        .select('status')
        .where('id', '=', paymentId)
        .executeTakeFirstOrThrow();
      const status = initiationStatusFromPayment(stored.status);
      if (status === undefined || status === 'PROCESSING') {
        pending = true;
        return;
      }
      const moved = await applyPaymentStatus(
        t,
        this.row,
        { id: paymentId, status: stored.status },
        {
          leaseToken: this.token,
        },
      );
      if (!moved) await this.release(t.trx, STEP_DONE);
    });
    if (pending) await this.startPolling(payment.reference);
  }

  /** A call failed: a refusal fails the step; anything else is an unknown outcome, retried with the same key. */
  private async failedCall(step: string, error: unknown, reversal?: ReversalRow): Promise<void> {
    if (isRefusal(error)) return this.fail(step, message(error), reversal);
    this.logger.warn(
      { err: error, step },
      'PSP call outcome unknown; retrying with the same idempotency key',
    );
    return this.retryLater(
      step,
      `outcome unknown: ${message(error)}`,
      { tries: this.row.tries + 1 },
      retryAfterOf(error),
    );
  }

  /** The step failed for certain: FAILED (or REVERSE_FAILED) with the reason, and its task failed. */
  private async fail(step: string, reason: string, reversal?: ReversalRow): Promise<void> {
    await this.commit(step, 'failed', async (t) => {
      const to = reversal ? 'REVERSE_FAILED' : 'FAILED';
      const from = reversal ? (['REVERSE_PROCESSING'] as const) : (['PROCESSING'] as const);
      const row = await t.to(
        this.row.id,
        { leaseToken: this.token, from },
        to,
        { ...STEP_DONE, error: reason, ...(reversal ? { reversal_id: null } : {}) },
        { error: reason },
      );
      if (!row) return;
      if (reversal) await this.finishReversal(t.trx, reversal, 'FAILED', undefined, reason);
      else if (this.row.task_id)
        await finishTask(t.trx, this.row.task_id, { status: 'FAILED', error: reason });
    });
  }

  /**
   * Tries the step again later, with exponential backoff and jitter, until the deadline. Past it the
   * task fails with the reason, but the initiation keeps its status: a payment found later (polling,
   * webhook) still settles it, and it is never marked FAILED on a guess.
   */
  private async retryLater(
    step: string,
    reason: string,
    changes: { tries: number },
    retryAfterMs?: number,
  ): Promise<void> {
    const deadline = this.row.deadline_at ? new Date(this.row.deadline_at).getTime() : undefined;
    if (deadline !== undefined && Date.now() >= deadline) {
      return this.giveUp(step, `${reason}; gave up after ${this.row.tries} tries (deadline passed)`);
    }
    await this.reschedule({ ...changes, error: reason }, step, retryAfterMs);
  }

  /**
   * Stops working on a step whose outcome at the PSP is not known: the status stays (the money may
   * have moved, so never FAILED on a guess), an adjustment of that same status carries the error so
   * the history and the event stream say what happened, and the task fails with the reason. `retry`
   * resumes the same attempt, under the same idempotency key.
   */
  private async giveUp(step: string, reason: string): Promise<void> {
    const error = `${reason}: check the payment at the PSP`;
    await this.commit(step, 'abandoned', async (t) => {
      const kept = await this.release(t.trx, { ...STEP_DONE, error });
      if (!kept) return;
      await t.adjust(this.row, { status: this.row.status as PaymentInitiationStatus, error });
      const taskId = this.row.status === 'REVERSE_PROCESSING' ? await this.reversalTask() : this.row.task_id;
      if (taskId) await finishTask(t.trx, taskId, { status: 'FAILED', error });
    });
    this.logger.error({ step, reason }, 'payment initiation step abandoned; status kept');
  }

  private async reversalTask(): Promise<string | undefined> {
    return this.row.reversal_id
      ? (await findReversal(this.deps.db, this.row.reversal_id))?.task_id
      : undefined;
  }

  /** Gives the lease back and wakes the step again after the shared backoff (retry.ts) for `tries`. */
  private async reschedule(
    changes: { tries: number; polling_id?: string; error?: string },
    step: string,
    retryAfterMs?: number,
  ): Promise<void> {
    const { retryMinMs, retryMaxMs, deadlineMs } = this.deps.initiations;
    const delay = backoffDelay({ baseMs: retryMinMs, capMs: retryMaxMs }, changes.tries, { retryAfterMs });
    const at = new Date(Date.now() + delay);
    const fresh = changes.tries === 0 || this.row.deadline_at === null;
    await this.commit(step, 'rescheduled', async (t) => {
      const kept = await this.release(t.trx, {
        ...changes,
        next_run_at: at.toISOString(),
        ...(fresh ? { deadline_at: new Date(Date.now() + deadlineMs).toISOString() } : {}),
      });
      if (kept) await this.deps.jobs.enqueueMovement(t.trx, { kind: 'initiation', id: this.row.id }, at);
    });
  }

  /** Writes bookkeeping and drops the lease, if this step still holds it. */
  private async release(trx: Db, changes: InitiationChanges): Promise<boolean> {
    const updated = await trx
      .updateTable('payment_initiations')
      .set({ ...changes, lease_until: null, lease_token: null, updated_at: new Date().toISOString() })
      .where('id', '=', this.row.id)
      .where('lease_token', '=', this.token)
      .returning('id')
      .executeTakeFirst();
    return updated !== undefined;
  }

  private async commit(step: string, outcome: string, body: (t: Transition) => Promise<void>): Promise<void> {
    await inTransition(this.deps.db, body);
    initiationSteps.inc({ provider: this.claimed.provider, step, outcome });
  }
}

/** Metadata keys under which a bank account's details reach the connector, for payouts to it. */
export const BANK_DETAIL = {
  name: 'paybridge/bankAccount/name',
  accountNumber: 'paybridge/bankAccount/accountNumber',
  iban: 'paybridge/bankAccount/iban',
  swiftBicCode: 'paybridge/bankAccount/swiftBicCode',
  country: 'paybridge/bankAccount/country',
} as const;

/**
 * Re-queues initiations whose step is overdue: a worker died holding the lease, or a wake-up was lost.
 * Queuing is idempotent, and the claim lets only one worker act.
 */
export async function sweepOverdueInitiations(deps: EngineDeps): Promise<number> {
  const overdue = await sql<{ id: string }>`
    SELECT id FROM payment_initiations
    WHERE next_run_at IS NOT NULL
      AND (lease_until < now() OR (lease_until IS NULL AND next_run_at < now() - interval '1 minute'))
    ORDER BY next_run_at LIMIT 10000`.execute(deps.db);
  for (const { id } of overdue.rows) await deps.jobs.enqueueMovement(deps.db, { kind: 'initiation', id });
  if (overdue.rows.length > 0)
    deps.logger.warn({ count: overdue.rows.length }, 're-queued overdue payment initiations');
  return overdue.rows.length;
}
