// Event types and payloads (Formance's names and fields), with deterministic ids so replays never duplicate.
import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson, connectorIdCodec } from '../domain/ids.js';
import { stringifyJson } from '../domain/json.js';
import { toAmount } from '../domain/money.js';
import { formatDbTime } from '../domain/time.js';
import type { SavedAccountRow } from '../storage/accounts.js';
import type { OpenedBalanceRow } from '../storage/balances.js';
import type { BankAccountRow } from '../storage/bank-accounts.js';
import type { ConversionRow } from '../storage/conversions.js';
import type { OrderRow } from '../storage/orders.js';
import type { InitiationAdjustmentRow, InitiationRow } from '../storage/payment-initiations.js';

export const EVENT_TYPES = [
  'SAVED_ACCOUNT',
  'SAVED_BALANCE',
  'SAVED_PAYMENT',
  'DELETED_PAYMENT',
  'CONNECTOR_RESET',
  'SAVED_POOL',
  'DELETED_POOL',
  'SAVED_BANK_ACCOUNT',
  'SAVED_PAYMENT_INITIATION',
  'SAVED_PAYMENT_INITIATION_ADJUSTMENT',
  'SAVED_PAYMENT_INITIATION_RELATED_PAYMENT',
  'SAVED_ORDER',
  'SAVED_CONVERSION',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface OutboxEvent {
  /** Deterministic: the same change always yields the same id (it is the broker's de-duplication key). */
  id: string;
  connectorId: string | null;
  /** Events of one entity are delivered in the order they were written. */
  entityId: string;
  type: EventType;
  payload: Record<string, unknown>;
}

/** The id of one change: its type, its entity and what distinguishes this version of it. */
function eventId(type: EventType, entityId: string, version: string): string {
  return createHash('sha256').update(`${type}\u0000${entityId}\u0000${version}`).digest('hex');
}

/** The provider named by a connector id, decoded once per connector (every event of a page asks). */
const providers = new Map<string, string>();
function provider(connectorId: string): string {
  let name = providers.get(connectorId);
  if (name === undefined) {
    name = connectorIdCodec.decode(connectorId).provider;
    if (providers.size >= 10_000) providers.clear();
    providers.set(connectorId, name);
  }
  return name;
}

export function savedAccount(row: SavedAccountRow): OutboxEvent {
  const payload = {
    id: row.id,
    provider: provider(row.connector_id),
    connectorID: row.connector_id,
    createdAt: formatDbTime(row.created_at),
    reference: row.reference,
    type: row.type,
    defaultAsset: row.default_asset,
    name: row.name,
    metadata: row.metadata ?? {},
    rawData: row.raw,
  };
  const version = createHash('sha256')
    .update(canonicalJson(JSON.parse(stringifyJson(payload))))
    .digest('hex');
  return {
    id: eventId('SAVED_ACCOUNT', row.id, version),
    connectorId: row.connector_id,
    entityId: row.id,
    type: 'SAVED_ACCOUNT',
    payload,
  };
}

export function savedBalance(row: OpenedBalanceRow): OutboxEvent {
  const createdAt = formatDbTime(row.created_at);
  return {
    id: eventId('SAVED_BALANCE', `${row.account_id}/${row.asset}`, createdAt),
    connectorId: row.connector_id,
    entityId: row.account_id,
    type: 'SAVED_BALANCE',
    payload: {
      accountID: row.account_id,
      connectorID: row.connector_id,
      provider: provider(row.connector_id),
      createdAt,
      lastUpdatedAt: createdAt,
      asset: row.asset,
      balance: toAmount(row.balance),
    },
  };
}

export interface StoredPayment {
  id: string;
  connector_id: string;
  reference: string;
  created_at: string;
  type: string;
  status: string;
  scheme: string;
  asset: string;
  initial_amount: string;
  amount: string;
  source_account_id: string | null;
  destination_account_id: string | null;
  metadata: Record<string, string>;
}

/**
 * A payment as stored after the page (amounts and status already derived), for one change: a new
 * adjustment (`change` is its id, `rawData` its PSP object) or an edit of the payment's own fields.
 */
export function savedPayment(row: StoredPayment, change: string, rawData: unknown): OutboxEvent {
  return {
    id: eventId('SAVED_PAYMENT', row.id, change),
    connectorId: row.connector_id,
    entityId: row.id,
    type: 'SAVED_PAYMENT',
    payload: {
      id: row.id,
      connectorID: row.connector_id,
      provider: provider(row.connector_id),
      reference: row.reference,
      createdAt: formatDbTime(row.created_at),
      type: row.type,
      status: row.status,
      scheme: row.scheme,
      asset: row.asset,
      rawData,
      initialAmount: toAmount(row.initial_amount),
      amount: toAmount(row.amount),
      sourceAccountID: row.source_account_id,
      destinationAccountID: row.destination_account_id,
      metadata: row.metadata ?? {},
    },
  };
}

/** A reset replaced `oldConnectorId` by `newConnectorId`; consumers should drop what they hold of the old one. */
export function connectorReset(oldConnectorId: string, newConnectorId: string): OutboxEvent {
  return {
    id: eventId('CONNECTOR_RESET', oldConnectorId, newConnectorId),
    connectorId: newConnectorId,
    entityId: oldConnectorId,
    type: 'CONNECTOR_RESET',
    payload: { createdAt: new Date().toISOString(), connectorID: oldConnectorId },
  };
}

/** The PSP deleted a payment; it is gone from Paybridge too. */
export function deletedPayment(paymentId: string, connectorId: string): OutboxEvent {
  return {
    // A deleted payment can come back and be deleted again: each deletion is its own event.
    id: eventId('DELETED_PAYMENT', paymentId, new Date().toISOString()),
    connectorId,
    entityId: paymentId,
    type: 'DELETED_PAYMENT',
    payload: { id: paymentId },
  };
}

/**
 * A pool was created or changed (its query, or its accounts). Each change is a user's request, never a
 * replay, so each gets its own id: adding an account, removing it and adding it again is three events.
 */
export function savedPool(pool: {
  id: string;
  name: string;
  createdAt: string;
  type: string;
  query: unknown;
  accountIDs: string[];
}): OutboxEvent {
  const payload = { ...pool, query: pool.query ?? undefined };
  return {
    id: eventId('SAVED_POOL', pool.id, randomUUID()),
    connectorId: null,
    entityId: pool.id,
    type: 'SAVED_POOL',
    payload,
  };
}

export function deletedPool(poolId: string): OutboxEvent {
  return {
    id: eventId('DELETED_POOL', poolId, ''),
    connectorId: null,
    entityId: poolId,
    type: 'DELETED_POOL',
    payload: { createdAt: new Date().toISOString(), id: poolId },
  };
}

/** A bank account was created or changed; its details appear masked, as the API shows them. */
export function savedBankAccount(
  row: BankAccountRow,
  related: { accountID: string; connectorID: string; createdAt: string }[],
): OutboxEvent {
  const payload = {
    id: row.id,
    createdAt: formatDbTime(row.created_at),
    name: row.name,
    accountNumber: row.account_number_masked,
    iban: row.iban_masked,
    swiftBicCode: row.swift_bic_code_masked,
    country: row.country,
    metadata: row.metadata ?? {},
    relatedAccounts: related.map((r) => ({ ...r, provider: provider(r.connectorID) })),
  };
  const version = createHash('sha256')
    .update(canonicalJson(JSON.parse(stringifyJson(payload))))
    .digest('hex');
  return {
    id: eventId('SAVED_BANK_ACCOUNT', row.id, version),
    connectorId: null,
    entityId: row.id,
    type: 'SAVED_BANK_ACCOUNT',
    payload,
  };
}

/** The zero time Formance sends for "not scheduled". */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** A payment initiation was created (its fields never change afterwards; its status lives in adjustments). */
export function savedPaymentInitiation(row: InitiationRow): OutboxEvent {
  return {
    id: eventId('SAVED_PAYMENT_INITIATION', row.id, ''),
    connectorId: row.connector_id,
    entityId: row.id,
    type: 'SAVED_PAYMENT_INITIATION',
    payload: {
      id: row.id,
      connectorId: row.connector_id,
      provider: provider(row.connector_id),
      reference: row.reference,
      createdAt: formatDbTime(row.created_at),
      scheduledAt: row.scheduled_at ? formatDbTime(row.scheduled_at) : ZERO_TIME,
      description: row.description,
      type: row.type,
      ...(row.source_account_id ? { sourceAccountId: row.source_account_id } : {}),
      ...(row.destination_account_id ? { destinationAccountId: row.destination_account_id } : {}),
      amount: toAmount(row.amount),
      asset: row.asset,
      metadata: row.metadata ?? {},
    },
  };
}

export function savedPaymentInitiationAdjustment(
  row: InitiationAdjustmentRow,
  connectorId: string,
): OutboxEvent {
  return {
    id: eventId('SAVED_PAYMENT_INITIATION_ADJUSTMENT', row.id, ''),
    connectorId,
    // Ordered with the initiation's own events.
    entityId: row.payment_initiation_id,
    type: 'SAVED_PAYMENT_INITIATION_ADJUSTMENT',
    payload: {
      id: row.id,
      paymentInitiationId: row.payment_initiation_id,
      status: row.status,
      ...(row.amount !== null ? { amount: toAmount(row.amount) } : {}),
      ...(row.asset !== null ? { asset: row.asset } : {}),
      ...(row.error !== null ? { error: row.error } : {}),
      metadata: row.metadata ?? {},
    },
  };
}

export function savedPaymentInitiationRelatedPayment(
  initiationId: string,
  paymentId: string,
  connectorId: string,
): OutboxEvent {
  return {
    id: eventId('SAVED_PAYMENT_INITIATION_RELATED_PAYMENT', initiationId, paymentId),
    connectorId,
    entityId: initiationId,
    type: 'SAVED_PAYMENT_INITIATION_RELATED_PAYMENT',
    payload: { paymentInitiationId: initiationId, paymentId },
  };
}

/** An amount column that may be empty: absent from the payload rather than null. */
const optionalAmount = (name: string, value: string | null) =>
  value === null ? {} : { [name]: toAmount(value) };
const optionalText = (name: string, value: string | null) => (value === null ? {} : { [name]: value });

/** A change's id from its payload: the same stored state always yields the same event id. */
function contentVersion(payload: Record<string, unknown>): string {
  return createHash('sha256')
    .update(canonicalJson(JSON.parse(stringifyJson(payload))))
    .digest('hex');
}

/** An order was inserted, or a newer observation (a new status, fill or fee) changed it. */
export function savedOrder(row: OrderRow): OutboxEvent {
  const payload = {
    id: row.id,
    connectorID: row.connector_id,
    provider: row.provider,
    reference: row.reference,
    ...optionalText('clientOrderID', row.client_order_id),
    createdAt: formatDbTime(row.created_at),
    updatedAt: formatDbTime(row.updated_at),
    direction: row.direction,
    sourceAsset: row.source_asset,
    destinationAsset: row.destination_asset,
    type: row.type,
    status: row.status,
    baseQuantityOrdered: toAmount(row.base_quantity_ordered),
    ...optionalAmount('baseQuantityFilled', row.base_quantity_filled),
    ...optionalAmount('limitPrice', row.limit_price),
    ...optionalAmount('stopPrice', row.stop_price),
    ...optionalText('priceAsset', row.price_asset),
    ...optionalAmount('averageFillPrice', row.average_fill_price),
    timeInForce: row.time_in_force,
    ...(row.expires_at === null ? {} : { expiresAt: formatDbTime(row.expires_at) }),
    ...optionalAmount('quoteAmount', row.quote_amount),
    ...optionalText('quoteAsset', row.quote_asset),
    ...optionalAmount('fee', row.fee),
    ...optionalText('feeAsset', row.fee_asset),
    ...optionalText('error', row.error),
    sourceAccountID: row.source_account_id,
    destinationAccountID: row.destination_account_id,
    metadata: row.metadata ?? {},
    rawData: row.raw,
  };
  return {
    id: eventId('SAVED_ORDER', row.id, contentVersion(payload)),
    connectorId: row.connector_id,
    entityId: row.id,
    type: 'SAVED_ORDER',
    payload,
  };
}

/** A conversion was inserted, or a newer observation changed it. */
export function savedConversion(row: ConversionRow): OutboxEvent {
  const payload = {
    id: row.id,
    connectorID: row.connector_id,
    provider: row.provider,
    reference: row.reference,
    createdAt: formatDbTime(row.created_at),
    updatedAt: formatDbTime(row.updated_at),
    sourceAsset: row.source_asset,
    destinationAsset: row.destination_asset,
    sourceAmount: toAmount(row.source_amount),
    ...optionalAmount('destinationAmount', row.destination_amount),
    ...optionalAmount('fee', row.fee),
    ...optionalText('feeAsset', row.fee_asset),
    status: row.status,
    ...optionalText('error', row.error),
    sourceAccountID: row.source_account_id,
    destinationAccountID: row.destination_account_id,
    metadata: row.metadata ?? {},
    rawData: row.raw,
  };
  return {
    id: eventId('SAVED_CONVERSION', row.id, contentVersion(payload)),
    connectorId: row.connector_id,
    entityId: row.id,
    type: 'SAVED_CONVERSION',
    payload,
  };
}
