// Turns a page of PSP items into storage writes and child payloads, skipping records that fail validation.
import type { PspAccount, PspBalance, PspOther, PspPayment, TaskType } from '../connectors/sdk/contract.js';
import { isValidAsset } from '../domain/assets.js';
import { PAYMENT_SCHEMES, PAYMENT_STATUSES, PAYMENT_TYPES } from '../domain/enums.js';
import {
  accountIdCodec,
  connectorIdCodec,
  type ConnectorId,
  paymentAdjustmentIdCodec,
  paymentIdCodec,
  type PaymentId,
} from '../domain/ids.js';
import { formatTime } from '../domain/time.js';
import type { AccountWrite } from '../storage/accounts.js';
import type { BalanceWrite } from '../storage/balances.js';
import type { AdjustmentWrite, PaymentWrite } from '../storage/payments.js';

export interface PageWrites {
  accounts: AccountWrite[];
  balances: BalanceWrite[];
  payments: PaymentWrite[];
  adjustments: AdjustmentWrite[];
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
    children: [],
    skipped: [],
    paymentsToDelete: [],
  };
}

/** Keeps the last write per key: a PSP page may repeat an object, and one statement may touch a row once. */
function lastPerKey<T>(rows: T[], key: (row: T) => string): T[] {
  return [...new Map(rows.map((r) => [key(r), r])).values()];
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
  writes.accounts = lastPerKey(writes.accounts, (a) => a.id);
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
  // The newest observation per (account, asset) wins within a page.
  writes.balances = lastPerKey(
    [...writes.balances].sort((x, y) => x.createdAt.localeCompare(y.createdAt)),
    (b) => `${b.accountId}\u0000${b.asset}`,
  );
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
  // A payment's own row wins over a refund row that only names it as parent.
  writes.payments = lastPerKey(
    [...writes.payments].sort((x, y) => Number(y.child) - Number(x.child)),
    (p) => p.id,
  );
  writes.adjustments = lastPerKey(writes.adjustments, (a) => a.id);
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

export function mapPage(connectorId: ConnectorId, type: TaskType, items: unknown[]): PageWrites {
  switch (type) {
    case 'FETCH_ACCOUNTS':
      return mapAccounts(connectorId, 'INTERNAL', items as PspAccount[]);
    case 'FETCH_EXTERNAL_ACCOUNTS':
      return mapAccounts(connectorId, 'EXTERNAL', items as PspAccount[]);
    case 'FETCH_BALANCES':
      return mapBalances(connectorId, items as PspBalance[]);
    case 'FETCH_PAYMENTS':
      return mapPayments(connectorId, items as PspPayment[]);
    case 'FETCH_OTHERS':
      return mapOthers(items as PspOther[]);
    default:
      throw new Error(`task type ${type} has no storage yet`);
  }
}
