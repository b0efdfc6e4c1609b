// Increase objects to Paybridge's: accounts, balances, external accounts, and the three money lists as payments keyed on the money's source.
import { assetFromCurrency } from '../../domain/assets.js';
import type { PaymentStatus, PaymentType } from '../../domain/enums.js';
import type { PspAccount, PspBalance, PspPayment } from '../sdk/contract.js';
import { mappedOrOther } from '../sdk/mapping.js';
import { specMetadata } from '../sdk/money.js';
import type {
  IncreaseAccount,
  IncreaseBalanceLookup,
  IncreaseExternalAccount,
  IncreasePendingTransaction,
  MoneyRow,
} from './objects.js';

export const PROVIDER = 'increase';

/** `USD` → `USD/2`: Increase accounts hold US dollars, amounts in cents (ISO 4217's exponent). */
export function assetOf(currency: string): string {
  const asset = assetFromCurrency(currency);
  if (!asset) throw new Error(`'${currency.slice(0, 16)}' is not an ISO 4217 currency`);
  return asset;
}

export function toAccount(account: IncreaseAccount): PspAccount {
  return {
    reference: account.id,
    createdAt: new Date(account.created_at),
    name: account.name,
    defaultAsset: assetOf(account.currency),
    metadata: specMetadata(PROVIDER, {
      status: account.status,
      bank: account.bank,
      entity_id: account.entity_id,
      program_id: account.program_id,
    }),
    raw: account,
  };
}

/** The current balance (posted transactions); the available one (less pending holds) goes nowhere else, so it is not stored. */
export function toBalance(lookup: IncreaseBalanceLookup, currency: string, at: Date): PspBalance {
  return {
    accountReference: lookup.account_id,
    createdAt: at,
    amount: lookup.current_balance,
    asset: assetOf(currency),
  };
}

export function toExternalAccount(account: IncreaseExternalAccount): PspAccount {
  return {
    reference: account.id,
    createdAt: new Date(account.created_at),
    name: account.description,
    defaultAsset: 'USD/2',
    metadata: specMetadata(PROVIDER, {
      routing_number: account.routing_number,
      account_holder: account.account_holder,
      funding: account.funding,
      status: account.status,
    }),
    raw: account,
  };
}

/**
 * How a row's `source.category` maps:
 * - `family`: the kind of money movement, which fixes the payment type for every row of that movement
 *   (pending, posted, declined, reversed) so they all land on one payment (its id includes the type);
 *   `sign` takes the type from the direction of the original movement (money in: PAY-IN, out: PAYOUT);
 * - `link`: the field of the source sub-object naming the movement (the transfer, card payment or check
 *   deposit id) that every row of it shares; none: the row is its own movement;
 * - `primary`: this posted row describes the movement (its fields become the payment's); others are
 *   adjustments of it;
 * - `status`: what the row says about the movement; `inverted`: the row's sign is the opposite of the
 *   original movement's (a return, a rejection).
 */
interface Rule {
  type: PaymentType | 'sign';
  link?: readonly string[];
  primary?: boolean;
  status: PaymentStatus;
  inverted?: boolean;
}

const rule = (
  type: Rule['type'],
  status: PaymentStatus,
  link?: readonly string[],
  extra: Partial<Rule> = {},
): Rule => ({
  type,
  status,
  ...(link ? { link } : {}),
  ...extra,
});
const TRANSFER_ID = ['transfer_id'] as const;

