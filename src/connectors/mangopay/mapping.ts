// Mangopay objects to Paybridge's: users (others), wallets (accounts and balances), bank accounts (external accounts), transactions (payments and their adjustments).
import { z } from 'zod';
import { assetFromCurrency } from '../../domain/assets.js';
import type { PaymentStatus, PaymentType } from '../../domain/enums.js';
import type { PspAccount, PspBalance, PspOther, PspPayment } from '../sdk/contract.js';
import { mappedOrOther } from '../sdk/mapping.js';
import { InvalidAmountError, specMetadata } from '../sdk/money.js';

export const PROVIDER = 'mangopay';

const meta = (values: Parameters<typeof specMetadata>[1]) => specMetadata(PROVIDER, values);

/** Integers as Mangopay sends them: JSON numbers (bigint beyond 2^53, as the exact parser reads them). */
const integer = z.union([z.number().int(), z.bigint()]);
const seconds = z.union([z.number().int(), z.bigint()]).transform((value) => Number(value));
const optionalText = z.string().nullish();

const money = z.object({ Currency: z.string().min(1), Amount: integer });

export const mangopayUser = z.object({
  Id: z.string().min(1),
  CreationDate: seconds,
  PersonType: optionalText,
});
export type MangopayUser = z.infer<typeof mangopayUser>;

export const mangopayWallet = z.object({
  Id: z.string().min(1),
  CreationDate: seconds,
  Description: optionalText,
  Currency: z.string().min(1),
  Balance: money,
  FundsType: optionalText,
  Owners: z.array(z.string()).nullish(),
  Tag: optionalText,
});
export type MangopayWallet = z.infer<typeof mangopayWallet>;

export const mangopayBankAccount = z.object({
  Id: z.string().min(1),
  CreationDate: seconds,
  Type: z.string().min(1),
  OwnerName: optionalText,
  UserId: optionalText,
  Active: z.boolean().nullish(),
  Country: optionalText,
  IBAN: optionalText,
  BIC: optionalText,
  AccountNumber: optionalText,
  Tag: optionalText,
});
export type MangopayBankAccount = z.infer<typeof mangopayBankAccount>;

/** A wallet transaction, and equally a pay-in, payout, transfer or refund read by id (they share these fields). */
export const mangopayTransaction = z.object({
  Id: z.string().min(1),
  CreationDate: seconds,
  ExecutionDate: seconds.nullish(),
  Status: z.string().min(1),
  Type: z.string().min(1),
  Nature: z.string().min(1),
  DebitedFunds: money,
  CreditedFunds: money.nullish(),
  Fees: money.nullish(),
  DebitedWalletId: optionalText,
  CreditedWalletId: optionalText,
  AuthorId: optionalText,
  CreditedUserId: optionalText,
  ResultCode: optionalText,
  ResultMessage: optionalText,
  Tag: optionalText,
  PaymentType: optionalText,
  InitialTransactionId: optionalText,
  InitialTransactionType: optionalText,
});
export type MangopayTransaction = z.infer<typeof mangopayTransaction>;

/** A mapped record, or why it cannot be, and what an operator should hear about it. */
export type Mapped<T> = { ok: true; value: T; warnings: string[] } | { ok: false; reason: string };

