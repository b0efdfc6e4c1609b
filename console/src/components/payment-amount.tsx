// A payment's amount as an operator reads it: the amount it concerns (an authorisation's, not 0), and
// the other amount beside it when they differ (captured so far, or the initial one after a refund).
import type { Payment } from '../lib/api-types.js';
import { amountText, shownAmount } from '../lib/format.js';

export function PaymentAmount({
  payment,
}: {
  payment: Pick<Payment, 'status' | 'amount' | 'initialAmount' | 'asset'>;
}) {
  const shown = shownAmount(payment);
  return (
    <span
      className="amount"
      title={`amount ${String(payment.amount)}, initial amount ${String(payment.initialAmount)} (minor units of ${payment.asset})`}
    >
      {amountText(shown.amount, payment.asset)}
      {shown.note ? <span className="amount-note">{shown.note}</span> : null}
    </span>
  );
}
