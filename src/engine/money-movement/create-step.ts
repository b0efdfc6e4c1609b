// The create path of an initiation step: ask the PSP for the transfer or payout, under the attempt's
// idempotency key, so asking again after an unknown outcome (or a crash) can never move money twice.
import type { CreateTransferResponse } from '../../connectors/sdk/contract.js';
import { settleWithPayment, startPolling } from './poll-step.js';
import { idempotencyKey } from './psp-writes.js';
import { pspView } from './psp-view.js';
import type { StepCore } from './step.js';

export async function createStep(step: StepCore): Promise<void> {
  const request = {
    paymentInitiation: await pspView(step.deps, step.row),
    idempotencyKey: idempotencyKey(step.row.id, step.row.attempt),
  };
  let response: CreateTransferResponse;
  try {
    response = await step.call(() =>
      step.row.type === 'PAYOUT'
        ? step.connector.createPayout(request)
        : step.connector.createTransfer(request),
    );
  } catch (error) {
    return step.failedCall('create', error);
  }
  if (response.payment) return settleWithPayment(step, 'create', response.payment);
  if (response.pollingId) return startPolling(step, response.pollingId);
  // A connector bug, but the PSP may have acted: asked again under the same key, up to the deadline.
  return step.retryLater('create', 'the connector answered with neither a payment nor a polling id', {
    tries: step.row.tries + 1,
  });
}
