// How the console shows amounts and times: major units with the asset's precision, times in the viewer's zone.
import { formatAmount } from '../../../src/domain/amount-format.js';

/** A wire amount: a number when a double holds it exactly, a bigint beyond 2^53 (see parseJson). */
export type Amount = bigint | number;

/** The viewer's locale, so grouping and decimal marks read the way they expect. */
export function viewerLocale(): string {
  return typeof navigator === 'undefined' ? 'en-US' : navigator.language || 'en-US';
}

/** `USD/2` 123456 → `1,234.56 USD`; exact at any size (integer arithmetic only). */
export function amountText(amount: Amount | string, asset: string, locale = viewerLocale()): string {
  try {
    return formatAmount(amount, asset, locale);
  } catch {
    // Never hide a value the formatter cannot read: show it raw rather than a made-up number.
    return `${String(amount)} ${asset}`;
  }
}

/** Formance writes this for "no time" (e.g. an initiation that is not scheduled). */
const ZERO_TIME = /^0001-01-01T00:00:00/;

export function isZeroTime(iso: string): boolean {
  return ZERO_TIME.test(iso);
}

/** A timestamp in the viewer's zone (or `timeZone`), naming the zone so nobody mistakes it for UTC. */
export function timeText(
  iso: string,
  locale = viewerLocale(),
  timeZone?: string,
  now: Date = new Date(),
): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  // The year only when it is not this one: shorter times keep tables within a laptop's width.
  const yearOf = (d: Date) =>
    new Intl.DateTimeFormat('en-US', { year: 'numeric', ...(timeZone ? { timeZone } : {}) }).format(d);
  return new Intl.DateTimeFormat(locale, {
    ...(yearOf(date) === yearOf(now) ? {} : { year: 'numeric' as const }),
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}

/** Upper-snake wire values (`WAITING_FOR_VALIDATION`) as words (`Waiting for validation`). */
export function enumText(value: string): string {
  const words = value.replace(/_/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Payment schemes as the networks and PSPs spell them (`CARD_MASTERCARD` → `Mastercard`, `SEPA` → `SEPA`).
 * A value not listed keeps its acronyms upper-case and reads as words otherwise.
 */
const SCHEME_NAMES: Record<string, string> = {
  UNKNOWN: 'Unknown',
  OTHER: 'Other',
  CARD_VISA: 'Visa',
  CARD_MASTERCARD: 'Mastercard',
  CARD_AMEX: 'Amex',
  CARD_DINERS: 'Diners Club',
  CARD_DISCOVER: 'Discover',
  CARD_JCB: 'JCB',
  CARD_UNION_PAY: 'UnionPay',
  CARD_ALIPAY: 'Alipay',
  CARD_CUP: 'China UnionPay',
  SEPA_DEBIT: 'SEPA Direct Debit',
  SEPA_CREDIT: 'SEPA Credit Transfer',
  SEPA: 'SEPA',
  GOOGLE_PAY: 'Google Pay',
  APPLE_PAY: 'Apple Pay',
  DOKU: 'DOKU',
  DRAGON_PAY: 'Dragonpay',
  MAESTRO: 'Maestro',
  MOL_PAY: 'MOLPay',
  A2A: 'Account to account',
  ACH_DEBIT: 'ACH Debit',
  ACH: 'ACH',
  RTP: 'RTP',
};

/** Words that are names or acronyms in payments, whatever the enum's case. */
const ACRONYMS = new Set([
  'ACH',
  'SEPA',
  'SWIFT',
  'RTP',
  'BACS',
  'CHAPS',
  'FPS',
  'SCT',
  'SDD',
  'EFT',
  'IBAN',
  'BIC',
  'PSP',
  'JCB',
  'UPI',
  'PIX',
  'NPP',
  'FEDNOW',
  'FEDWIRE',
  'SPEI',
  'CUP',
  'A2A',
  'DOKU',
  'PSU',
  'ID',
  'FX',
]);

function wordsOf(value: string): string {
  const words = value.split(/[_\s]+/).filter(Boolean);
  return words
    .map((word, i) => {
      const upper = word.toUpperCase();
      if (ACRONYMS.has(upper)) return upper === 'FEDNOW' ? 'FedNow' : upper === 'FEDWIRE' ? 'Fedwire' : upper;
      const lower = word.toLowerCase();
      return i === 0 ? lower.charAt(0).toUpperCase() + lower.slice(1) : lower;
    })
    .join(' ');
}

export function schemeText(scheme: string): string {
  const known = SCHEME_NAMES[scheme.toUpperCase()];
  if (known) return known;
  const card = /^CARD_(.+)$/i.exec(scheme);
  return card ? wordsOf(card[1] as string) : wordsOf(scheme);
}

/** Statuses and types that enumText would misread: the wire keeps Formance's spelling, people should not. */
const STATUS_NAMES: Record<string, string> = {
  AMOUNT_ADJUSTEMENT: 'Amount adjustment',
  'PAY-IN': 'Pay-in',
  REFUNDED_FAILURE: 'Refund failed',
  AUTHORISATION: 'Authorised',
  CAPTURE: 'Captured',
};

/** A payment status or type as words (`REFUND_REVERSED` → `Refund reversed`), acronyms kept. */
export function statusText(status: string): string {
  return STATUS_NAMES[status] ?? wordsOf(status);
}

/** Statuses where no money has settled (yet, or ever): the payment's `amount` is what has moved, often 0. */
const UNSETTLED = new Set([
  'AUTHORISATION',
  'PENDING',
  'UNKNOWN',
  'FAILED',
  'CANCELLED',
  'EXPIRED',
  'CAPTURE_FAILED',
]);

export interface ShownAmount {
  /** The amount the payment is about, in minor units. */
  amount: Amount;
  /** What the other amount says, when it differs (e.g. `1,000.00 EUR captured`, `of 100.00 EUR`). */
  note?: string;
}

function toBig(value: Amount | string): bigint | undefined {
  try {
    return BigInt(value);
  } catch {
    return undefined;
  }
}

/**
 * The amount to show for a payment. `amount` is what has moved so far (an authorisation has captured
 * nothing, so it is 0) and `initialAmount` what was asked or authorised: an unsettled payment shows the
 * amount it concerns, with what was captured when some was; a settled one shows what moved, with the
 * initial amount when a refund or capture made them differ.
 */
export function shownAmount(
  payment: { status: string; amount: Amount; initialAmount: Amount; asset: string },
  locale = viewerLocale(),
): ShownAmount {
  const amount = toBig(payment.amount);
  const initial = toBig(payment.initialAmount);
  if (amount === undefined || initial === undefined || amount === initial) return { amount: payment.amount };
  if (UNSETTLED.has(payment.status)) {
    if (amount !== 0n)
      return { amount: payment.initialAmount, note: `${amountText(amount, payment.asset, locale)} captured` };
    return payment.status === 'AUTHORISATION'
      ? { amount: payment.initialAmount, note: 'not captured yet' }
      : { amount: payment.initialAmount };
  }
  return { amount: payment.amount, note: `of ${amountText(initial, payment.asset, locale)}` };
}
