// Currencycloud objects to Paybridge's: accounts, balances, beneficiaries, transactions, transfers and payments, with their statuses.
import { z } from 'zod';
import type { PaymentStatus, PaymentType } from '../../domain/enums.js';
import type { PspAccount, PspBalance, PspPayment } from '../sdk/contract.js';
import { mappedOrOther } from '../sdk/mapping.js';
import { specMetadata } from '../sdk/money.js';
import { ccMoney } from './currencies.js';

export const PROVIDER = 'currencycloud';

const time = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { error: 'not a date-time' });
const text = z.string().nullish();

export const accountSchema = z.looseObject({
  id: z.string().min(1),
  account_name: text,
  short_reference: text,
  your_reference: text,
  status: text,
  legal_entity_type: text,
  brand: text,
  country: text,
  created_at: time,
  updated_at: time,
});
export type CcAccount = z.infer<typeof accountSchema>;

export const balanceSchema = z.looseObject({
  id: z.string().min(1),
  account_id: z.string().min(1),
  currency: z.string().min(3),
  amount: z.string(),
  created_at: time,
  updated_at: time,
});
export type CcBalance = z.infer<typeof balanceSchema>;

export const beneficiarySchema = z.looseObject({
  id: z.string().min(1),
  name: text,
  bank_account_holder_name: text,
  currency: text,
  bank_country: text,
  beneficiary_country: text,
  beneficiary_entity_type: text,
  bank_name: text,
  bic_swift: text,
  payment_types: z.array(z.string()).nullish(),
  beneficiary_external_reference: text,
  created_at: time,
  updated_at: time,
});
export type CcBeneficiary = z.infer<typeof beneficiarySchema>;

export const transactionSchema = z.looseObject({
  id: z.string().min(1),
  balance_id: text,
  account_id: z.string().min(1),
  currency: z.string().min(3),
  amount: z.string(),
  type: z.string(),
  action: text,
  related_entity_type: text,
  related_entity_id: text,
  related_entity_short_reference: text,
  status: z.string(),
  reason: text,
  settles_at: text,
  completed_at: text,
  created_at: time,
  updated_at: time,
});
export type CcTransaction = z.infer<typeof transactionSchema>;

export const transferSchema = z.looseObject({
  id: z.string().min(1),
  short_reference: text,
  source_account_id: z.string().min(1),
  destination_account_id: z.string().min(1),
  currency: z.string().min(3),
  amount: z.string(),
  status: z.string(),
  reason: text,
  unique_request_id: text,
  created_at: time,
  updated_at: time.nullish(),
});
export type CcTransfer = z.infer<typeof transferSchema>;

export const paymentSchema = z.looseObject({
  id: z.string().min(1),
  short_reference: text,
  beneficiary_id: z.string().min(1),
  currency: z.string().min(3),
  amount: z.string(),
  status: z.string(),
  payment_type: text,
  reference: text,
  reason: text,
  failure_reason: text,
  unique_request_id: text,
  created_at: time,
  updated_at: time.nullish(),
});
export type CcPayment = z.infer<typeof paymentSchema>;

/** A transaction's status (a line of an account's ledger). `deleted`: CC removed it, no money moved. */
export const TRANSACTION_STATUSES: Record<string, PaymentStatus> = {
  pending: 'PENDING',
  completed: 'SUCCEEDED',
  deleted: 'CANCELLED',
};

/** A transfer between two accounts of the house (the house account and its sub-accounts). */
export const TRANSFER_STATUSES: Record<string, PaymentStatus> = {
  pending: 'PENDING',
  completed: 'SUCCEEDED',
  cancelled: 'CANCELLED',
};

/** A payment to a beneficiary (a payout). Everything before `completed` is on its way. */
export const PAYMENT_STATUSES: Record<string, PaymentStatus> = {
  new: 'PENDING',
  ready_to_send: 'PENDING',
  submitted: 'PENDING',
  awaiting_authorisation: 'PENDING',
  authorised: 'PENDING',
  released: 'PENDING',
  suspended: 'PENDING',
  completed: 'SUCCEEDED',
  failed: 'FAILED',
  deleted: 'CANCELLED',
};

/** Transfer and payment statuses after which nothing changes: polling an initiation stops there. */
export const FINAL_TRANSFER_STATUSES = new Set(['completed', 'cancelled']);
export const FINAL_PAYMENT_STATUSES = new Set(['completed', 'failed', 'deleted']);

/** A transaction's direction: credits bring money in, debits take it out. */
const TRANSACTION_TYPES: Record<string, PaymentType> = { credit: 'PAY-IN', debit: 'PAYOUT' };

const at = (value: string) => new Date(value);

