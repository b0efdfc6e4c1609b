// Column objects to Paybridge's: bank accounts, balances, counterparties, and transfers of every rail with their statuses mapped per rail.
import { z } from 'zod';
import { assetFromCurrency } from '../../domain/assets.js';
import type { PaymentScheme, PaymentStatus, PaymentType } from '../../domain/enums.js';
import type { PspAccount, PspBalance, PspPayment } from '../sdk/contract.js';
import { mappedOrOther } from '../sdk/mapping.js';
import { InvalidAmountError, specMetadata } from '../sdk/money.js';

export const PROVIDER = 'column';

/** The payment rails Column moves money on, as the connector names them (metadata `com.column.spec/rail`). */
export const RAILS = ['book', 'ach', 'wire', 'international_wire', 'realtime'] as const;
export type Rail = (typeof RAILS)[number];

export function isRail(value: string): value is Rail {
  return (RAILS as readonly string[]).includes(value);
}

/** Where each rail's transfers live in Column's API (create, retrieve). */
export const RAIL_PATHS: Record<Rail, string> = {
  book: '/transfers/book',
  ach: '/transfers/ach',
  wire: '/transfers/wire',
  international_wire: '/transfers/international-wire',
  realtime: '/transfers/realtime',
};

/**
 * Each rail has its own status set (Column's "Notifications and States" page of each rail, and its
 * object's `status` field). Column writes them in upper case; the lookup is case-insensitive. A status
 * not listed here is OTHER with a run warning.
 */
export const STATUS_BY_RAIL: Record<Rail, Readonly<Record<string, PaymentStatus>>> = {
  book: {
    HOLD: 'PENDING',
    COMPLETED: 'SUCCEEDED',
    CANCELED: 'CANCELLED',
    REJECTED: 'FAILED',
  },
  ach: {
    INITIATED: 'PENDING',
    PENDING_SUBMISSION: 'PENDING',
    SCHEDULED: 'PENDING',
    MANUAL_REVIEW: 'PENDING',
    SUBMITTED: 'PENDING',
    SETTLED: 'SUCCEEDED',
    COMPLETED: 'SUCCEEDED',
    // The receiving bank sent it back: the money did not stay where it was sent.
    RETURNED: 'FAILED',
    // The return was refused (dishonored): the original transfer stands.
    RETURN_DISHONORED: 'SUCCEEDED',
    // The receiving bank contested the dishonor: the return stands.
    RETURN_CONTESTED: 'FAILED',
    CANCELED: 'CANCELLED',
    REJECTED: 'FAILED',
  },
  wire: {
    INITIATED: 'PENDING',
    PENDING_SUBMISSION: 'PENDING',
    SUBMITTED: 'PENDING',
    MANUAL_REVIEW: 'PENDING',
    COMPLETED: 'SUCCEEDED',
    REJECTED: 'FAILED',
  },
  international_wire: {
    INITIATED: 'PENDING',
    MANUAL_REVIEW: 'PENDING',
    PENDING_SUBMISSION: 'PENDING',
    SUBMITTED: 'PENDING',
    CANCELLATION_REQUESTED: 'PENDING',
    // The beneficiary bank refused to cancel: the transfer goes on.
    CANCELLATION_REJECTED: 'PENDING',
    // Returned, but the returned funds have not arrived yet.
    PENDING_RETURN: 'PENDING',
    COMPLETED: 'SUCCEEDED',
    RETURNED: 'FAILED',
    CANCELLATION_ACCEPTED: 'CANCELLED',
    CANCELED: 'CANCELLED',
  },
  realtime: {
    INITIATED: 'PENDING',
    PENDING: 'PENDING',
    MANUAL_REVIEW: 'PENDING',
    MANUAL_REVIEW_APPROVED: 'PENDING',
    ACCEPTED: 'SUCCEEDED',
    COMPLETED: 'SUCCEEDED',
    REJECTED: 'FAILED',
    MANUAL_REVIEW_REJECTED: 'FAILED',
    BLOCKED: 'FAILED',
  },
};

/**
 * Statuses after which a transfer no longer changes, per rail. An ACH transfer that SETTLED can still be
 * returned, so only COMPLETED (and the return outcomes) end it; polling re-reads the others.
 */
const FINAL_BY_RAIL: Record<Rail, readonly string[]> = {
  book: ['COMPLETED', 'CANCELED', 'REJECTED'],
  ach: ['COMPLETED', 'RETURNED', 'RETURN_DISHONORED', 'RETURN_CONTESTED', 'CANCELED', 'REJECTED'],
  wire: ['COMPLETED', 'REJECTED'],
  international_wire: ['COMPLETED', 'RETURNED', 'CANCELLATION_ACCEPTED', 'CANCELED'],
  realtime: ['ACCEPTED', 'COMPLETED', 'REJECTED', 'MANUAL_REVIEW_REJECTED', 'BLOCKED'],
};

