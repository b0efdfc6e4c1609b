// Wise objects to Paybridge's: profiles, balance accounts and their balances, recipients, transfers and their states.
import { z } from 'zod';
import type { PaymentStatus } from '../../domain/enums.js';
import { mappedOrOther } from '../sdk/mapping.js';
import type { PspAccount, PspBalance, PspPayment } from '../sdk/contract.js';
import { InvalidAmountError, pspMoney, specMetadata } from '../sdk/money.js';

export const PROVIDER = 'wise';

const id = z.union([z.number().int(), z.bigint()]).transform((v) => String(v));
/** Wise sends amounts as JSON numbers (the kit's parser keeps them as doubles), or sometimes as strings. */
const decimal = z.union([z.number(), z.string(), z.bigint()]);

export const profileSchema = z.looseObject({
  id,
  type: z.string(),
  fullName: z.string().nullish(),
  createdAt: z.string().nullish(),
});
export type WiseProfile = z.infer<typeof profileSchema>;

export const balanceSchema = z.looseObject({
  id,
  currency: z.string().min(3),
  type: z.string().nullish(),
  name: z.string().nullish(),
  amount: z.looseObject({ value: decimal, currency: z.string() }),
  creationTime: z.string().nullish(),
  modificationTime: z.string().nullish(),
});
export type WiseBalance = z.infer<typeof balanceSchema>;

export const recipientSchema = z.looseObject({
  id,
  profileId: id.nullish(),
  profile: id.nullish(),
  currency: z.string().nullish(),
  country: z.string().nullish(),
  type: z.string().nullish(),
  accountHolderName: z.string().nullish(),
  name: z.looseObject({ fullName: z.string().nullish() }).nullish(),
  active: z.boolean().nullish(),
  accountSummary: z.string().nullish(),
});
export type WiseRecipient = z.infer<typeof recipientSchema>;

export const transferSchema = z.looseObject({
  id,
  user: id.nullish(),
  targetAccount: id.nullish(),
  sourceAccount: id.nullish(),
  quoteUuid: z.string().nullish(),
  status: z.string(),
  rate: decimal.nullish(),
  created: z.string(),
  business: id.nullish(),
  details: z.looseObject({ reference: z.string().nullish() }).nullish(),
  sourceCurrency: z.string(),
  sourceValue: decimal,
  targetCurrency: z.string(),
  targetValue: decimal,
  customerTransactionId: z.string().nullish(),
});
export type WiseTransfer = z.infer<typeof transferSchema>;

/**
 * Wise's transfer states (docs "Tracking transfers") and what each means for the payment. A transfer
 * is a payout from a balance to a recipient; money leaves only at outgoing_payment_sent.
 */
export const TRANSFER_STATUSES: Record<string, PaymentStatus> = {
  incoming_payment_waiting: 'PENDING',
  incoming_payment_initiated: 'PENDING',
  processing: 'PENDING',
  funds_converted: 'PENDING',
  outgoing_payment_sent: 'SUCCEEDED',
  cancelled: 'CANCELLED',
  funds_refunded: 'FAILED',
  bounced_back: 'FAILED',
  charged_back: 'DISPUTE_LOST',
  unknown: 'OTHER',
};

/** States after which Wise no longer changes a transfer. */
export const FINAL_STATES = new Set(['outgoing_payment_sent', 'cancelled', 'funds_refunded', 'charged_back']);

/** The payment status of a Wise state; an unknown one is OTHER with a warning, never dropped. */
export function transferStatus(state: string): { status: PaymentStatus; warning?: string } {
  const warnings: string[] = [];
  // Wise's own `unknown` state is listed, and still worth a warning.
  const table = state === 'unknown' ? {} : TRANSFER_STATUSES;
  const status = mappedOrOther(table, state, 'Wise transfer state', warnings);
  return warnings[0] === undefined ? { status } : { status, warning: warnings[0] };
}

/**
 * Wise's timestamps: ISO 8601, or `2017-11-24 10:47:49` (UTC, no zone) on v1 transfers. Undefined when
 * unreadable.
 */