export function toAccount(account: CcAccount, house: boolean): PspAccount {
  return {
    reference: account.id,
    createdAt: at(account.created_at),
    ...(account.account_name ? { name: account.account_name } : {}),
    metadata: specMetadata(PROVIDER, {
      short_reference: account.short_reference,
      your_reference: account.your_reference,
      status: account.status,
      legal_entity_type: account.legal_entity_type,
      brand: account.brand,
      house_account: house ? 'true' : undefined,
    }),
    raw: account,
  };
}

export function toBalance(balance: CcBalance): PspBalance {
  const money = ccMoney(balance.amount, balance.currency);
  return {
    accountReference: balance.account_id,
    createdAt: at(balance.updated_at),
    amount: money.amount,
    asset: money.asset,
  };
}

export function toBeneficiary(beneficiary: CcBeneficiary): PspAccount {
  const asset = beneficiary.currency ? ccMoney('0', beneficiary.currency).asset : undefined;
  const name = beneficiary.name ?? beneficiary.bank_account_holder_name;
  return {
    reference: beneficiary.id,
    createdAt: at(beneficiary.created_at),
    ...(name ? { name } : {}),
    ...(asset ? { defaultAsset: asset } : {}),
    metadata: specMetadata(PROVIDER, {
      bank_account_holder_name: beneficiary.bank_account_holder_name,
      bank_country: beneficiary.bank_country,
      bank_name: beneficiary.bank_name,
      bic_swift: beneficiary.bic_swift,
      beneficiary_country: beneficiary.beneficiary_country,
      beneficiary_entity_type: beneficiary.beneficiary_entity_type,
      beneficiary_external_reference: beneficiary.beneficiary_external_reference,
      payment_types: beneficiary.payment_types?.join(','),
    }),
    raw: beneficiary,
  };
}

/** A ledger line as a payment; its type and status words unknown to the tables become OTHER with a warning. */
export function toPayment(transaction: CcTransaction, warnings: string[]): PspPayment {
  const money = ccMoney(transaction.amount, transaction.currency);
  const type =
    transaction.action === 'transfer'
      ? 'TRANSFER'
      : mappedOrOther(TRANSACTION_TYPES, transaction.type, 'transaction type', warnings);
  const status = mappedOrOther(TRANSACTION_STATUSES, transaction.status, 'transaction status', warnings);
  const account = transaction.account_id;
  return {
    reference: transaction.id,
    createdAt: at(transaction.created_at),
    updatedAt: at(transaction.updated_at),
    type,
    amount: money.amount,
    asset: money.asset,
    scheme: 'OTHER',
    status,
    ...(transaction.type === 'debit' ? { sourceAccountReference: account } : {}),
    ...(transaction.type === 'credit' ? { destinationAccountReference: account } : {}),
    metadata: specMetadata(PROVIDER, {
      action: transaction.action,
      type: transaction.type,
      related_entity_type: transaction.related_entity_type,
      related_entity_id: transaction.related_entity_id,
      related_entity_short_reference: transaction.related_entity_short_reference,
      balance_id: transaction.balance_id,
      reason: transaction.reason,
      settles_at: transaction.settles_at,
      completed_at: transaction.completed_at,
    }),
    raw: transaction,
  };
}

export function transferToPayment(transfer: CcTransfer, warnings: string[]): PspPayment {
  const money = ccMoney(transfer.amount, transfer.currency);
  return {
    reference: transfer.id,
    createdAt: at(transfer.created_at),
    ...(transfer.updated_at ? { updatedAt: at(transfer.updated_at) } : {}),
    type: 'TRANSFER',
    amount: money.amount,
    asset: money.asset,
    scheme: 'OTHER',
    status: mappedOrOther(TRANSFER_STATUSES, transfer.status, 'transfer status', warnings),
    sourceAccountReference: transfer.source_account_id,
    destinationAccountReference: transfer.destination_account_id,
    metadata: specMetadata(PROVIDER, {
      short_reference: transfer.short_reference,
      reason: transfer.reason,
      unique_request_id: transfer.unique_request_id,
    }),
    raw: transfer,
  };
}

export function paymentToPayment(
  payment: CcPayment,
  sourceAccount: string | undefined,
  warnings: string[],
): PspPayment {
  const money = ccMoney(payment.amount, payment.currency);
  return {
    reference: payment.id,
    createdAt: at(payment.created_at),
    ...(payment.updated_at ? { updatedAt: at(payment.updated_at) } : {}),
    type: 'PAYOUT',
    amount: money.amount,
    asset: money.asset,
    scheme: 'OTHER',
    status: mappedOrOther(PAYMENT_STATUSES, payment.status, 'payment status', warnings),
    ...(sourceAccount ? { sourceAccountReference: sourceAccount } : {}),
    destinationAccountReference: payment.beneficiary_id,
    metadata: specMetadata(PROVIDER, {
      short_reference: payment.short_reference,
      payment_type: payment.payment_type,
      reference: payment.reference,
      reason: payment.reason,
      failure_reason: payment.failure_reason,
      unique_request_id: payment.unique_request_id,
    }),
    raw: payment,
  };
}
