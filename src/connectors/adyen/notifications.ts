// Adyen standard notifications (Webhooks v1): the request's shape, and each NotificationRequestItem as a payment or an adjustment of one.
import { z } from 'zod';
import type { PaymentScheme, PaymentStatus, PaymentType } from '../../domain/enums.js';
import type { PspPayment } from '../sdk/contract.js';
import { specMetadata } from '../sdk/money.js';
import { adyenMoney } from './currencies.js';

export const PROVIDER = 'adyen';

const amount = z.object({
  currency: z.string().min(1),
  // parseJson keeps integers beyond 2^53 as bigint, so a value is exact whatever its size.
  value: z.union([z.number().int(), z.bigint()]),
});

/** One NotificationRequestItem: the fields the mapping and the HMAC use; the rest stays in `raw`. */
export const notificationItem = z.looseObject({
  pspReference: z.string().min(1),
  originalReference: z.string().optional(),
  merchantAccountCode: z.string().min(1),
  merchantReference: z.string().optional(),
  eventCode: z.string().min(1),
  eventDate: z.string().refine((v) => !Number.isNaN(Date.parse(v)), { error: 'eventDate is not a date' }),
  success: z.enum(['true', 'false']),
  amount,
  paymentMethod: z.string().optional(),
  reason: z.string().optional(),
  operations: z.array(z.string()).optional(),
  additionalData: z.record(z.string(), z.unknown()).optional(),
});
export type NotificationItem = z.infer<typeof notificationItem>;

/** The body Adyen posts: `{live, notificationItems: [{NotificationRequestItem}]}`. */
export const notificationRequest = z.looseObject({
  live: z.string().optional(),
  notificationItems: z.array(z.looseObject({ NotificationRequestItem: notificationItem })).min(1),
});
export type NotificationRequest = z.infer<typeof notificationRequest>;

/** What an item says about a payment: the status it reaches, on which payment (own or original). */
interface Rule {
  type: PaymentType;
  /** `own`: the item's pspReference is the payment; `original`: it modifies `originalReference`. */
  on: 'own' | 'original' | 'original-or-own';
  /** The status on success=true and on success=false; `null` means the item changes nothing. */
  succeeded: PaymentStatus | null;
  failed: PaymentStatus | null;
}

const payIn = (on: Rule['on'], succeeded: PaymentStatus | null, failed: PaymentStatus | null): Rule => ({
  type: 'PAY-IN',
  on,
  succeeded,
  failed,
});
const payout = (on: Rule['on'], succeeded: PaymentStatus | null, failed: PaymentStatus | null): Rule => ({
  type: 'PAYOUT',
  on,
  succeeded,
  failed,
});

/**
 * Every event code that says something about a payment. success=false means Adyen did not carry the
 * event out: a failed authorisation is a FAILED payment, a failed capture a CAPTURE_FAILED, a refund
 * that failed is a REFUNDED_FAILURE that moves no money; a failed cancellation, adjustment or reversal
 * leaves the payment as it was.
 */
export const EVENT_RULES: Readonly<Record<string, Rule>> = {
  AUTHORISATION: payIn('own', 'AUTHORISATION', 'FAILED'),
  AUTHORISATION_ADJUSTMENT: payIn('original', 'AMOUNT_ADJUSTEMENT', null),
  CANCELLATION: payIn('original', 'CANCELLED', null),
  TECHNICAL_CANCEL: payIn('original', 'CANCELLED', null),
  CAPTURE: payIn('original', 'CAPTURE', 'CAPTURE_FAILED'),
  CAPTURE_FAILED: payIn('original', 'CAPTURE_FAILED', null),
  REFUND: payIn('original', 'REFUNDED', 'REFUNDED_FAILURE'),
  REFUND_FAILED: payIn('original', 'REFUNDED_FAILURE', null),
  REFUNDED_REVERSED: payIn('original', 'REFUND_REVERSED', null),
  EXPIRE: payIn('original', 'EXPIRED', null),
  OFFER_CLOSED: payIn('own', 'EXPIRED', null),
  MANUAL_REVIEW_REJECT: payIn('own', 'FAILED', null),
  NOTIFICATION_OF_CHARGEBACK: payIn('original', 'DISPUTE', null),
  REQUEST_FOR_INFORMATION: payIn('original', 'DISPUTE', null),
  CHARGEBACK: payIn('original', 'DISPUTE', null),
  CHARGEBACK_REVERSED: payIn('original', 'DISPUTE_WON', null),
  SECOND_CHARGEBACK: payIn('original', 'DISPUTE_LOST', null),
  PREARBITRATION_OPEN: payIn('original', 'DISPUTE', null),
  PREARBITRATION_WON: payIn('original', 'DISPUTE_WON', null),
  PREARBITRATION_LOST: payIn('original', 'DISPUTE_LOST', null),
  PAYOUT_THIRDPARTY: payout('own', 'SUCCEEDED', 'FAILED'),
  PAYOUT_DECLINE: payout('original-or-own', 'FAILED', null),
  PAYOUT_EXPIRE: payout('original-or-own', 'EXPIRED', null),
};

/**
 * Event codes that carry no payment state (shopper authentication, tokens, reports, the steps of a
 * dispute that change nothing, orders): acknowledged and left out on purpose.
 */
export const INFORMATIONAL_EVENTS: ReadonlySet<string> = new Set([
  'AUTHENTICATION',
  'RECURRING_CONTRACT',
  'REPORT_AVAILABLE',
  'ORDER_OPENED',
  'ORDER_CLOSED',
  'MANUAL_REVIEW_ACCEPT',
  'POSTPONED_REFUND',
  'VOID_PENDING_REFUND',
  'AUTORESCUE',
  'CANCEL_AUTORESCUE',
  'INFORMATION_SUPPLIED',
  'ISSUER_COMMENTS',
  'ISSUER_RESPONSE_TIMEFRAME_EXPIRED',
  'DISPUTE_DEFENSE_PERIOD_ENDED',
  'NOTIFICATION_OF_FRAUD',
  'HANDLED_EXTERNALLY',
]);

