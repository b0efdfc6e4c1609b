// Stripe objects to Paybridge's: accounts, balances, external accounts, and balance transactions with their source object to payments.
import type { PaymentScheme, PaymentStatus } from '../../domain/enums.js';
import type { PspAccount, PspBalance, PspPayment } from '../sdk/contract.js';
import { mappedOrOther } from '../sdk/mapping.js';
import { specMetadata } from '../sdk/money.js';
import { stripeExponent, stripeMoney } from './currencies.js';

export const PROVIDER = 'stripe';
/** Metadata key set on the platform account: its children call Stripe without Stripe-Account. */
export const PLATFORM_KEY = 'com.stripe.spec/platform';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** An expandable field: the object's id whether Stripe sent the id or the object. */
const idOf = (v: unknown): string | undefined => str(v) ?? (isObj(v) ? str(v.id) : undefined);
const at = (seconds: number) => new Date(seconds * 1000);

/** A record mapped, or why it cannot be, plus what an operator should know about it. */
export type Mapped<T> = { item: T; warnings: string[] } | { skip: string };

/** Stripe's own metadata (string values) kept as is, next to the connector's namespaced keys. */
function userMetadata(o: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(o.metadata))
    for (const [k, v] of Object.entries(o.metadata)) if (typeof v === 'string') out[k] = v;
  return out;
}

// ---------------------------------------------------------------- accounts

/** The platform account (GET /v1/account) or a connected account (GET /v1/accounts). */
export function toAccount(raw: unknown, platform: boolean): Mapped<PspAccount> {
  if (!isObj(raw) || !str(raw.id)) return { skip: 'account without an id' };
  const settings = isObj(raw.settings) ? raw.settings : {};
  const dashboard = isObj(settings.dashboard) ? settings.dashboard : {};
  const profile = isObj(raw.business_profile) ? raw.business_profile : {};
  // The platform account answers created only for some account types; the epoch marks "unknown".
  const created = num(raw.created) ?? 0;
  const name = str(dashboard.display_name) ?? str(profile.name) ?? str(raw.email);
  const currency = str(raw.default_currency);
  const account: PspAccount = {
    reference: String(raw.id),
    createdAt: at(created),
    ...(name ? { name } : {}),
    ...(currency ? { defaultAsset: `${currency.toUpperCase()}/${stripeExponentSafe(currency)}` } : {}),
    metadata: {
      ...userMetadata(raw),
      ...specMetadata(PROVIDER, {
        platform: platform ? 'true' : undefined,
        type: str(raw.type),
        country: str(raw.country),
        charges_enabled: typeof raw.charges_enabled === 'boolean' ? raw.charges_enabled : undefined,
        payouts_enabled: typeof raw.payouts_enabled === 'boolean' ? raw.payouts_enabled : undefined,
      }),
    },
    raw,
  };
  return { item: account, warnings: [] };
}

function stripeExponentSafe(currency: string): number {
  try {
    return stripeExponent(currency);
  } catch {
    return 2;
  }
}

/** A connected account's bank account or card (GET /v1/accounts/{id}/external_accounts). */
export function toExternalAccount(raw: unknown, owner: string): Mapped<PspAccount> {
  if (!isObj(raw) || !str(raw.id)) return { skip: 'external account without an id' };
  const object = str(raw.object);
  if (object !== 'bank_account' && object !== 'card')
    return { skip: `external account of unknown kind '${String(object)}'` };
  const currency = str(raw.currency);
  const name =
    object === 'bank_account'
      ? (str(raw.account_holder_name) ?? str(raw.bank_name))
      : (str(raw.name) ?? str(raw.brand));
  const account: PspAccount = {
    reference: String(raw.id),
    // Bank accounts and cards carry no creation time in the API: the epoch says so.
    createdAt: at(num(raw.created) ?? 0),
    ...(name ? { name } : {}),
    ...(currency ? { defaultAsset: `${currency.toUpperCase()}/${stripeExponentSafe(currency)}` } : {}),
    metadata: {
      ...userMetadata(raw),
      ...specMetadata(PROVIDER, {
        object,
        account: owner,
        last4: str(raw.last4),
        country: str(raw.country),
        status: str(raw.status),
        brand: str(raw.brand),
        bank_name: str(raw.bank_name),
        routing_number: str(raw.routing_number),
        default_for_currency:
          typeof raw.default_for_currency === 'boolean' ? raw.default_for_currency : undefined,
      }),
    },
    raw,
  };
  return { item: account, warnings: [] };
}