/** Posted transactions (`/transactions`). */
export const TRANSACTION_RULES: Readonly<Record<string, Rule>> = {
  account_transfer_intention: rule('TRANSFER', 'SUCCEEDED', TRANSFER_ID, { primary: true }),
  ach_transfer_intention: rule('sign', 'SUCCEEDED', TRANSFER_ID, { primary: true }),
  ach_transfer_rejection: rule('sign', 'FAILED', TRANSFER_ID, { inverted: true }),
  ach_transfer_return: rule('sign', 'FAILED', TRANSFER_ID, { inverted: true }),
  wire_transfer_intention: rule('PAYOUT', 'SUCCEEDED', TRANSFER_ID, { primary: true }),
  inbound_wire_reversal: rule('PAYOUT', 'FAILED', ['wire_transfer_id']),
  real_time_payments_transfer_acknowledgement: rule('PAYOUT', 'SUCCEEDED', TRANSFER_ID, { primary: true }),
  fednow_transfer_acknowledgement: rule('PAYOUT', 'SUCCEEDED', TRANSFER_ID, { primary: true }),
  swift_transfer_intention: rule('PAYOUT', 'SUCCEEDED', TRANSFER_ID, { primary: true }),
  swift_transfer_return: rule('PAYOUT', 'FAILED', TRANSFER_ID),
  check_transfer_deposit: rule('PAYOUT', 'SUCCEEDED', TRANSFER_ID, { primary: true }),
  card_settlement: rule('PAYOUT', 'SUCCEEDED', ['card_payment_id'], { primary: true }),
  card_financial: rule('PAYOUT', 'SUCCEEDED', ['card_payment_id'], { primary: true }),
  card_refund: rule('PAYOUT', 'REFUNDED', ['card_payment_id']),
  inbound_ach_transfer: rule('sign', 'SUCCEEDED', TRANSFER_ID, { primary: true }),
  inbound_ach_transfer_return_intention: rule('sign', 'FAILED', ['inbound_ach_transfer_id'], {
    inverted: true,
  }),
  inbound_wire_transfer: rule('PAY-IN', 'SUCCEEDED', TRANSFER_ID, { primary: true }),
  inbound_wire_transfer_reversal: rule('PAY-IN', 'FAILED', ['inbound_wire_transfer_id']),
  inbound_real_time_payments_transfer_confirmation: rule('PAY-IN', 'SUCCEEDED', TRANSFER_ID, {
    primary: true,
  }),
  inbound_fednow_transfer_confirmation: rule('PAY-IN', 'SUCCEEDED', TRANSFER_ID, { primary: true }),
  check_deposit_acceptance: rule('PAY-IN', 'SUCCEEDED', ['check_deposit_id'], { primary: true }),
  check_deposit_return: rule('PAY-IN', 'FAILED', ['check_deposit_id']),
  interest_payment: rule('PAY-IN', 'SUCCEEDED'),
  cashback_payment: rule('PAY-IN', 'SUCCEEDED'),
  account_revenue_payment: rule('PAY-IN', 'SUCCEEDED'),
  card_revenue_payment: rule('PAY-IN', 'SUCCEEDED'),
  sample_funds: rule('PAY-IN', 'SUCCEEDED'),
  fee_payment: rule('PAYOUT', 'SUCCEEDED'),
};

/** Pending transactions (`/pending_transactions`): holds of a movement not posted yet. */
export const PENDING_RULES: Readonly<Record<string, Rule>> = {
  account_transfer_instruction: rule('TRANSFER', 'PENDING', TRANSFER_ID),
  ach_transfer_instruction: rule('sign', 'PENDING', TRANSFER_ID),
  wire_transfer_instruction: rule('PAYOUT', 'PENDING', TRANSFER_ID),
  real_time_payments_transfer_instruction: rule('PAYOUT', 'PENDING', TRANSFER_ID),
  fednow_transfer_instruction: rule('PAYOUT', 'PENDING', TRANSFER_ID),
  swift_transfer_instruction: rule('PAYOUT', 'PENDING', TRANSFER_ID),
  check_transfer_instruction: rule('PAYOUT', 'PENDING', TRANSFER_ID),
  card_authorization: rule('PAYOUT', 'PENDING', ['card_payment_id']),
  check_deposit_instruction: rule('PAY-IN', 'PENDING', ['check_deposit_id']),
  inbound_wire_transfer_reversal: rule('PAY-IN', 'PENDING', ['inbound_wire_transfer_id']),
};

/** Declined transactions (`/declined_transactions`): movements Increase refused. */
export const DECLINED_RULES: Readonly<Record<string, Rule>> = {
  ach_decline: rule('sign', 'FAILED', ['inbound_ach_transfer_id']),
  card_decline: rule('PAYOUT', 'FAILED', ['card_payment_id']),
  check_decline: rule('PAYOUT', 'FAILED', ['check_transfer_id', 'inbound_check_deposit_id']),
  check_deposit_rejection: rule('PAY-IN', 'FAILED', ['check_deposit_id']),
  inbound_real_time_payments_transfer_decline: rule('PAY-IN', 'FAILED', TRANSFER_ID),
  inbound_fednow_transfer_decline: rule('PAY-IN', 'FAILED', TRANSFER_ID),
  wire_decline: rule('PAY-IN', 'FAILED', ['inbound_wire_transfer_id']),
};

/** The rail a category belongs to, from its name: ACH and RTP have schemes; wires, cards, checks and book transfers are OTHER. */
export function schemeOf(category: string): PspPayment['scheme'] {
  if (/(^|_)ach(_|$)/.test(category)) return 'ACH';
  if (category.includes('real_time_payments')) return 'RTP';
  return 'OTHER';
}