/** CANCEL_OR_REFUND says which it did in additionalData `modification.action`. */
function cancelOrRefund(item: NotificationItem): Rule {
  const action = String(item.additionalData?.['modification.action'] ?? '').toLowerCase();
  if (action === 'cancel') return payIn('original', 'CANCELLED', null);
  if (action === 'refund') return payIn('original', 'REFUNDED', 'REFUNDED_FAILURE');
  return payIn('original', 'OTHER', null);
}

/** REFUND_WITH_DATA is a refund of a payment when it names one, else money sent to a shopper: a payout. */
function refundWithData(item: NotificationItem): Rule {
  return item.originalReference
    ? payIn('original', 'REFUNDED', 'REFUNDED_FAILURE')
    : payout('own', 'SUCCEEDED', 'FAILED');
}

const SCHEMES: [string, PaymentScheme][] = [
  ['visa', 'CARD_VISA'],
  ['electron', 'CARD_VISA'],
  ['amex', 'CARD_AMEX'],
  ['alipay', 'CARD_ALIPAY'],
  ['cup', 'CARD_CUP'],
  ['discover', 'CARD_DISCOVER'],
  ['doku', 'DOKU'],
  ['dragonpay', 'DRAGON_PAY'],
  ['jcb', 'CARD_JCB'],
  ['maestro', 'MAESTRO'],
  ['mc', 'CARD_MASTERCARD'],
  ['molpay', 'MOL_PAY'],
  ['diners', 'CARD_DINERS'],
  ['applepay', 'APPLE_PAY'],
  ['googlepay', 'GOOGLE_PAY'],
  ['paywithgoogle', 'GOOGLE_PAY'],
  ['sepadirectdebit', 'SEPA_DEBIT'],
  ['ach', 'ACH_DEBIT'],
];

/** Adyen's `paymentMethod` (`visa`, `mc`, `mc_applepay`, …) as a scheme; OTHER when it names none we know. */
export function schemeOf(paymentMethod: string | undefined): PaymentScheme {
  const method = (paymentMethod ?? '').toLowerCase();
  return SCHEMES.find(([prefix]) => method.startsWith(prefix))?.[1] ?? 'OTHER';
}

/** The item's key for de-duplication: Adyen resends the same event with the same values. */
export function itemKey(item: NotificationItem): string {
  return [item.pspReference, item.originalReference ?? '', item.eventCode, item.success].join(':');
}

/** What became of one item. */
export type ItemOutcome =
  { kind: 'payment'; payment: PspPayment; warning?: string } | { kind: 'ignored'; reason: string };

/** One item as a payment (own) or as an adjustment of the payment it modifies (parentReference). */
export function toPayment(item: NotificationItem, live?: string): ItemOutcome {
  let warning: string | undefined;
  let rule =
    item.eventCode === 'CANCEL_OR_REFUND'
      ? cancelOrRefund(item)
      : item.eventCode === 'REFUND_WITH_DATA'
        ? refundWithData(item)
        : EVENT_RULES[item.eventCode];
  if (!rule) {
    if (INFORMATIONAL_EVENTS.has(item.eventCode)) {
      return { kind: 'ignored', reason: `event ${item.eventCode} carries no payment state` };
    }
    // An event code this version does not know: kept as OTHER on the payment it names, never dropped.
    warning = `unknown Adyen event code '${item.eventCode.slice(0, 64)}' mapped to OTHER`;
    rule = payIn('original-or-own', 'OTHER', 'OTHER');
  } else if (item.eventCode === 'CANCEL_OR_REFUND' && rule.succeeded === 'OTHER') {
    warning = `CANCEL_OR_REFUND without a known modification.action mapped to OTHER`;
  }
  const status = item.success === 'true' ? rule.succeeded : rule.failed;
  if (status === null) {
    return {
      kind: 'ignored',
      reason: `${item.eventCode} with success=${item.success} changes nothing${item.reason ? ` (${item.reason})` : ''}`,
    };
  }
  const parent =
    rule.on === 'own'
      ? undefined
      : rule.on === 'original'
        ? item.originalReference
        : (item.originalReference ?? undefined);
  if (rule.on === 'original' && !item.originalReference) {
    return { kind: 'ignored', reason: `${item.eventCode} names no originalReference to apply it to` };
  }
  const at = new Date(item.eventDate);
  const { amount, asset } = adyenMoney(item.amount.currency, item.amount.value);
  const payment: PspPayment = {
    reference: item.pspReference,
    ...(parent && parent !== item.pspReference ? { parentReference: parent } : {}),
    createdAt: at,
    updatedAt: at,
    type: rule.type,
    amount,
    asset,
    scheme: schemeOf(item.paymentMethod),
    status,
    ...(rule.type === 'PAYOUT'
      ? { sourceAccountReference: item.merchantAccountCode }
      : { destinationAccountReference: item.merchantAccountCode }),
    metadata: specMetadata(PROVIDER, {
      eventCode: item.eventCode,
      success: item.success,
      merchantAccountCode: item.merchantAccountCode,
      merchantReference: item.merchantReference,
      originalReference: item.originalReference,
      paymentMethod: item.paymentMethod,
      reason: item.reason,
      live,
    }),
    raw: item,
  };
  return warning ? { kind: 'payment', payment, warning } : { kind: 'payment', payment };
}