/** The `type` of a transfer in Column's all-rails list (`GET /transfers`), as a rail. */
const RAIL_OF_LIST_TYPE: Record<string, Rail> = {
  book: 'book',
  ach: 'ach',
  ach_credit: 'ach',
  ach_debit: 'ach',
  wire: 'wire',
  swift: 'international_wire',
  international_wire: 'international_wire',
  realtime: 'realtime',
};

const text = z.string().nullish();
const integer = z.union([z.number().int(), z.bigint()]).transform((v) => BigInt(v));
const internal = z.looseObject({ bank_account_id: text }).nullish();
const external = z.looseObject({ counterparty_id: text }).nullish();

/**
 * A transfer as Column answers it: a rail's own object (book, ACH, wire, international wire, realtime:
 * webhooks, writes and retrievals) or an entry of the all-rails list. Both shapes are read by one schema.
 */
export const transferSchema = z.looseObject({
  id: z.string().min(1),
  created_at: z.string().min(1),
  updated_at: text,
  status: z.string().min(1),
  amount: integer,
  currency_code: z.string().min(1),
  type: text,
  is_incoming: z.boolean().nullish(),
  description: text,
  idempotency_key: text,
  // A rail's own object.
  bank_account_id: text,
  counterparty_id: text,
  sender_bank_account_id: text,
  receiver_bank_account_id: text,
  // An entry of the all-rails list.
  sender_internal_account: internal,
  receiver_internal_account: internal,
  external_source: external,
  external_destination: external,
});
export type ColumnTransfer = z.infer<typeof transferSchema>;