/** What changes in an external account that is worth emitting it again. */
export function externalAccountVersion(raw: unknown): string {
  if (!isObj(raw)) return '';
  return JSON.stringify([
    raw.status,
    raw.last4,
    raw.default_for_currency,
    raw.account_holder_name,
    raw.metadata,
  ]);
}

// ---------------------------------------------------------------- balances

/** GET /v1/balance: one balance per currency, the `available` funds. */
export function toBalances(raw: unknown, account: string, now: Date): Mapped<PspBalance>[] {
  if (!isObj(raw) || !Array.isArray(raw.available)) return [{ skip: 'balance without available funds' }];
  return raw.available.map((entry): Mapped<PspBalance> => {
    if (!isObj(entry) || num(entry.amount) === undefined || !str(entry.currency))
      return { skip: 'balance entry without amount or currency' };
    try {
      const money = stripeMoney(num(entry.amount) ?? 0, str(entry.currency) ?? '');
      return {
        item: { accountReference: account, createdAt: now, amount: money.amount, asset: money.asset },
        warnings: [],
      };
    } catch (error) {
      return { skip: `balance: ${(error as Error).message}` };
    }
  });
}

// ---------------------------------------------------------------- payments

/** Balance transaction types, by what they become. */
const PAY_IN_TYPES = new Set(['charge', 'payment']);
const REFUND_TYPES = new Set(['refund', 'payment_refund']);
const REFUND_FAILURE_TYPES = new Set(['refund_failure']);
/** A delayed-notification payment (ACH, direct debit) that failed after its pending balance transaction. */
const PAYMENT_FAILURE_TYPES = new Set(['payment_failure_refund']);
const PAYOUT_TYPES = new Set([
  'payout',
  'payout_cancel',
  'payout_failure',
  'payout_minimum_balance_hold',
  'payout_minimum_balance_release',
]);
const TRANSFER_TYPES = new Set(['transfer', 'transfer_cancel', 'transfer_failure']);
const TRANSFER_REVERSAL_TYPES = new Set(['transfer_refund']);
const DISPUTE_TYPES = new Set(['adjustment', 'payment_reversal']);
const TOPUP_TYPES = new Set(['topup', 'topup_reversal']);
/** Known movements of the balance that are not payments between parties: kept as type OTHER. */
const OTHER_TYPES = new Set([
  'advance',
  'advance_funding',
  'anticipation_repayment',
  'application_fee',
  'application_fee_refund',
  'climate_order_purchase',
  'climate_order_refund',
  'connect_collection_transfer',
  'contribution',
  'issuing_authorization_hold',
  'issuing_authorization_release',
  'issuing_dispute',
  'issuing_transaction',
  'obligation_outbound',
  'obligation_reversal_inbound',
  'payment_failure_refund_fee',
  'payment_network_reserve_hold',
  'payment_network_reserve_release',
  'payment_unreconciled',
  'reserve_transaction',
  'reserved_funds',
  'stripe_balance_payment_debit',
  'stripe_balance_payment_debit_reversal',
  'stripe_fee',
  'stripe_fx_fee',
  'tax_fee',
  'transfer_cancel_fee',
]);

export const CHARGE_STATUSES: Record<string, PaymentStatus> = {
  succeeded: 'SUCCEEDED',
  pending: 'PENDING',
  failed: 'FAILED',
};
export const REFUND_STATUSES: Record<string, PaymentStatus> = {
  succeeded: 'REFUNDED',
  pending: 'PENDING',
  requires_action: 'PENDING',
  failed: 'REFUNDED_FAILURE',
  canceled: 'REFUNDED_FAILURE',
};
export const DISPUTE_STATUSES: Record<string, PaymentStatus> = {
  warning_needs_response: 'DISPUTE',
  warning_under_review: 'DISPUTE',
  warning_closed: 'DISPUTE_WON',
  needs_response: 'DISPUTE',
  under_review: 'DISPUTE',
  won: 'DISPUTE_WON',
  lost: 'DISPUTE_LOST',
  prevented: 'DISPUTE_WON',
};
export const PAYOUT_STATUSES: Record<string, PaymentStatus> = {
  paid: 'SUCCEEDED',
  pending: 'PENDING',
  in_transit: 'PENDING',
  canceled: 'CANCELLED',
  failed: 'FAILED',
};
export const TOPUP_STATUSES: Record<string, PaymentStatus> = {
  succeeded: 'SUCCEEDED',
  pending: 'PENDING',
  failed: 'FAILED',
  canceled: 'CANCELLED',
  reversed: 'REFUNDED',
};

