// Modulr's objects as Paybridge sees them: response schemas, exact amounts and the status and type tables.
import { LosslessNumber } from 'lossless-json';
import { z } from 'zod';
import { assetFromCurrency } from '../../domain/assets.js';
import type { PaymentScheme, PaymentStatus, PaymentType } from '../../domain/enums.js';
import type { PspAccount, PspBalance, PspPayment } from '../sdk/contract.js';
import { mappedOrOther } from '../sdk/mapping.js';
import { InvalidAmountError, specMetadata, toMinorUnits } from '../sdk/money.js';

export const PROVIDER = 'modulr';

/** A JSON number (kept as text by the client) or a string, as the decimal text it is. */
const decimal = z
  .union([z.instanceof(LosslessNumber), z.string(), z.number()])
  .transform((value) => (value instanceof LosslessNumber ? value.value : String(value)));
const integer = z
  .union([z.instanceof(LosslessNumber), z.number(), z.string()])
  .transform((value) => Number(value instanceof LosslessNumber ? value.value : value))
  .pipe(z.number().int());
const text = z.string();

/** `2017-01-28T01:01:01+0000` or `…01.010+0000` (Modulr's format); ISO forms are read too. */
export function modulrTime(value: string): Date {
  const iso = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) throw new Error(`'${value.slice(0, 40)}' is not a Modulr date-time`);
  return at;
}

