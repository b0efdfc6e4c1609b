// The poll path of an initiation step: ask the PSP for the status of what it accepted, and settle the
// initiation with the payment it answers (create-step.ts settles the same way when the PSP answers at once).
import type { PspPayment } from '../../connectors/sdk/contract.js';
import { paymentStatus } from '../../storage/payment-initiations.js';
import { applyPaymentStatus, initiationStatusFromPayment, STEP_DONE } from './initiations.js';
import { errorMessage, isRefusal } from './psp-writes.js';
import type { StepCore } from './step.js';

export async function pollStep(step: StepCore): Promise<void> {
  const request = { pollingId: step.row.polling_id as string };
  let payment: PspPayment | undefined;
  try {
    payment = (
      await step.call(() =>
        step.row.type === 'PAYOUT'
          ? step.connector.pollPayoutStatus(request)
          : step.connector.pollTransferStatus(request),
      )
    ).payment;
  } catch (error) {
    // A refused poll says the PSP cannot report on this id, not that the transfer failed.
    if (isRefusal(error))
      return step.giveUp('poll', `the PSP refused the status poll: ${errorMessage(error)}`);
    return step.failedCall('poll', error);
  }
  if (!payment)
    return step.retryLater('poll', 'the PSP has no final status yet', { tries: step.row.tries + 1 });
  return settleWithPayment(step, 'poll', payment);
}

/** The PSP answered with an id to poll: the step polls it, after the backoff's first delay. */
export function startPolling(step: StepCore, pollingId: string, note?: string): Promise<void> {
  // The PSP answered: an error of an earlier try of this attempt (an unknown outcome) is over.
  return step.reschedule({ polling_id: pollingId, tries: 0, error: null }, 'polling', {
    note: note ?? `waiting on the PSP: it accepted the ${movement(step)}`,
  });
}

const movement = (step: StepCore) => step.row.type.toLowerCase();

/**
 * The PSP holds the payment in a status that settles nothing yet (PENDING, AUTHORISATION). The first
 * time, polling starts; after a poll, the next one backs off like any retry (up to
 * PAYBRIDGE_INITIATION_RETRY_MAX between checks, and the task gives up at the deadline, the status kept,
 * while ingestion and webhooks still settle it). The initiation's error stays clear: a pending payment is
 * no error. The running task says what the PSP reports and when Paybridge checks again; the payment's
 * own adjustments record each status the PSP reported, once.
 */
function waitOnPsp(step: StepCore, name: string, pollingId: string, pspStatus: string): Promise<void> {
  const reason = `waiting on the PSP: it reports the ${movement(step)} ${pspStatus}`;
  if (name !== 'poll' || step.row.polling_id !== pollingId) return startPolling(step, pollingId, reason);
  return step.retryLater('poll', reason, { tries: step.row.tries + 1 }, undefined, { quiet: true });
}

/**
 * The PSP answered with the payment: the initiation takes the status the payment's stored status
 * means (it may be newer than this answer, if polling saw it first). A payment still pending is
 * polled by its reference.
 */
export async function settleWithPayment(step: StepCore, name: string, payment: PspPayment): Promise<void> {
  let pending: string | undefined;
  await step.commit(name, 'settled', async (t) => {
    const paymentId = await step.storePayment(t, payment);
    const stored = await paymentStatus(t.trx, paymentId);
    const status = initiationStatusFromPayment(stored);
    if (status === undefined || status === 'PROCESSING') {
      pending = stored;
      return;
    }
    const moved = await applyPaymentStatus(
      t,
      step.row,
      { id: paymentId, status: stored },
      { leaseToken: step.token },
    );
    if (!moved) await step.release(t.trx, STEP_DONE);
  });
  if (pending !== undefined) await waitOnPsp(step, name, payment.reference, pending);
}
