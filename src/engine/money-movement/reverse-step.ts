// The reverse path of an initiation step: send back all or part of a processed initiation, under the
// reversal's own idempotency key, and record the reversal's outcome with the initiation's.
import type { PspPayment } from '../../connectors/sdk/contract.js';
import { findReversal, finishReversal } from '../../storage/payment-initiations.js';
import { initiationStatusFromPayment, STEP_DONE } from './initiations.js';
import { idempotencyKey } from './psp-writes.js';
import { pspView } from './psp-view.js';
import type { StepCore } from './step.js';

export async function reverseStep(step: StepCore): Promise<void> {
  const reversal = step.row.reversal_id ? await findReversal(step.deps.db, step.row.reversal_id) : undefined;
  if (!reversal) return step.fail('reverse', 'the reversal in flight is missing');
  const request = {
    paymentInitiationReversal: {
      reference: reversal.reference,
      createdAt: new Date(reversal.created_at),
      description: reversal.description,
      relatedPaymentInitiation: await pspView(step.deps, step.row),
      amount: BigInt(reversal.amount),
      asset: reversal.asset,
      metadata: reversal.metadata ?? {},
    },
    idempotencyKey: idempotencyKey(reversal.id, 'reverse'),
  };
  let payment: PspPayment;
  try {
    payment = (
      await step.call(() =>
        step.row.type === 'PAYOUT'
          ? step.connector.reversePayout(request)
          : step.connector.reverseTransfer(request),
      )
    ).payment;
  } catch (error) {
    return step.failedCall('reverse', error, reversal);
  }
  await step.commit('reverse', 'reversed', async (t) => {
    const paymentId = await step.storePayment(t, payment);
    const failed =
      initiationStatusFromPayment(payment.status) === 'FAILED' || payment.status === 'REFUNDED_FAILURE';
    const row = await t.to(
      step.row.id,
      { leaseToken: step.token, from: ['REVERSE_PROCESSING'] },
      failed ? 'REVERSE_FAILED' : 'REVERSED',
      {
        ...STEP_DONE,
        reversal_id: null,
        ...(failed
          ? { error: `the PSP reported the reversal ${payment.status}` }
          : { reversed_amount: (BigInt(step.row.reversed_amount) + BigInt(reversal.amount)).toString() }),
      },
      { amount: BigInt(reversal.amount), asset: reversal.asset },
    );
    if (!row) return;
    await finishReversal(t.trx, reversal, failed ? 'FAILED' : 'PROCESSED', paymentId);
  });
}