/** A date-time as Modulr's filters take it: `yyyy-MM-dd'T'HH:mm:ss+0000` (UTC, whole seconds). */
export function modulrFilterTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}+0000`;
}

const isTime = (value: string) => {
  try {
    modulrTime(value);
    return true;
  } catch {
    return false;
  }
};
const timestamp = text.refine(isTime, { error: 'not a Modulr date-time' });

export const pageSchema = z.looseObject({
  content: z.array(z.unknown()).default([]),
  page: integer.optional(),
  totalPages: integer.optional(),
  totalSize: integer.optional(),
});

export const accountSchema = z.looseObject({
  id: text.min(1),
  name: text.nullish(),
  balance: decimal,
  currency: text,
  status: text.nullish(),
  customerId: text.nullish(),
  externalReference: text.nullish(),
  createdDate: timestamp,
  identifiers: z.array(z.looseObject({ type: text.nullish() })).nullish(),
});
export type ModulrAccount = z.infer<typeof accountSchema>;

export const beneficiarySchema = z.looseObject({
  id: text.min(1),
  name: text.nullish(),
  created: timestamp,
  updated: text.nullish(),
  status: text.nullish(),
  approvalStatus: text.nullish(),
  customerId: text.nullish(),
  accountId: text.nullish(),
  destinationIdentifier: z.looseObject({ type: text.nullish(), currency: text.nullish() }).nullish(),
});
export type ModulrBeneficiary = z.infer<typeof beneficiarySchema>;

export const transactionSchema = z.looseObject({
  id: text.min(1),
  amount: decimal,
  currency: text,
  description: text.nullish(),
  transactionDate: text.nullish(),
  postedDate: timestamp,
  credit: z.boolean(),
  type: text,
  sourceId: text.nullish(),
  sourceExternalReference: text.nullish(),
});
export type ModulrTransaction = z.infer<typeof transactionSchema>;

export const paymentSchema = z.looseObject({
  id: text.min(1),
  status: text,
  createdDate: timestamp,
  externalReference: text.nullish(),
  approvalStatus: text.nullish(),
  message: text.nullish(),
  type: text.nullish(),
  schemeInfo: z.looseObject({ name: text.nullish(), id: text.nullish() }).nullish(),
  details: z.looseObject({
    sourceAccountId: text.nullish(),
    destination: z.looseObject({ type: text.nullish(), id: text.nullish() }).nullish(),
    amount: decimal,
    // Modulr's default when a payment names none.
    currency: text.nullish().transform((c) => c ?? 'GBP'),
    reference: text.nullish(),
  }),
});
export type ModulrPayment = z.infer<typeof paymentSchema>;

/** A Modulr amount in a currency as exact minor units and the asset. */
export function money(amount: string, currency: string): { amount: bigint; asset: string } {
  const asset = assetFromCurrency(currency);
  if (!asset) throw new InvalidAmountError(`'${currency.slice(0, 16)}' is not an ISO 4217 currency`);
  return { amount: toMinorUnits(amount, asset), asset };
}

export function toAccount(account: ModulrAccount): PspAccount {
  const asset = assetFromCurrency(account.currency);
  return {
    reference: account.id,
    createdAt: modulrTime(account.createdDate),
    ...(account.name ? { name: account.name } : {}),
    ...(asset ? { defaultAsset: asset } : {}),
    metadata: specMetadata(PROVIDER, {
      status: account.status,
      customer_id: account.customerId,
      external_reference: account.externalReference,
      identifier_types: account.identifiers
        ?.map((i) => i.type)
        .filter(Boolean)
        .join(','),
    }),
    raw: account,
  };
}

export function toBalance(account: ModulrAccount, at: Date): PspBalance {
  const { amount, asset } = money(account.balance, account.currency);
  return { accountReference: account.id, createdAt: at, amount, asset };
}

export function toExternalAccount(beneficiary: ModulrBeneficiary): PspAccount {
  const currency = beneficiary.destinationIdentifier?.currency;
  const asset = currency ? assetFromCurrency(currency) : undefined;
  return {
    reference: beneficiary.id,
    createdAt: modulrTime(beneficiary.created),
    ...(beneficiary.name ? { name: beneficiary.name } : {}),
    ...(asset ? { defaultAsset: asset } : {}),
    metadata: specMetadata(PROVIDER, {
      status: beneficiary.status,
      approval_status: beneficiary.approvalStatus,
      destination_type: beneficiary.destinationIdentifier?.type,
      customer_id: beneficiary.customerId,
      modulr_account_id: beneficiary.accountId,
    }),
    raw: beneficiary,
  };
}

/** Modulr payment statuses (GET /payments) → Paybridge statuses. */
export const PAYMENT_STATUS: Readonly<Record<string, PaymentStatus>> = {
  SUBMITTED: 'PENDING',
  SCREENING_REQ: 'PENDING',
  VALIDATED: 'PENDING',
  PENDING_FOR_DATE: 'PENDING',
  PENDING_FOR_FUNDS: 'PENDING',
  EXT_PROC: 'PENDING',
  EXT_SENT: 'PENDING',
  CLEARING: 'PENDING',
  HELD: 'PENDING',
  HELD_IN_SUSPENSE: 'PENDING',
  REPROCESSING: 'PENDING',
  UNALLOCATED: 'PENDING',
  PROCESSED: 'SUCCEEDED',
  RECONCILED: 'SUCCEEDED',
  ER_INVALID: 'FAILED',
  ER_EXTCONN: 'FAILED',
  ER_EXTSYS: 'FAILED',
  ER_EXPIRED: 'FAILED',
  ER_GENERAL: 'FAILED',
  ER_BATCH: 'FAILED',
  VOID: 'FAILED',
  RETURNED: 'FAILED',
  CANCELLED: 'CANCELLED',
};

/** Statuses after which a payment no longer changes (polling a payout stops there). */
export const FINAL_STATUSES = new Set(
  Object.entries(PAYMENT_STATUS)
    .filter(([, mapped]) => mapped !== 'PENDING')
    .map(([status]) => status),
);

/** Transaction types → Paybridge payment type and scheme. */
export const TRANSACTION_TYPE: Readonly<Record<string, { type: PaymentType; scheme: PaymentScheme }>> = {
  PI_BACS: { type: 'PAY-IN', scheme: 'OTHER' },
  PI_BACS_CONTRA: { type: 'PAY-IN', scheme: 'OTHER' },
  PI_FAST: { type: 'PAY-IN', scheme: 'OTHER' },
  PI_CHAPS: { type: 'PAY-IN', scheme: 'OTHER' },
  PI_DD: { type: 'PAY-IN', scheme: 'OTHER' },
  PI_DD_PEND: { type: 'PAY-IN', scheme: 'OTHER' },
  PI_SECT: { type: 'PAY-IN', scheme: 'SEPA_CREDIT' },
  PI_SEPA_INST: { type: 'PAY-IN', scheme: 'SEPA_CREDIT' },
  PI_SWIFT: { type: 'PAY-IN', scheme: 'OTHER' },
  PI_FX: { type: 'PAY-IN', scheme: 'OTHER' },
  PI_MASTER: { type: 'PAY-IN', scheme: 'CARD_MASTERCARD' },
  PI_VISA: { type: 'PAY-IN', scheme: 'CARD_VISA' },
  PO_FAST: { type: 'PAYOUT', scheme: 'OTHER' },
  PO_CHAPS: { type: 'PAYOUT', scheme: 'OTHER' },
  PO_DD: { type: 'PAYOUT', scheme: 'OTHER' },
  PO_DD_PEND: { type: 'PAYOUT', scheme: 'OTHER' },
  PO_SECT: { type: 'PAYOUT', scheme: 'SEPA_CREDIT' },
  PO_SEPA_INST: { type: 'PAYOUT', scheme: 'SEPA_CREDIT' },
  PO_SWIFT: { type: 'PAYOUT', scheme: 'OTHER' },
  PO_FX: { type: 'PAYOUT', scheme: 'OTHER' },
  PO_MASTER: { type: 'PAYOUT', scheme: 'CARD_MASTERCARD' },
  PO_VISA: { type: 'PAYOUT', scheme: 'CARD_VISA' },
  INT_INTERC: { type: 'TRANSFER', scheme: 'OTHER' },
  INT_INTRAC: { type: 'TRANSFER', scheme: 'OTHER' },
  PI_REV: { type: 'OTHER', scheme: 'OTHER' },
  PI_FAST_REV: { type: 'OTHER', scheme: 'OTHER' },
  PO_REV: { type: 'OTHER', scheme: 'OTHER' },
  PO_REV_MASTER: { type: 'OTHER', scheme: 'CARD_MASTERCARD' },
  ADHOC: { type: 'OTHER', scheme: 'OTHER' },
  FE_TXN: { type: 'OTHER', scheme: 'OTHER' },
  FE_ACMNT: { type: 'OTHER', scheme: 'OTHER' },
  FE_ACOPN: { type: 'OTHER', scheme: 'OTHER' },
  FE_REV: { type: 'OTHER', scheme: 'OTHER' },
  DDIC_RETURN: { type: 'OTHER', scheme: 'OTHER' },
  ARUDD_RETURN: { type: 'OTHER', scheme: 'OTHER' },
  PI_FXFEE: { type: 'OTHER', scheme: 'OTHER' },
};

/**
 * Debits made by a Modulr payment (POST /payments): the payments listing reports that payment with
 * both ends and its status, under the payment's id, so the debit is not a payment of its own.
 */
export const PAYMENT_DEBITS = new Set([
  'PO_FAST',
  'PO_CHAPS',
  'PO_SECT',
  'PO_SEPA_INST',
  'PO_SWIFT',
  'INT_INTERC',
  'INT_INTRAC',
]);

/** Credits of a transfer between Modulr accounts: the paying payment may be visible too. */
export const TRANSFER_CREDITS = new Set(['INT_INTERC', 'INT_INTRAC']);

/**
 * A transaction on `accountId` as a payment: money in or out of that account, settled (Modulr lists
 * only successful transactions). A pay-in keeps the id of Modulr's inbound payment (`sourceId`) as
 * its reference, as Formance does; anything else its transaction id.
 */
export function transactionToPayment(
  transaction: ModulrTransaction,
  accountId: string,
  warnings: string[],
): PspPayment {
  const known = TRANSACTION_TYPE[transaction.type];
  const type: PaymentType = known
    ? known.type
    : mappedOrOther<PaymentType>({}, transaction.type, 'transaction type', warnings);
  const amount = money(transaction.amount, transaction.currency);
  const reference =
    type === 'PAY-IN' || TRANSFER_CREDITS.has(transaction.type)
      ? (transaction.sourceId ?? transaction.id)
      : transaction.id;
  return {
    reference,
    createdAt: modulrTime(transaction.postedDate),
    type,
    amount: amount.amount < 0n ? -amount.amount : amount.amount,
    asset: amount.asset,
    scheme: known?.scheme ?? 'OTHER',
    status: 'SUCCEEDED',
    ...(transaction.credit
      ? { destinationAccountReference: accountId }
      : { sourceAccountReference: accountId }),
    metadata: specMetadata(PROVIDER, {
      transaction_id: transaction.id,
      transaction_type: transaction.type,
      source_id: transaction.sourceId,
      source_external_reference: transaction.sourceExternalReference,
      description: transaction.description,
    }),
    raw: transaction,
  };
}

/** A Modulr payment (GET or POST /payments) as a payout, or a transfer when it pays a Modulr account. */
export function paymentToPayment(payment: ModulrPayment, warnings: string[]): PspPayment {
  const destination = payment.details.destination;
  const toAccount = destination?.type === 'ACCOUNT';
  const amount = money(payment.details.amount, payment.details.currency);
  const destinationId =
    destination?.id && (toAccount || destination.type === 'BENEFICIARY') ? destination.id : undefined;
  return {
    reference: payment.id,
    createdAt: modulrTime(payment.createdDate),
    type: toAccount ? 'TRANSFER' : 'PAYOUT',
    amount: amount.amount,
    asset: amount.asset,
    scheme: 'OTHER',
    status: mappedOrOther(PAYMENT_STATUS, payment.status, 'payment status', warnings),
    ...(payment.details.sourceAccountId ? { sourceAccountReference: payment.details.sourceAccountId } : {}),
    ...(destinationId ? { destinationAccountReference: destinationId } : {}),
    metadata: specMetadata(PROVIDER, {
      status: payment.status,
      approval_status: payment.approvalStatus,
      external_reference: payment.externalReference,
      reference: payment.details.reference,
      destination_type: destination?.type,
      scheme: payment.schemeInfo?.name,
      scheme_id: payment.schemeInfo?.id,
      message: payment.message,
    }),
    raw: payment,
  };
}
