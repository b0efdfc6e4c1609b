// Generic contract records → Paybridge PSP objects. Lenient where the contract allows it, strict about money.
import { z } from 'zod';
import { assetFromCurrency, isValidAsset } from '../../domain/assets.js';
import {
  PAYMENT_SCHEMES,
  PAYMENT_STATUSES,
  type PaymentScheme,
  type PaymentStatus,
  type PaymentType,
} from '../../domain/enums.js';
import type { PspAccount, PspBalance, PspPayment } from '../sdk/contract.js';

export type Mapped<T> = { item: T } | { skip: string };

const timestamp = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 date-time' });
// The contract says integer strings; a JSON integer is read too (exactly: the body is parsed losslessly).
const minorUnits = z.union([
  z.string().regex(/^-?\d+$/, { error: 'must be an integer number of minor units' }),
  z.bigint(),
  z.number().int(),
]);
// Metadata is string→string; other scalar values are kept as their JSON text rather than failing the record.
const metadata = z
  .record(z.string(), z.unknown())
  .nullish()
  .transform((value) =>
    Object.fromEntries(
      Object.entries(value ?? {})
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v, bigintText)]),
    ),
  );
const bigintText = (_key: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);
const optionalText = z
  .string()
  .nullish()
  .transform((v) => (v === null || v === undefined || v === '' ? undefined : v));

// Accounts and beneficiaries differ only in the field that names them (`accountName`, `ownerName`).
const accountRecord = z.object({
  id: z.string().min(1),
  accountName: z.string().nullish(),
  ownerName: z.string().nullish(),
  createdAt: timestamp,
  metadata,
});

const transactionRecord = z.object({
  id: z.string().min(1),
  relatedTransactionID: optionalText,
  createdAt: timestamp,
  updatedAt: timestamp,
  currency: z.string().min(1),
  scheme: optionalText,
  type: z.string(),
  status: z.string(),
  amount: minorUnits,
  sourceAccountID: optionalText,
  destinationAccountID: optionalText,
  metadata,
});

export const balancesResponse = z.object({
  at: timestamp,
  balances: z.array(z.unknown()),
});
const balanceEntry = z.object({ amount: minorUnits, currency: z.string().min(1) });

/** Payouts and transfers answer with the request's fields plus an id, a status and timestamps. */
export const movementResponse = z.object({
  id: z.string().min(1),
  status: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp.nullish(),
  amount: minorUnits,
  currency: z.string().min(1),
  sourceAccountId: optionalText,
  destinationAccountId: optionalText,
  metadata,
});

/** A zod error as one line naming each field: what a skipped record is reported with. */
export function describeProblem(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** `USD/2` and `COIN` pass through; a bare ISO code gains its precision (`EUR` → `EUR/2`). */
export function toAsset(currency: string): string | undefined {
  return assetFromCurrency(currency) ?? (isValidAsset(currency) ? currency : undefined);
}

const TYPES: Record<string, PaymentType> = { PAYIN: 'PAY-IN', PAYOUT: 'PAYOUT', TRANSFER: 'TRANSFER' };

export function toPaymentType(type: string): PaymentType {
  return TYPES[type] ?? 'OTHER';
}

/** Each contract status is the Paybridge status of the same name; PROCESSING is still pending; the rest is OTHER. */
export function toPaymentStatus(status: string): PaymentStatus {
  if (status === 'PROCESSING') return 'PENDING';
  const known = PAYMENT_STATUSES.find((s) => s === status && s !== 'UNKNOWN' && s !== 'AMOUNT_ADJUSTEMENT');
  return known ?? 'OTHER';
}

function toScheme(scheme: string | undefined): PaymentScheme {
  return PAYMENT_SCHEMES.find((s) => s === scheme) ?? 'OTHER';
}

function toPspAccount(raw: unknown, nameField: 'accountName' | 'ownerName'): Mapped<PspAccount> {
  const parsed = accountRecord.safeParse(raw);
  if (!parsed.success) return { skip: describeProblem(parsed.error) };
  const r = parsed.data;
  const account: PspAccount = {
    reference: r.id,
    createdAt: new Date(r.createdAt),
    metadata: r.metadata,
    raw,
  };
  const name = r[nameField];
  if (name) account.name = name;
  return { item: account };
}

/** An account (`GET /accounts`): an internal account. */
export const toAccount = (raw: unknown) => toPspAccount(raw, 'accountName');

/** A beneficiary (`GET /beneficiaries`): an external account. */
export const toBeneficiary = (raw: unknown) => toPspAccount(raw, 'ownerName');

export function toPayment(raw: unknown): Mapped<PspPayment> {
  const parsed = transactionRecord.safeParse(raw);
  if (!parsed.success) return { skip: describeProblem(parsed.error) };
  const r = parsed.data;
  const amount = BigInt(r.amount);
  if (amount < 0n) return { skip: `amount: ${amount} is negative` };
  const asset = toAsset(r.currency);
  if (!asset) return { skip: `currency: "${r.currency}" is not an asset` };
  const payment: PspPayment = {
    reference: r.id,
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
    type: toPaymentType(r.type),
    amount,
    asset,
    scheme: toScheme(r.scheme),
    status: toPaymentStatus(r.status),
    metadata: r.metadata,
    raw,
  };
  if (r.relatedTransactionID) payment.parentReference = r.relatedTransactionID;
  if (r.sourceAccountID) payment.sourceAccountReference = r.sourceAccountID;
  if (r.destinationAccountID) payment.destinationAccountReference = r.destinationAccountID;
  return { item: payment };
}

export function toBalance(raw: unknown, accountReference: string, at: Date): Mapped<PspBalance> {
  const parsed = balanceEntry.safeParse(raw);
  if (!parsed.success) return { skip: describeProblem(parsed.error) };
  const asset = toAsset(parsed.data.currency);
  if (!asset) return { skip: `currency: "${parsed.data.currency}" is not an asset` };
  return { item: { accountReference, createdAt: at, amount: BigInt(parsed.data.amount), asset } };
}