export type RowKind = 'transaction' | 'pending_transaction' | 'declined_transaction';

const RULES: Record<RowKind, { rules: Readonly<Record<string, Rule>>; what: string }> = {
  transaction: { rules: TRANSACTION_RULES, what: 'transaction category' },
  pending_transaction: { rules: PENDING_RULES, what: 'pending transaction category' },
  declined_transaction: { rules: DECLINED_RULES, what: 'declined transaction category' },
};

/** The status a row gives when its category is unknown: what the list itself says. */
const LIST_STATUS: Record<RowKind, PaymentStatus> = {
  transaction: 'SUCCEEDED',
  pending_transaction: 'PENDING',
  declined_transaction: 'FAILED',
};

/** The source sub-object of a row (`source[source.category]`), when Increase sent one. */
function sourceDetail(row: MoneyRow): Record<string, unknown> {
  const detail = (row.source as Record<string, unknown>)[row.source.category];
  return typeof detail === 'object' && detail !== null ? (detail as Record<string, unknown>) : {};
}

/** The id of the money movement a row belongs to (see Rule.link), or the row's own id. */
export function movementOf(row: MoneyRow, link: readonly string[] | undefined): string {
  const detail = sourceDetail(row);
  for (const field of link ?? []) {
    const value = detail[field];
    if (typeof value === 'string' && value !== '') return value;
  }
  return row.id;
}

const abs = (value: bigint) => (value < 0n ? -value : value);

/**
 * One row of the three money lists as a payment observation. The payment's reference is the movement
 * (a transfer, card payment, check deposit): the posted row that describes it (`primary`) carries its
 * fields; every other row (its pending hold, its decline, a return, the other leg of an account transfer,
 * a refund) is an adjustment of it (`parentReference`, its own id as reference), which never overwrites
 * the payment's fields. So a transfer seen pending, then posted, then returned is one payment with three
 * adjustments: PENDING, SUCCEEDED, FAILED, and its status is the newest.
 */
export function toPayment(kind: RowKind, row: MoneyRow, warnings: string[]): PspPayment {
  const { rules, what } = RULES[kind];
  const category = row.source.category;
  const known = Object.hasOwn(rules, category) ? rules[category] : undefined;
  if (!known) mappedOrOther({}, category, what, warnings);
  const rowRule: Rule = known ?? { type: 'OTHER', status: LIST_STATUS[kind] };
  const movement = movementOf(row, rowRule.link);
  const detail = sourceDetail(row);
  // The original movement's direction: negative moves money out of the account.
  const outgoing = rowRule.inverted ? row.amount > 0n : row.amount < 0n;
  const type: PaymentType = rowRule.type === 'sign' ? (outgoing ? 'PAYOUT' : 'PAY-IN') : rowRule.type;
  const createdAt = new Date(row.created_at);
  // An account transfer's debit leg names both accounts; its credit leg is the other side of the same money.
  const isCreditLeg = category === 'account_transfer_intention' && row.amount > 0n;
  const primary = rowRule.primary === true && !isCreditLeg && kind === 'transaction';
  const accounts = accountsOf(type, row, detail);
  const payment: PspPayment = {
    reference: primary || movement === row.id ? movement : row.id,
    createdAt,
    type,
    amount: abs(row.amount),
    asset: assetOf(row.currency),
    scheme: schemeOf(category),
    status: rowRule.status,
    ...accounts,
    metadata: specMetadata(PROVIDER, {
      movement_id: movement,
      category: primary ? category : undefined,
      route_id: row.route_id,
      route_type: row.route_type,
    }),
    raw: row,
  };
  if (!primary && movement !== row.id) payment.parentReference = movement;
  if (kind === 'pending_transaction') {
    const pending = row as IncreasePendingTransaction;
    payment.metadata = { ...payment.metadata, ...specMetadata(PROVIDER, { pending_status: pending.status }) };
  }
  return payment;
}

function accountsOf(
  type: PaymentType,
  row: MoneyRow,
  detail: Record<string, unknown>,
): Pick<PspPayment, 'sourceAccountReference' | 'destinationAccountReference'> {
  const text = (field: string) => (typeof detail[field] === 'string' ? (detail[field] as string) : undefined);
  if (row.source.category === 'account_transfer_intention') {
    const source = text('source_account_id');
    const destination = text('destination_account_id');
    return {
      ...(source ? { sourceAccountReference: source } : {}),
      ...(destination ? { destinationAccountReference: destination } : {}),
    };
  }
  if (type === 'PAY-IN') return { destinationAccountReference: row.account_id };
  return { sourceAccountReference: row.account_id };
}
