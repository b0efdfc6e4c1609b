// Turns a page of PSP items into storage writes and child payloads, skipping records that fail validation.
import type {
  PspAccount,
  PspBalance,
  PspConversion,
  PspOrder,
  PspOther,
  PspPayment,
  TaskType,
} from '../../connectors/sdk/contract.js';
import type { TaskItem } from '../../connectors/sdk/tasks.js';
import { isValidAsset } from '../../domain/assets.js';
import {
  CONVERSION_STATUSES,
  ORDER_DIRECTIONS,
  ORDER_STATUSES,
  ORDER_TYPES,
  PAYMENT_SCHEMES,
  PAYMENT_STATUSES,
  PAYMENT_TYPES,
  TIME_IN_FORCES,
} from '../../domain/enums.js';
import {
  accountIdCodec,
  connectorIdCodec,
  type ConnectorId,
  conversionIdCodec,
  orderAdjustmentIdCodec,
  orderIdCodec,
  paymentAdjustmentIdCodec,
  paymentIdCodec,
  type PaymentId,
} from '../../domain/ids.js';
import { formatTime } from '../../domain/time.js';
import type { AccountWrite } from '../../storage/accounts.js';
import type { BalanceWrite } from '../../storage/balances.js';
import type { ConversionWrite } from '../../storage/conversions.js';
import type { OrderAdjustmentWrite, OrderWrite } from '../../storage/orders.js';
import type { AdjustmentWrite, PaymentWrite } from '../../storage/payments.js';

export interface PageWrites {
  accounts: AccountWrite[];
  balances: BalanceWrite[];
  payments: PaymentWrite[];
  adjustments: AdjustmentWrite[];
  orders: OrderWrite[];
  orderAdjustments: OrderAdjustmentWrite[];
  conversions: ConversionWrite[];
  /** One entry per valid item: what its child tasks receive as `fromPayload`. */
  children: { id: string; payload: unknown }[];
  skipped: { reference: string; reason: string }[];
  /** References of payments the PSP deleted. */
  paymentsToDelete: string[];
}

const validDate = (d: unknown): d is Date => d instanceof Date && !Number.isNaN(d.getTime());
const isJsonObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
const nonEmpty = (s: unknown): s is string => typeof s === 'string' && s.length > 0;

function accountProblem(a: PspAccount): string | undefined {
  if (!nonEmpty(a.reference)) return 'missing reference';
  if (!validDate(a.createdAt)) return 'invalid createdAt';
  if (a.defaultAsset !== undefined && !isValidAsset(a.defaultAsset)) return `invalid asset ${a.defaultAsset}`;
  if (!isJsonObject(a.raw)) return 'raw must be a JSON object';
  return undefined;
}

function balanceProblem(b: PspBalance): string | undefined {
  if (!nonEmpty(b.accountReference)) return 'missing account reference';
  if (!validDate(b.createdAt)) return 'invalid createdAt';
  if (typeof b.amount !== 'bigint') return 'amount is not an integer';
  if (!isValidAsset(b.asset)) return `invalid asset ${b.asset}`;
  return undefined;
}

function paymentProblem(p: PspPayment): string | undefined {
  if (!nonEmpty(p.reference)) return 'missing reference';
  if (!validDate(p.createdAt)) return 'invalid createdAt';
  if (p.updatedAt !== undefined && !validDate(p.updatedAt)) return 'invalid updatedAt';
  if (typeof p.amount !== 'bigint') return 'amount is not an integer';
  if (!isValidAsset(p.asset)) return `invalid asset ${p.asset}`;
  if (!(PAYMENT_TYPES as readonly string[]).includes(p.type)) return `invalid type ${p.type}`;
  if (!(PAYMENT_STATUSES as readonly string[]).includes(p.status)) return `invalid status ${p.status}`;
  if (!(PAYMENT_SCHEMES as readonly string[]).includes(p.scheme)) return `invalid scheme ${p.scheme}`;
  if (!isJsonObject(p.raw)) return 'raw must be a JSON object';
  return undefined;
}

const isOneOf = (values: readonly string[], value: unknown) =>
  typeof value === 'string' && values.includes(value);
/** An optional integer quantity or price: absent, or a bigint that is not negative. */
const quantityProblem = (name: string, value: unknown, required = false): string | undefined => {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'bigint') return `${name} is not an integer`;
  return value < 0n ? `${name} is negative` : undefined;
};
const optionalAssetProblem = (name: string, value: unknown) =>
  value === undefined || (typeof value === 'string' && isValidAsset(value))
    ? undefined
    : `invalid ${name} ${String(value)}`;