const CARD_BRANDS: Record<string, PaymentScheme> = {
  visa: 'CARD_VISA',
  mastercard: 'CARD_MASTERCARD',
  amex: 'CARD_AMEX',
  diners: 'CARD_DINERS',
  discover: 'CARD_DISCOVER',
  jcb: 'CARD_JCB',
  unionpay: 'CARD_UNION_PAY',
};
const METHOD_SCHEMES: Record<string, PaymentScheme> = {
  sepa_debit: 'SEPA_DEBIT',
  sepa_credit_transfer: 'SEPA_CREDIT',
  us_bank_account: 'ACH_DEBIT',
  ach_debit: 'ACH_DEBIT',
  ach_credit_transfer: 'ACH',
  alipay: 'CARD_ALIPAY',
};

/** The payment scheme of a charge (its payment method details), OTHER when it names none we know. */
export function schemeOf(charge: Obj): PaymentScheme {
  const details = isObj(charge.payment_method_details) ? charge.payment_method_details : undefined;
  const type = str(details?.type);
  if (!details || !type) return 'OTHER';
  if (type === 'card' || type === 'card_present') {
    const card = isObj(details[type]) ? (details[type] as Obj) : {};
    const wallet = isObj(card.wallet) ? str(card.wallet.type) : undefined;
    if (wallet === 'apple_pay') return 'APPLE_PAY';
    if (wallet === 'google_pay') return 'GOOGLE_PAY';
    return CARD_BRANDS[str(card.brand) ?? ''] ?? 'OTHER';
  }
  return METHOD_SCHEMES[type] ?? 'OTHER';
}

function status(
  table: Record<string, PaymentStatus>,
  value: unknown,
  what: string,
  warnings: string[],
): PaymentStatus {
  return mappedOrOther(table, value, `${what} status`, warnings);
}

/**
 * One balance transaction of `account` (its `source` expanded) as a payment or a change to one:
 * - charges and payments: the PAY-IN, referenced by the charge id;
 * - refunds and refund failures: adjustments of their charge's PAY-IN (REFUNDED, REFUNDED_FAILURE);
 * - disputes (adjustments whose source is a dispute): adjustments of their charge (DISPUTE, _WON, _LOST);
 * - payouts (and their cancellation or failure): the PAYOUT, with the payout's own status;
 * - transfers: the TRANSFER to the connected account; transfer reversals adjust it (REFUNDED);
 * - top-ups: a PAY-IN from the platform's bank;
 * - Stripe fees, application fees, reserves and other balance movements: type OTHER, SUCCEEDED;
 * - anything else: type OTHER, status OTHER, with a warning naming the type.
 */