export function wiseTime(text: string | null | undefined): Date | undefined {
  if (!text) return undefined;
  const plain = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(text.trim());
  const date = new Date(plain ? `${plain[1]}T${plain[2]}Z` : text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * A Wise decimal as exact text. A double printed by JavaScript is the shortest text that reads back as
 * the same double, so it is the decimal Wise wrote as long as that had at most 15 significant digits;
 * longer ones cannot be trusted and are refused rather than rounded.
 */
export function decimalText(value: number | string | bigint): string {
  if (typeof value === 'bigint' || typeof value === 'string') return String(value);
  if (!Number.isFinite(value)) throw new InvalidAmountError(`${value} is not an amount`);
  const text = value.toString();
  if (/e/i.test(text) || text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').length > 15) {
    throw new InvalidAmountError(`${text} has more digits than a double carries exactly`);
  }
  return text;
}

/** Minor units and asset of a Wise amount, with ISO 4217 exponents. */
export function wiseMoney(
  value: number | string | bigint,
  currency: string,
): { amount: bigint; asset: string } {
  return pspMoney(decimalText(value), currency);
}

export function profileName(profile: WiseProfile): string {
  return profile.fullName ?? `${profile.type.toLowerCase()} profile ${profile.id}`;
}

/** A balance account (one currency of one profile) as an internal account. */
export function toAccount(balance: WiseBalance, profileId: string): PspAccount {
  const { asset } = wiseMoney(0, balance.currency);
  return {
    reference: balance.id,
    createdAt: wiseTime(balance.creationTime) ?? new Date(0),
    name: balance.name ?? `${balance.currency} balance`,
    defaultAsset: asset,
    metadata: specMetadata(PROVIDER, {
      profile_id: profileId,
      balance_type: balance.type,
      currency: balance.currency,
    }),
    raw: balance,
  };
}

export function toBalance(balance: WiseBalance, at: Date): PspBalance {
  const money = wiseMoney(balance.amount.value, balance.amount.currency);
  return {
    accountReference: balance.id,
    createdAt: wiseTime(balance.modificationTime) ?? at,
    amount: money.amount,
    asset: money.asset,
  };
}

export function toExternalAccount(recipient: WiseRecipient, profileId: string): PspAccount {
  const name = recipient.name?.fullName ?? recipient.accountHolderName ?? undefined;
  const asset = recipient.currency ? wiseMoney(0, recipient.currency).asset : undefined;
  return {
    reference: recipient.id,
    // Recipients carry no creation time; the id orders them (Wise lists them by id).
    createdAt: new Date(0),
    ...(name ? { name } : {}),
    ...(asset ? { defaultAsset: asset } : {}),
    metadata: specMetadata(PROVIDER, {
      profile_id: recipient.profileId ?? recipient.profile ?? profileId,
      type: recipient.type,
      country: recipient.country,
      active: recipient.active,
      account_summary: recipient.accountSummary,
    }),
    raw: recipient,
  };
}

/**
 * A transfer as a payout of its source amount from the profile's balance in the source currency
 * (`balanceIdOf`) to the recipient.
 */
export function toPayment(
  transfer: WiseTransfer,
  profileId: string,
  balanceIdOf: (currency: string) => string | undefined,
): { payment: PspPayment; warning?: string } {
  const created = wiseTime(transfer.created);
  if (!created) throw new InvalidAmountError(`created '${transfer.created}' is not a time`);
  const money = wiseMoney(transfer.sourceValue, transfer.sourceCurrency);
  const target = wiseMoney(transfer.targetValue, transfer.targetCurrency);
  const { status, warning } = transferStatus(transfer.status);
  const source = balanceIdOf(transfer.sourceCurrency);
  const payment: PspPayment = {
    reference: transfer.id,
    createdAt: created,
    type: 'PAYOUT',
    amount: money.amount,
    asset: money.asset,
    scheme: 'OTHER',
    status,
    ...(source ? { sourceAccountReference: source } : {}),
    ...(transfer.targetAccount ? { destinationAccountReference: transfer.targetAccount } : {}),
    metadata: specMetadata(PROVIDER, {
      profile_id: profileId,
      status: transfer.status,
      target_amount: target.amount,
      target_asset: target.asset,
      rate: transfer.rate === null || transfer.rate === undefined ? undefined : decimalText(transfer.rate),
      quote_uuid: transfer.quoteUuid,
      customer_transaction_id: transfer.customerTransactionId,
      reference: transfer.details?.reference,
    }),
    raw: transfer,
  };
  return warning ? { payment, warning } : { payment };
}