export function zodReason(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || 'record'}: ${issue.message}`)
    .join('; ');
}

/** Minor units and asset; Mangopay's amounts are already minor units with ISO 4217 exponents. */
export function mangopayMoney(funds: { Currency: string; Amount: number | bigint }): {
  amount: bigint;
  asset: string;
} {
  const asset = assetFromCurrency(funds.Currency);
  if (asset === undefined || funds.Currency.includes('/')) {
    throw new InvalidAmountError(`'${funds.Currency.slice(0, 16)}' is not an ISO 4217 currency`);
  }
  return { amount: BigInt(funds.Amount), asset };
}

export const toDate = (unixSeconds: number): Date => new Date(unixSeconds * 1000);

export function userToOther(user: MangopayUser): PspOther {
  // Only what the children need travels in their payloads: names and e-mails stay at Mangopay.
  return {
    id: user.Id,
    other: { Id: user.Id, CreationDate: user.CreationDate, PersonType: user.PersonType },
  };
}

export function walletToAccount(wallet: MangopayWallet, raw: unknown): PspAccount {
  const asset = assetFromCurrency(wallet.Currency);
  return {
    reference: wallet.Id,
    createdAt: toDate(wallet.CreationDate),
    ...(wallet.Description ? { name: wallet.Description } : {}),
    ...(asset ? { defaultAsset: asset } : {}),
    metadata: meta({
      userId: wallet.Owners?.[0],
      fundsType: wallet.FundsType,
      tag: wallet.Tag || undefined,
    }),
    raw,
  };
}

export function walletBalance(wallet: MangopayWallet, at: Date): PspBalance {
  const { amount, asset } = mangopayMoney(wallet.Balance);
  return { accountReference: wallet.Id, createdAt: at, amount, asset };
}

/** The last four characters, for raw copies that must not hold a whole account number. */
const masked = (value: string | null | undefined) =>
  value ? `${'*'.repeat(Math.max(0, value.length - 4))}${value.slice(-4)}` : value;

export function bankAccountToExternal(account: MangopayBankAccount, raw: unknown): PspAccount {
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  return {
    reference: account.Id,
    createdAt: toDate(account.CreationDate),
    ...(account.OwnerName ? { name: account.OwnerName } : {}),
    metadata: meta({
      userId: account.UserId,
      type: account.Type,
      active: account.Active ?? undefined,
      country: account.Country,
      bic: account.BIC,
      tag: account.Tag || undefined,
    }),
    // Account numbers are kept encrypted elsewhere; the raw copy (stored in clear) keeps only their ends.
    raw: {
      ...record,
      ...('IBAN' in record ? { IBAN: masked(account.IBAN) } : {}),
      ...('AccountNumber' in record ? { AccountNumber: masked(account.AccountNumber) } : {}),
    },
  };
}

const TYPES: Record<string, PaymentType> = { PAYIN: 'PAY-IN', PAYOUT: 'PAYOUT', TRANSFER: 'TRANSFER' };
const STATUSES: Record<string, PaymentStatus> = {
  CREATED: 'PENDING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
};
const REFUND_STATUSES: Record<string, PaymentStatus> = {
  CREATED: 'PENDING',
  SUCCEEDED: 'REFUNDED',
  FAILED: 'REFUNDED_FAILURE',
};
const REPUDIATION_STATUSES: Record<string, PaymentStatus> = {
  CREATED: 'DISPUTE',
  SUCCEEDED: 'DISPUTE_LOST',
  FAILED: 'DISPUTE',
};
/** Natures of a payment in its own right. */
const REGULAR_NATURES = new Set(['REGULAR', 'SETTLEMENT']);
/** Natures that move money back for an earlier transaction (InitialTransactionId). */
const ADJUSTMENT_NATURES = new Set(['REFUND', 'REPUDIATION']);

export function paymentType(type: string, warnings: string[]): PaymentType {
  return mappedOrOther(TYPES, type, 'Mangopay transaction type', warnings);
}

export function paymentStatus(
  status: string,
  table: Record<string, PaymentStatus>,
  warnings: string[],
): PaymentStatus {
  return mappedOrOther(table, status, 'Mangopay transaction status', warnings);
}

/** Whether the transaction moves money back for another one (and so needs its InitialTransactionId). */
export function isAdjustment(transaction: MangopayTransaction): boolean {
  return ADJUSTMENT_NATURES.has(transaction.Nature);
}

/**
 * A transaction as a payment, or, for a refund or repudiation, as an adjustment of the transaction it
 * reverses (parentReference = InitialTransactionId, type = that transaction's type). The amount is
 * gross (DebitedFunds); fees and the credited amount go to metadata.
 */
export function transactionToPayment(transaction: MangopayTransaction, raw: unknown): Mapped<PspPayment> {
  const warnings: string[] = [];
  let money: { amount: bigint; asset: string };
  try {
    money = mangopayMoney(transaction.DebitedFunds);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  const adjustment = isAdjustment(transaction);
  if (!adjustment && !REGULAR_NATURES.has(transaction.Nature)) {
    warnings.push(
      `unknown Mangopay transaction nature '${transaction.Nature.slice(0, 40)}' treated as REGULAR`,
    );
  }
  let type: PaymentType;
  let status: PaymentStatus;
  let parentReference: string | undefined;
  if (adjustment) {
    if (!transaction.InitialTransactionId) {
      return { ok: false, reason: `${transaction.Nature} without InitialTransactionId` };
    }
    parentReference = transaction.InitialTransactionId;
    type = paymentType(transaction.InitialTransactionType ?? 'UNKNOWN', warnings);
    status = paymentStatus(
      transaction.Status,
      transaction.Nature === 'REFUND' ? REFUND_STATUSES : REPUDIATION_STATUSES,
      warnings,
    );
  } else {
    type = paymentType(transaction.Type, warnings);
    status = paymentStatus(transaction.Status, STATUSES, warnings);
  }
  const createdAt = toDate(transaction.CreationDate);
  // A settled transaction changed status at its ExecutionDate: that is when the observation happened.
  const updatedAt =
    transaction.Status !== 'CREATED' && transaction.ExecutionDate
      ? toDate(Math.max(transaction.ExecutionDate, transaction.CreationDate))
      : createdAt;
  const payment: PspPayment = {
    reference: transaction.Id,
    ...(parentReference ? { parentReference } : {}),
    createdAt,
    updatedAt,
    type,
    amount: money.amount,
    asset: money.asset,
    scheme: 'OTHER',
    status,
    ...(transaction.DebitedWalletId ? { sourceAccountReference: transaction.DebitedWalletId } : {}),
    ...(transaction.CreditedWalletId ? { destinationAccountReference: transaction.CreditedWalletId } : {}),
    metadata: meta({
      type: transaction.Type,
      nature: transaction.Nature,
      status: transaction.Status,
      resultCode: transaction.ResultCode,
      resultMessage: transaction.ResultMessage,
      authorId: transaction.AuthorId,
      creditedUserId: transaction.CreditedUserId,
      fees: transaction.Fees ? String(transaction.Fees.Amount) : undefined,
      creditedAmount: transaction.CreditedFunds ? String(transaction.CreditedFunds.Amount) : undefined,
      paymentType: transaction.PaymentType,
      tag: transaction.Tag || undefined,
    }),
    raw,
  };
  return { ok: true, value: payment, warnings };
}
