// The shared core of one payment-initiation step (create, poll or reverse; see create-step.ts,
// poll-step.ts, reverse-step.ts): the claimed row and its lease, the connector call under a renewed
// lease, and the ways a step ends (committed, rescheduled with backoff, failed, abandoned at its deadline).
import type { Connector, PspPayment } from '../../connectors/sdk/contract.js';
import { backoffDelay, retryAfterOf } from '../../connectors/sdk/retry.js';
import type { PaymentInitiationStatus } from '../../domain/enums.js';
import { connectorIdCodec, paymentIdCodec } from '../../domain/ids.js';
import { initiationSteps } from '../../observability/metrics.js';
import type { Db } from '../../storage/db.js';
import {
  type ClaimedInitiation,
  findReversal,
  finishReversal,
  type InitiationChanges,
  type InitiationRow,
  linkPayment,
  noteRunningTask,
  releaseInitiation,
  type ReversalRow,
} from '../../storage/payment-initiations.js';
import { finishTask } from '../../storage/tasks.js';
import { mapPayments } from '../ingestion/items.js';
import { storeWrites } from '../ingestion/page-commit.js';
import { openConnector } from '../lifecycle/connector-instance.js';
import type { EngineDeps } from '../deps.js';
import { inTransition, STEP_DONE, type Transition } from './initiations.js';
import type { LeaseHeartbeat } from '../execution/lease-heartbeat.js';
import { errorMessage, isRefusal, stepNote } from './psp-writes.js';

export class StepCore {
  row: InitiationRow;
  readonly token: string;
  readonly logger;

  constructor(
    readonly deps: EngineDeps,
    readonly claimed: ClaimedInitiation,
    private readonly heartbeat: LeaseHeartbeat,
  ) {
    this.row = claimed.row;
    this.token = claimed.token;
    this.logger = deps.logger.child({ paymentInitiationId: this.row.id, connectorId: this.row.connector_id });
  }

  get connector(): Connector {
    return openConnector(this.deps, this.claimed, this.row.connector_id, this.deps.logger);
  }

  /** What a status change made by this step requires: its lease, and the attempt it claimed. */
  get guard() {
    return { leaseToken: this.token, attempt: this.row.attempt };
  }

  /**
   * A connector call, with the step's lease renewed until it answers, so a slow PSP never lets another
   * worker make the same call meanwhile. Its budget is taken per HTTP request by the engine's fetch.
   */
  call<T>(request: () => Promise<T>): Promise<T> {
    return this.heartbeat.during({ id: this.row.id, token: this.token }, request);
  }

  async unexpected(error: unknown): Promise<void> {
    this.logger.error({ err: error }, 'payment initiation step failed unexpectedly; it will be tried again');
    await this.retryLater('step', `unexpected error: ${errorMessage(error)}`, { tries: this.row.tries + 1 });
  }