function orderProblem(o: PspOrder): string | undefined {
  if (!nonEmpty(o.reference)) return 'missing reference';
  if (!validDate(o.createdAt)) return 'invalid createdAt';
  if (o.updatedAt !== undefined && !validDate(o.updatedAt)) return 'invalid updatedAt';
  if (o.expiresAt !== undefined && !validDate(o.expiresAt)) return 'invalid expiresAt';
  if (!isOneOf(ORDER_DIRECTIONS, o.direction)) return `invalid direction ${o.direction}`;
  if (!isOneOf(ORDER_TYPES, o.type)) return `invalid type ${o.type}`;
  if (!isOneOf(ORDER_STATUSES, o.status)) return `invalid status ${o.status}`;
  if (!isOneOf(TIME_IN_FORCES, o.timeInForce)) return `invalid timeInForce ${o.timeInForce}`;
  if (!isValidAsset(o.sourceAsset)) return `invalid sourceAsset ${o.sourceAsset}`;
  if (!isValidAsset(o.destinationAsset)) return `invalid destinationAsset ${o.destinationAsset}`;
  return (
    quantityProblem('baseQuantityOrdered', o.baseQuantityOrdered, true) ??
    quantityProblem('baseQuantityFilled', o.baseQuantityFilled) ??
    quantityProblem('limitPrice', o.limitPrice) ??
    quantityProblem('stopPrice', o.stopPrice) ??
    quantityProblem('averageFillPrice', o.averageFillPrice) ??
    quantityProblem('quoteAmount', o.quoteAmount) ??
    quantityProblem('fee', o.fee) ??
    optionalAssetProblem('priceAsset', o.priceAsset) ??
    optionalAssetProblem('quoteAsset', o.quoteAsset) ??
    optionalAssetProblem('feeAsset', o.feeAsset) ??
    (isJsonObject(o.raw) ? undefined : 'raw must be a JSON object')
  );
}

function conversionProblem(c: PspConversion): string | undefined {
  if (!nonEmpty(c.reference)) return 'missing reference';
  if (!validDate(c.createdAt)) return 'invalid createdAt';
  if (c.updatedAt !== undefined && !validDate(c.updatedAt)) return 'invalid updatedAt';
  if (!isOneOf(CONVERSION_STATUSES, c.status)) return `invalid status ${c.status}`;
  if (!isValidAsset(c.sourceAsset)) return `invalid sourceAsset ${c.sourceAsset}`;
  if (!isValidAsset(c.destinationAsset)) return `invalid destinationAsset ${c.destinationAsset}`;
  return (
    quantityProblem('sourceAmount', c.sourceAmount, true) ??
    quantityProblem('destinationAmount', c.destinationAmount) ??
    quantityProblem('fee', c.fee) ??
    optionalAssetProblem('feeAsset', c.feeAsset) ??
    (isJsonObject(c.raw) ? undefined : 'raw must be a JSON object')
  );
}

/** The account as child tasks receive it. */
function accountPayload(a: PspAccount) {
  return {
    reference: a.reference,
    createdAt: formatTime(a.createdAt),
    name: a.name,
    defaultAsset: a.defaultAsset,
    metadata: a.metadata ?? {},
    raw: a.raw,
  };
}

export function emptyWrites(): PageWrites {
  return {
    accounts: [],
    balances: [],
    payments: [],
    adjustments: [],
    orders: [],
    orderAdjustments: [],
    conversions: [],
    children: [],
    skipped: [],
    paymentsToDelete: [],
  };
}

/** Keeps the last write per key: a PSP page may repeat an object, and one statement may touch a row once. */
function lastPerKey<T>(rows: T[], key: (row: T) => string): T[] {
  return [...new Map(rows.map((r) => [key(r), r])).values()];
}