export function toPayment(raw: unknown, account: string): Mapped<PspPayment> {
  if (!isObj(raw) || !str(raw.id)) return { skip: 'balance transaction without an id' };
  const bt = raw;
  const id = String(bt.id);
  const created = num(bt.created);
  const btType = str(bt.type) ?? '';
  if (created === undefined) return { skip: 'balance transaction without created' };
  const source = isObj(bt.source) ? bt.source : undefined;
  const sourceId = idOf(bt.source);
  const warnings: string[] = [];
  const metadata = {
    ...specMetadata(PROVIDER, {
      balance_transaction: id,
      balance_transaction_type: btType,
      reporting_category: str(bt.reporting_category),
      account,
      amount: num(bt.amount),
      currency: str(bt.currency),
      fee: num(bt.fee),
      net: num(bt.net),
      exchange_rate: num(bt.exchange_rate),
      available_on: num(bt.available_on),
      balance_status: str(bt.status),
      description: str(bt.description),
    }),
  };
  // Money of the source object (the presentment amount), else of the balance transaction.
  const money = (o: Obj | undefined, fallbackAbs = true) => {
    const amount = num(o?.amount) ?? (fallbackAbs ? Math.abs(num(bt.amount) ?? NaN) : NaN);
    const currency = str(o?.currency) ?? str(bt.currency) ?? '';
    return stripeMoney(amount, currency);
  };
  const base = (o: Obj | undefined) => ({
    createdAt: at(num(o?.created) ?? created),
    // Sources carry no update time: the status tells observations apart, so polling and webhooks agree.
    updatedAt: at(num(o?.created) ?? created),
    metadata: { ...(o ? userMetadata(o) : {}), ...metadata },
    raw: bt,
  });
  try {
    let payment: PspPayment;
    if (PAY_IN_TYPES.has(btType)) {
      const charge = source ?? {};
      payment = {
        ...base(source),
        reference: sourceId ?? id,
        type: 'PAY-IN',
        ...money(source),
        scheme: source ? schemeOf(charge) : 'OTHER',
        status: source ? status(CHARGE_STATUSES, charge.status, 'charge', warnings) : 'SUCCEEDED',
        destinationAccountReference: account,
      };
    } else if (
      REFUND_TYPES.has(btType) ||
      REFUND_FAILURE_TYPES.has(btType) ||
      PAYMENT_FAILURE_TYPES.has(btType)
    ) {
      const parent = idOf(source?.charge) ?? idOf(source?.payment_intent);
      const failed = REFUND_FAILURE_TYPES.has(btType);
      payment = {
        ...base(source),
        reference: sourceId ?? id,
        ...(parent ? { parentReference: parent } : {}),
        type: 'PAY-IN',
        ...money(source),
        scheme: 'OTHER',
        status: PAYMENT_FAILURE_TYPES.has(btType)
          ? 'FAILED'
          : failed
            ? 'REFUNDED_FAILURE'
            : status(REFUND_STATUSES, source?.status, 'refund', warnings),
        sourceAccountReference: account,
      };
    } else if (DISPUTE_TYPES.has(btType) && str(source?.object) === 'dispute') {
      const parent = idOf(source?.charge) ?? idOf(source?.payment_intent);
      payment = {
        ...base(source),
        reference: sourceId ?? id,
        ...(parent ? { parentReference: parent } : {}),
        type: 'PAY-IN',
        ...money(source),
        scheme: 'OTHER',
        status: status(DISPUTE_STATUSES, source?.status, 'dispute', warnings),
      };
    } else if (PAYOUT_TYPES.has(btType) && (str(source?.object) === 'payout' || !source)) {
      const destination = idOf(source?.destination);
      payment = {
        ...base(source),
        reference: sourceId ?? id,
        type: 'PAYOUT',
        ...money(source),
        scheme: 'OTHER',
        status: source ? status(PAYOUT_STATUSES, source.status, 'payout', warnings) : 'PENDING',
        sourceAccountReference: account,
        ...(destination ? { destinationAccountReference: destination } : {}),
      };
    } else if (TRANSFER_TYPES.has(btType)) {
      const destination = idOf(source?.destination);
      payment = {
        ...base(source),
        reference: sourceId ?? id,
        type: 'TRANSFER',
        ...money(source),
        scheme: 'OTHER',
        status: btType === 'transfer' ? 'SUCCEEDED' : 'FAILED',
        sourceAccountReference: account,
        ...(destination ? { destinationAccountReference: destination } : {}),
      };
    } else if (TRANSFER_REVERSAL_TYPES.has(btType)) {
      const parent = idOf(source?.transfer);
      payment = {
        ...base(source),
        reference: sourceId ?? id,
        ...(parent ? { parentReference: parent } : {}),
        type: 'TRANSFER',
        ...money(source),
        scheme: 'OTHER',
        status: 'REFUNDED',
        sourceAccountReference: account,
      };
    } else if (TOPUP_TYPES.has(btType)) {
      payment = {
        ...base(source),
        reference: sourceId ?? id,
        type: 'PAY-IN',
        ...money(source),
        scheme: 'OTHER',
        status:
          btType === 'topup_reversal'
            ? 'REFUNDED'
            : source
              ? status(TOPUP_STATUSES, source.status, 'top-up', warnings)
              : 'SUCCEEDED',
        destinationAccountReference: account,
      };
    } else {
      const known = OTHER_TYPES.has(btType) || DISPUTE_TYPES.has(btType);
      if (!known) warnings.push(`unknown balance transaction type '${btType.slice(0, 64)}' mapped to OTHER`);
      // A fee or adjustment is a movement of the balance itself: its own signed amount, its own id.
      const amount = num(bt.amount) ?? NaN;
      const signed = stripeMoney(Math.abs(amount), str(bt.currency) ?? '');
      payment = {
        createdAt: at(created),
        updatedAt: at(created),
        reference: id,
        type: 'OTHER',
        ...signed,
        scheme: 'OTHER',
        status: known ? 'SUCCEEDED' : 'OTHER',
        ...(amount < 0 ? { sourceAccountReference: account } : { destinationAccountReference: account }),
        metadata,
        raw: bt,
      };
    }
    return { item: payment, warnings };
  } catch (error) {
    return { skip: `balance transaction ${btType}: ${(error as Error).message}` };
  }
}