  /**
   * Stores the PSP's payment through the ingestion write path, links it, and returns its id. A payment
   * that fails validation throws (before anything is written): the PSP acted, so the step is retried
   * (see `unexpected`) rather than failed.
   */
  async storePayment(t: Transition, payment: PspPayment): Promise<string> {
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

  /** A call failed: a refusal fails the step; anything else is an unknown outcome, retried with the same key. */
  async failedCall(step: string, error: unknown, reversal?: ReversalRow): Promise<void> {
    if (isRefusal(error)) return this.fail(step, errorMessage(error), reversal);
    this.logger.warn(
      { err: error, step },
      'PSP call outcome unknown; retrying with the same idempotency key',
    );
    return this.retryLater(
      step,
      `outcome unknown: ${errorMessage(error)}`,
      { tries: this.row.tries + 1 },
      retryAfterOf(error),
    );
  }

  /** The step failed for certain: FAILED (or REVERSE_FAILED) with the reason, and its task failed. */
  async fail(step: string, reason: string, reversal?: ReversalRow): Promise<void> {
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
      if (reversal) await finishReversal(t.trx, reversal, 'FAILED', undefined, reason);
      else if (this.row.task_id)
        await finishTask(t.trx, this.row.task_id, { status: 'FAILED', error: reason });
    });
  }

  /**
   * Tries the step again later, with exponential backoff and jitter, until the deadline. Past it the
   * task fails with the reason, but the initiation keeps its status: a payment found later (polling,
   * webhook) still settles it, and it is never marked FAILED on a guess. The reason goes on the
   * initiation's `error` (unless `quiet`, which clears it: a payment still pending at the PSP is no
   * error of the initiation) and, with the time of the next try, on its running task (see `reschedule`).
   */
  async retryLater(
    step: string,
    reason: string,
    changes: { tries: number },
    retryAfterMs?: number,
    options: { quiet?: boolean } = {},
  ): Promise<void> {
    const deadline = this.row.deadline_at ? new Date(this.row.deadline_at).getTime() : undefined;
    if (deadline !== undefined && Date.now() >= deadline) {
      return this.giveUp(step, `${reason}; gave up after ${this.row.tries} tries (deadline passed)`);
    }
    await this.reschedule({ ...changes, error: options.quiet ? null : reason }, step, {
      retryAfterMs,
      note: reason,
    });
  }

  /**
   * Stops working on a step whose outcome at the PSP is not known: the status stays (the money may
   * have moved, so never FAILED on a guess), an adjustment of that same status carries the error so
   * the history and the event stream say what happened, and the task fails with the reason. `retry`
   * resumes the same attempt, under the same idempotency key.
   */
  async giveUp(step: string, reason: string): Promise<void> {
    const error = `${reason}: check the payment at the PSP`;
    await this.commit(step, 'abandoned', async (t) => {
      const kept = await this.release(t.trx, { ...STEP_DONE, error });
      if (!kept) return;
      await t.adjust(this.row, { status: this.row.status as PaymentInitiationStatus, error });
      const taskId = await this.runningTask();
      if (taskId) await finishTask(t.trx, taskId, { status: 'FAILED', error });
    });
    this.logger.error({ step, reason }, 'payment initiation step abandoned; status kept');
  }

  /** The task the API handed out for the work in flight: the attempt's, or the reversal's. */
  private async runningTask(): Promise<string | undefined> {
    if (this.row.status !== 'REVERSE_PROCESSING') return this.row.task_id ?? undefined;
    return this.row.reversal_id
      ? (await findReversal(this.deps.db, this.row.reversal_id))?.task_id
      : undefined;
  }

  /**
   * Gives the lease back with the step due again after the shared backoff (retry.ts) for `tries`. The
   * worker's claim loop sleeps until the earliest due step, so no wake-up needs queuing. A `note` says
   * why the step waits: it goes on the running task's `error` (the task stays PROCESSING) followed by
   * `; next check at <time>`, so `GET /tasks/{id}` tells a client what the work is waiting for and when
   * it is looked at again. Finishing the task replaces it.
   */
  async reschedule(
    changes: { tries: number; polling_id?: string; error?: string | null },
    step: string,
    options: { retryAfterMs?: number | undefined; note?: string } = {},
  ): Promise<void> {
    const { retryMinMs, retryMaxMs, deadlineMs } = this.deps.initiations;
    const delay = backoffDelay({ baseMs: retryMinMs, capMs: retryMaxMs }, changes.tries, {
      retryAfterMs: options.retryAfterMs,
    });
    const at = new Date(Date.now() + delay);
    const fresh = changes.tries === 0 || this.row.deadline_at === null;
    const taskId = options.note === undefined ? undefined : await this.runningTask();
    await this.commit(step, 'rescheduled', async (t) => {
      const kept = await this.release(t.trx, {
        ...changes,
        next_run_at: at.toISOString(),
        ...(fresh ? { deadline_at: new Date(Date.now() + deadlineMs).toISOString() } : {}),
      });
      if (kept && taskId && options.note !== undefined)
        await noteRunningTask(t.trx, taskId, stepNote(options.note, at));
    });
  }

  /** Writes bookkeeping and drops the lease, if this step still holds it. */
  release(trx: Db, changes: InitiationChanges): Promise<boolean> {
    return releaseInitiation(trx, this.row.id, this.token, changes);
  }

  async commit(step: string, outcome: string, body: (t: Transition) => Promise<void>): Promise<void> {
    await inTransition(this.deps.db, body);
    initiationSteps.inc({ provider: this.claimed.provider, step, outcome });
  }
}