/** True when two rows share a key. */
function hasDuplicates<T>(rows: T[], key: (row: T) => string): boolean {
  if (rows.length < 2) return false;
  const seen = new Set<string>();
  for (const row of rows) {
    const k = key(row);
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

/**
 * Writes of several pages, runs or webhook parts side by side, as one storeWrites call takes them; rows
 * they repeat are reduced there (`uniqueWrites`).
 */
export function mergeWrites(all: PageWrites[]): PageWrites {
  if (all.length === 1) return all[0] as PageWrites;
  const merged = emptyWrites();
  for (const writes of all) {
    for (const key of Object.keys(merged) as (keyof PageWrites)[]) {
      (merged[key] as unknown[]).push(...(writes[key] as unknown[]));
    }
  }
  return merged;
}

/** `rows` as they are when no two share a key, else reduced to one per key. */
const pick = <T>(rows: T[], key: (row: T) => string, reduce: (rows: T[]) => T[]): T[] =>
  hasDuplicates(rows, key) ? reduce(rows) : rows;

const paymentKey = (p: PaymentWrite) => p.id;
const adjustmentKey = (a: AdjustmentWrite) => a.id;
const accountKey = (a: AccountWrite) => a.id;
const balanceKey = (b: BalanceWrite) => `${b.accountId}\u0000${b.asset}`;
const idKey = (row: { id: string }) => row.id;

/** A payment's own row wins over a refund row that only names it as parent; otherwise the last one wins. */
const uniquePayments = (rows: PaymentWrite[]) =>
  lastPerKey(
    [...rows].sort((x, y) => Number(y.child) - Number(x.child)),
    paymentKey,
  );
/** The newest observation per (account, asset) wins. */
const uniqueBalances = (rows: BalanceWrite[]) =>
  lastPerKey(
    [...rows].sort((x, y) => x.createdAt.localeCompare(y.createdAt)),
    balanceKey,
  );
/** The first observation of an order's state keeps its time, as the stored adjustment (inserted once) does. */
const uniqueOrderAdjustments = (rows: OrderAdjustmentWrite[]) => [
  ...new Map([...rows].sort((x, y) => y.createdAt.localeCompare(x.createdAt)).map((a) => [a.id, a])).values(),
];

/**
 * One row per key, by the rules each mapper applies within a page. A mapped page is already unique (this
 * then only checks); writes merged from several pages or runs of one connector may repeat a row.
 */
export function uniqueWrites(writes: PageWrites): PageWrites {
  return {
    ...writes,
    accounts: pick(writes.accounts, accountKey, (rows) => lastPerKey(rows, accountKey)),
    balances: pick(writes.balances, balanceKey, uniqueBalances),
    payments: pick(writes.payments, paymentKey, uniquePayments),
    adjustments: pick(writes.adjustments, adjustmentKey, (rows) => lastPerKey(rows, adjustmentKey)),
    orders: pick(writes.orders, idKey, (rows) => newestPerKey(rows, idKey)),
    orderAdjustments: pick(writes.orderAdjustments, idKey, uniqueOrderAdjustments),
    conversions: pick(writes.conversions, idKey, (rows) => newestPerKey(rows, idKey)),
    paymentsToDelete: pick(
      writes.paymentsToDelete,
      (r) => r,
      (rows) => [...new Set(rows)],
    ),
  };
}

export function mapAccounts(
  connectorId: ConnectorId,
  type: 'INTERNAL' | 'EXTERNAL',
  items: PspAccount[],
): PageWrites {
  const writes = emptyWrites();
  const encodedConnector = connectorIdCodec.encode(connectorId);
  for (const a of items) {
    const problem = accountProblem(a);
    if (problem) {
      writes.skipped.push({ reference: String(a.reference), reason: problem });
      continue;
    }
    writes.accounts.push({
      id: accountIdCodec.encode({ connectorId, reference: a.reference }),
      connectorId: encodedConnector,
      reference: a.reference,
      type,
      createdAt: formatTime(a.createdAt),
      name: a.name ?? null,
      defaultAsset: a.defaultAsset ?? null,
      metadata: a.metadata ?? {},
      raw: a.raw,
    });
    writes.children.push({ id: a.reference, payload: accountPayload(a) });
  }
  writes.accounts = lastPerKey(writes.accounts, accountKey);
  return writes;
}

export function mapBalances(connectorId: ConnectorId, items: PspBalance[]): PageWrites {
  const writes = emptyWrites();
  const encodedConnector = connectorIdCodec.encode(connectorId);
  for (const b of items) {
    const problem = balanceProblem(b);
    if (problem) {
      writes.skipped.push({ reference: String(b.accountReference), reason: problem });
      continue;
    }
    writes.balances.push({
      accountId: accountIdCodec.encode({ connectorId, reference: b.accountReference }),
      connectorId: encodedConnector,
      asset: b.asset,
      createdAt: formatTime(b.createdAt),
      amount: b.amount,
    });
    writes.children.push({
      id: `${b.accountReference}-balances`,
      payload: { ...b, createdAt: formatTime(b.createdAt) },
    });
  }
  writes.balances = uniqueBalances(writes.balances);
  return writes;
}

export function mapPayments(connectorId: ConnectorId, items: PspPayment[]): PageWrites {
  const writes = emptyWrites();
  const encodedConnector = connectorIdCodec.encode(connectorId);
  const accountId = (reference?: string) =>
    reference ? accountIdCodec.encode({ connectorId, reference }) : null;
  for (const p of items) {
    const problem = paymentProblem(p);
    if (problem) {
      writes.skipped.push({ reference: String(p.reference), reason: problem });
      continue;
    }
    const child = nonEmpty(p.parentReference);
    const paymentId: PaymentId = {
      connectorId,
      reference: child ? (p.parentReference as string) : p.reference,
      type: p.type,
    };
    const id = paymentIdCodec.encode(paymentId);
    const observedAt = formatTime(p.updatedAt ?? p.createdAt);
    writes.payments.push({
      id,
      connectorId: encodedConnector,
      reference: paymentId.reference,
      type: p.type,
      createdAt: formatTime(p.createdAt),
      amount: p.amount,
      asset: p.asset,
      scheme: p.scheme,
      status: p.status,
      statusAt: observedAt,
      sourceAccountId: accountId(p.sourceAccountReference),
      destinationAccountId: accountId(p.destinationAccountReference),
      metadata: p.metadata ?? {},
      child,
    });
    writes.adjustments.push({
      id: paymentAdjustmentIdCodec.encode({
        paymentId,
        reference: p.reference,
        createdAt: observedAt,
        status: p.status,
      }),
      paymentId: id,
      connectorId: encodedConnector,
      reference: p.reference,
      createdAt: observedAt,
      status: p.status,
      amount: p.amount,
      asset: p.asset,
      metadata: p.metadata ?? {},
      raw: p.raw,
    });
    writes.children.push({ id: p.reference, payload: { ...p, createdAt: formatTime(p.createdAt) } });
  }
  writes.payments = pick(writes.payments, paymentKey, uniquePayments);
  writes.adjustments = pick(writes.adjustments, adjustmentKey, (rows) => lastPerKey(rows, adjustmentKey));
  return writes;
}

export function mapOthers(items: PspOther[]): PageWrites {
  const writes = emptyWrites();
  for (const o of items) {
    if (!nonEmpty(o.id)) writes.skipped.push({ reference: String(o.id), reason: 'missing id' });
    else writes.children.push({ id: o.id, payload: o.other });
  }
  return writes;
}

/** The newest observation per key wins within a page (one statement may touch a row once). */
function newestPerKey<T extends { updatedAt: string }>(rows: T[], key: (row: T) => string): T[] {
  return lastPerKey(
    [...rows].sort((x, y) => x.updatedAt.localeCompare(y.updatedAt)),
    key,
  );
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

export function mapOrders(connectorId: ConnectorId, items: PspOrder[]): PageWrites {
  const writes = emptyWrites();
  const encodedConnector = connectorIdCodec.encode(connectorId);
  const accountId = (reference?: string) =>
    reference ? accountIdCodec.encode({ connectorId, reference }) : null;
  for (const o of items) {
    const problem = orderProblem(o);
    if (problem) {
      writes.skipped.push({ reference: String(o.reference), reason: problem });
      continue;
    }
    const id = orderIdCodec.encode({ connectorId, reference: o.reference });
    const observedAt = formatTime(o.updatedAt ?? o.createdAt);
    const filled = orNull(o.baseQuantityFilled);
    const fee = orNull(o.fee);
    writes.orders.push({
      id,
      connectorId: encodedConnector,
      reference: o.reference,
      clientOrderId: orNull(o.clientOrderId),
      createdAt: formatTime(o.createdAt),
      updatedAt: observedAt,
      direction: o.direction,
      sourceAsset: o.sourceAsset,
      destinationAsset: o.destinationAsset,
      type: o.type,
      status: o.status,
      baseQuantityOrdered: o.baseQuantityOrdered,
      baseQuantityFilled: filled,
      limitPrice: orNull(o.limitPrice),
      stopPrice: orNull(o.stopPrice),
      priceAsset: orNull(o.priceAsset),
      averageFillPrice: orNull(o.averageFillPrice),
      timeInForce: o.timeInForce,
      expiresAt: o.expiresAt ? formatTime(o.expiresAt) : null,
      quoteAmount: orNull(o.quoteAmount),
      quoteAsset: orNull(o.quoteAsset),
      fee,
      feeAsset: orNull(o.feeAsset),
      error: orNull(o.error),
      sourceAccountId: accountId(o.sourceAccountReference),
      destinationAccountId: accountId(o.destinationAccountReference),
      metadata: o.metadata ?? {},
      raw: o.raw,
    });
    writes.orderAdjustments.push({
      id: orderAdjustmentIdCodec.encode({
        orderId: { connectorId, reference: o.reference },
        status: o.status,
        baseQuantityFilled: filled === null ? null : filled.toString(),
        fee: fee === null ? null : fee.toString(),
      }),
      orderId: id,
      connectorId: encodedConnector,
      reference: o.reference,
      createdAt: observedAt,
      status: o.status,
      baseQuantityFilled: filled,
      fee,
      feeAsset: orNull(o.feeAsset),
      metadata: o.metadata ?? {},
      raw: o.raw,
    });
    writes.children.push({ id: o.reference, payload: withTimes(o) });
  }
  writes.orders = newestPerKey(writes.orders, (o) => o.id);
  writes.orderAdjustments = uniqueOrderAdjustments(writes.orderAdjustments);
  return writes;
}

export function mapConversions(connectorId: ConnectorId, items: PspConversion[]): PageWrites {
  const writes = emptyWrites();
  const encodedConnector = connectorIdCodec.encode(connectorId);
  const accountId = (reference?: string) =>
    reference ? accountIdCodec.encode({ connectorId, reference }) : null;
  for (const c of items) {
    const problem = conversionProblem(c);
    if (problem) {
      writes.skipped.push({ reference: String(c.reference), reason: problem });
      continue;
    }
    writes.conversions.push({
      id: conversionIdCodec.encode({ connectorId, reference: c.reference }),
      connectorId: encodedConnector,
      reference: c.reference,
      createdAt: formatTime(c.createdAt),
      updatedAt: formatTime(c.updatedAt ?? c.createdAt),
      sourceAsset: c.sourceAsset,
      destinationAsset: c.destinationAsset,
      sourceAmount: c.sourceAmount,
      destinationAmount: orNull(c.destinationAmount),
      fee: orNull(c.fee),
      feeAsset: orNull(c.feeAsset),
      status: c.status,
      error: orNull(c.error),
      sourceAccountId: accountId(c.sourceAccountReference),
      destinationAccountId: accountId(c.destinationAccountReference),
      metadata: c.metadata ?? {},
      raw: c.raw,
    });
    writes.children.push({ id: c.reference, payload: withTimes(c) });
  }
  writes.conversions = newestPerKey(writes.conversions, (c) => c.id);
  return writes;
}

/** An item as child tasks receive it: its dates as RFC 3339 text. */
function withTimes(item: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(item).map(([key, value]) => [key, value instanceof Date ? formatTime(value) : value]),
  );
}

/**
 * How each task type's items become storage writes. Keyed by every task type, with the item type its
 * connector method returns (tasks.ts): a new task type without a mapper, or a mapper for the wrong item,
 * does not compile. CREATE_WEBHOOKS yields the `others` its children hang from.
 */
const ITEM_MAPPERS: { [T in TaskType]: (connectorId: ConnectorId, items: TaskItem<T>[]) => PageWrites } = {
  FETCH_ACCOUNTS: (connectorId, items) => mapAccounts(connectorId, 'INTERNAL', items),
  FETCH_EXTERNAL_ACCOUNTS: (connectorId, items) => mapAccounts(connectorId, 'EXTERNAL', items),
  FETCH_BALANCES: mapBalances,
  FETCH_PAYMENTS: mapPayments,
  FETCH_OTHERS: (_connectorId, items) => mapOthers(items),
  CREATE_WEBHOOKS: (_connectorId, items) => mapOthers(items),
  FETCH_ORDERS: mapOrders,
  FETCH_CONVERSIONS: mapConversions,
};

/**
 * Maps a page of items fetched by a node of type `type`. The items come from that node's method, so
 * they are what its mapper expects; each mapper still validates every item and skips bad ones.
 */
export function mapPage<T extends TaskType>(connectorId: ConnectorId, type: T, items: unknown[]): PageWrites {
  const mapper = ITEM_MAPPERS[type] as (connectorId: ConnectorId, items: unknown[]) => PageWrites;
  return mapper(connectorId, items);
}