export function columnTime(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** The rail of a transfer: given (a rail's own object), or read from the list entry's `type`. */
export function railOf(transfer: ColumnTransfer, given?: Rail): Rail | undefined {
  if (given) return given;
  return RAIL_OF_LIST_TYPE[(transfer.type ?? '').toLowerCase()];
}

export function isFinal(rail: Rail | undefined, status: string): boolean {
  return rail === undefined || FINAL_BY_RAIL[rail].includes(status.toUpperCase());
}

function assetOf(currency: string): string {
  const asset = assetFromCurrency(currency);
  if (!asset) throw new InvalidAmountError(`'${currency.slice(0, 32)}' is not an ISO 4217 currency`);
  return asset;
}

/** Whether an ACH transfer is a debit (the list says `ach_debit`, the ACH object `type: DEBIT`). */
function isDebit(transfer: ColumnTransfer): boolean {
  const type = (transfer.type ?? '').toLowerCase();
  return type === 'debit' || type === 'ach_debit';
}

/**
 * A transfer as a payment. Book transfers move money between two of the platform's accounts
 * (TRANSFER). Other rails move it between a bank account and a counterparty: money that arrives is a
 * PAY-IN, money that leaves a PAYOUT. For ACH, an incoming credit and an originated debit both bring
 * money in. Amounts are already integers in the currency's minor units (cents).
 */
export function toPayment(transfer: ColumnTransfer, warnings: string[], given?: Rail): PspPayment {
  const rail = railOf(transfer, given);
  const status = rail
    ? mappedOrOther(STATUS_BY_RAIL[rail], transfer.status.toUpperCase(), `${rail} transfer status`, warnings)
    : 'OTHER';
  if (!rail) warnings.push(`unknown transfer type '${String(transfer.type).slice(0, 64)}' mapped to OTHER`);
  const createdAt = columnTime(transfer.created_at);
  if (!createdAt)
    throw new InvalidAmountError(`created_at '${transfer.created_at.slice(0, 40)}' is not a time`);
  const updatedAt = columnTime(transfer.updated_at);
  const bankAccount =
    transfer.bank_account_id ??
    (transfer.is_incoming
      ? transfer.receiver_internal_account?.bank_account_id
      : transfer.sender_internal_account?.bank_account_id) ??
    undefined;
  const counterparty =
    transfer.counterparty_id ??
    (transfer.is_incoming
      ? transfer.external_source?.counterparty_id
      : transfer.external_destination?.counterparty_id) ??
    undefined;
  let type: PaymentType;
  let source: string | undefined;
  let destination: string | undefined;
  if (rail === 'book') {
    type = 'TRANSFER';
    source =
      transfer.sender_bank_account_id ?? transfer.sender_internal_account?.bank_account_id ?? undefined;
    destination =
      transfer.receiver_bank_account_id ?? transfer.receiver_internal_account?.bank_account_id ?? undefined;
  } else {
    const moneyIn = Boolean(transfer.is_incoming) !== (rail === 'ach' && isDebit(transfer));
    type = moneyIn ? 'PAY-IN' : 'PAYOUT';
    source = moneyIn ? counterparty : bankAccount;
    destination = moneyIn ? bankAccount : counterparty;
  }
  const scheme: PaymentScheme =
    rail === 'ach' ? (isDebit(transfer) ? 'ACH_DEBIT' : 'ACH') : rail === 'realtime' ? 'RTP' : 'OTHER';
  return {
    reference: transfer.id,
    createdAt,
    ...(updatedAt ? { updatedAt } : {}),
    type,
    amount: transfer.amount,
    asset: assetOf(transfer.currency_code),
    scheme,
    status,
    ...(source ? { sourceAccountReference: source } : {}),
    ...(destination ? { destinationAccountReference: destination } : {}),
    // The same keys whichever shape the transfer came in (list entry, rail object), so polling and
    // webhooks agree.
    metadata: specMetadata(PROVIDER, {
      rail: rail ?? transfer.type ?? undefined,
      status: transfer.status,
      ach_type: rail === 'ach' ? (isDebit(transfer) ? 'debit' : 'credit') : undefined,
      // Book transfers have no direction (both accounts are the platform's).
      is_incoming: rail === 'book' ? undefined : Boolean(transfer.is_incoming),
      description: transfer.description || undefined,
      idempotency_key: transfer.idempotency_key || undefined,
    }),
    raw: transfer,
  };
}

const balancesSchema = z.looseObject({
  available_amount: integer.nullish(),
  holding_amount: integer.nullish(),
  locked_amount: integer.nullish(),
  pending_amount: integer.nullish(),
});

export const bankAccountSchema = z.looseObject({
  id: z.string().min(1),
  created_at: z.string().min(1),
  description: text,
  currency_code: text,
  type: text,
  routing_number: text,
  default_account_number_id: text,
  is_overdraftable: z.boolean().nullish(),
  balances: balancesSchema.nullish(),
});
export type ColumnBankAccount = z.infer<typeof bankAccountSchema>;

/** Column bank accounts hold US dollars; the object names its currency where it has one. */
const currencyOfAccount = (account: ColumnBankAccount) => account.currency_code || 'USD';

export function toAccount(account: ColumnBankAccount): PspAccount {
  const createdAt = columnTime(account.created_at);
  if (!createdAt)
    throw new InvalidAmountError(`created_at '${account.created_at.slice(0, 40)}' is not a time`);
  return {
    reference: account.id,
    createdAt,
    ...(account.description ? { name: account.description } : {}),
    defaultAsset: assetOf(currencyOfAccount(account)),
    metadata: specMetadata(PROVIDER, {
      type: account.type,
      routing_number: account.routing_number,
      default_account_number_id: account.default_account_number_id,
      is_overdraftable: account.is_overdraftable ?? undefined,
    }),
    raw: account,
  };
}

/**
 * The account's available balance (what can be spent now). Column also reports holding, locked and
 * pending amounts; they stay in the account's raw object.
 */
export function toBalance(account: ColumnBankAccount, at: Date): PspBalance | undefined {
  const available = account.balances?.available_amount;
  if (available === undefined || available === null) return undefined;
  return {
    accountReference: account.id,
    createdAt: at,
    amount: available,
    asset: assetOf(currencyOfAccount(account)),
  };
}

export const counterpartySchema = z.looseObject({
  id: z.string().min(1),
  created_at: z.string().min(1),
  name: text,
  description: text,
  account_number: text,
  routing_number: text,
  routing_number_type: text,
  account_type: text,
  is_column_account: z.boolean().nullish(),
  local_bank_country_code: text,
  wire: z.looseObject({ beneficiary_name: text }).nullish(),
});
export type ColumnCounterparty = z.infer<typeof counterpartySchema>;

/** An account number as the API may show it: its last four digits only. */
export function maskedNumber(number: string | null | undefined): string | undefined {
  if (!number) return undefined;
  return `${'*'.repeat(Math.max(0, number.length - 4))}${number.slice(-4)}`;
}

/**
 * A counterparty as an external account. The full account number is a secret Paybridge never returns:
 * the raw object keeps its last four digits only.
 */
export function toExternalAccount(counterparty: ColumnCounterparty): PspAccount {
  const createdAt = columnTime(counterparty.created_at);
  if (!createdAt)
    throw new InvalidAmountError(`created_at '${counterparty.created_at.slice(0, 40)}' is not a time`);
  const name = counterparty.name || counterparty.wire?.beneficiary_name || counterparty.description;
  const masked = maskedNumber(counterparty.account_number);
  return {
    reference: counterparty.id,
    createdAt,
    ...(name ? { name } : {}),
    metadata: specMetadata(PROVIDER, {
      routing_number: counterparty.routing_number,
      routing_number_type: counterparty.routing_number_type,
      account_type: counterparty.account_type,
      account_number_last4: counterparty.account_number?.slice(-4),
      is_column_account: counterparty.is_column_account ?? undefined,
      country: counterparty.local_bank_country_code,
    }),
    raw: { ...counterparty, ...(masked ? { account_number: masked } : {}) },
  };
}
