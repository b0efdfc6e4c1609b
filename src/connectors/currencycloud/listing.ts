// Polling Currencycloud: accounts, balances, beneficiaries and transactions, each with a cursor that loses nothing.
import { z } from 'zod';
import type { Clock } from '../sdk/context.js';
import type {
  FetchNextRequest,
  FetchNextResponse,
  PspAccount,
  PspBalance,
  PspPayment,
  SkippedRecord,
} from '../sdk/contract.js';
import { UpstreamError } from '../sdk/errors.js';
import { describeZodProblem, mapEach } from '../sdk/mapping.js';
import type { CurrencycloudClient } from './client.js';
import {
  accountSchema,
  balanceSchema,
  beneficiarySchema,
  toAccount,
  toBalance,
  toBeneficiary,
  toPayment,
  transactionSchema,
} from './mapping.js';

/**
 * How far before the start of the previous pass the next one begins: covers a transaction Currencycloud
 * stamps a little before it becomes visible, and clock skew between CC and us. Repeats in the overlap
 * are recognised by (id, updated_at) and not returned again.
 */
export const OVERLAP_MS = 10 * 60 * 1000;

const listPage = (key: string) =>
  z.looseObject({
    [key]: z.array(z.unknown()),
    pagination: z.looseObject({ next_page: z.union([z.number(), z.bigint()]).nullish() }).nullish(),
  });

/** One page of a CC list: its records, and whether CC says there is a next page. */
function pageOf(body: unknown, key: string, what: string): { records: unknown[]; more: boolean } {
  const parsed = listPage(key).safeParse(body);
  if (!parsed.success)
    throw new UpstreamError(`Currencycloud answered ${what} unreadably: ${describeZodProblem(parsed.error)}`);
  const data = parsed.data as { pagination?: { next_page?: number | bigint | null } | null };
  const records = parsed.data[key] as unknown[];
  const next = data.pagination?.next_page;
  // CC answers next_page -1 (or 0) on the last page.
  return { records, more: records.length > 0 && next !== null && next !== undefined && Number(next) > 0 };
}

/** Lists that are re-read whole each pass (accounts, beneficiaries): what changed is what comes out. */
export const relistState = z.object({
  /** The next page of the running pass; none between passes. */
  page: z.number().int().positive().optional(),
  /** id → updated_at of every record returned, to return only what changed. */
  seen: z.record(z.string(), z.string()).default({}),
});
type RelistState = z.infer<typeof relistState>;

function changedOnly<T>(
  state: RelistState,
  entries: { id: string; updatedAt: string; item: T }[],
): { items: T[]; seen: Record<string, string> } {
  const seen = { ...state.seen };
  const items: T[] = [];
  for (const entry of entries) {
    if (seen[entry.id] === entry.updatedAt) continue;
    seen[entry.id] = entry.updatedAt;
    items.push(entry.item);
  }
  return { items, seen };
}

// Lists are read oldest first by created_at, which never changes: an update cannot move a record
// across a page boundary (with updated_at ordering, it would jump to the end and push the record after
// it onto the page already read), and a record made during a pass is appended, so it is not missed.
const ORDER = { order: 'created_at', order_asc_desc: 'asc' } as const;

/**
 * Accounts: the house account (`/accounts/current`) on the first page, then its sub-accounts
 * (`/accounts/find`), re-read each pass; an account comes out again only when its updated_at changed.
 */
export async function fetchAccounts(
  client: CurrencycloudClient,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspAccount>> {
  const state = relistState.parse(request.state ?? {});
  const page = state.page ?? 1;
  const records: { raw: unknown; house: boolean }[] = [];
  if (page === 1) records.push({ raw: await client.get('/accounts/current'), house: true });
  const found = pageOf(
    await client.find('/accounts/find', { ...ORDER, page, per_page: request.pageSize }),
    'accounts',
    'accounts',
  );
  for (const raw of found.records) records.push({ raw, house: false });
  const skipped: SkippedRecord[] = [];
  const entries: { id: string; updatedAt: string; item: PspAccount }[] = [];
  for (const { raw, house } of records) {
    const mapped = mapEach([raw], accountSchema, (a) => toAccount(a, house));
    skipped.push(...mapped.skipped);
    for (const { record, item } of mapped.items) {
      entries.push({ id: record.id, updatedAt: record.updated_at, item });
    }
  }
  const { items, seen } = changedOnly(state, entries);
  return {
    items,
    newState: { ...(found.more ? { page: page + 1 } : {}), seen },
    hasMore: found.more,
    skipped,
  };
}

/** Beneficiaries of the house and of every sub-account (`scope=all`), as external accounts. */
export async function fetchBeneficiaries(
  client: CurrencycloudClient,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspAccount>> {
  const state = relistState.parse(request.state ?? {});
  const page = state.page ?? 1;
  const found = pageOf(
    await client.find('/beneficiaries/find', { scope: 'all', ...ORDER, page, per_page: request.pageSize }),
    'beneficiaries',
    'beneficiaries',
  );
  const mapped = mapEach(found.records, beneficiarySchema, toBeneficiary);
  const { items, seen } = changedOnly(
    state,
    mapped.items.map(({ record, item }) => ({ id: record.id, updatedAt: record.updated_at, item })),
  );
  return {
    items,
    newState: { ...(found.more ? { page: page + 1 } : {}), seen },
    hasMore: found.more,
    skipped: mapped.skipped,
  };
}

export const balancesState = z.object({ page: z.number().int().positive().optional() });

/**
 * Balances of every account (`scope=all`: without it CC lists the house account's only). Each pass
 * reads them all: a balance is an observation, and the engine keeps one row per value.
 */
export async function fetchBalances(
  client: CurrencycloudClient,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspBalance>> {
  const state = balancesState.parse(request.state ?? {});
  const page = state.page ?? 1;
  const found = pageOf(
    await client.get('/balances/find', { scope: 'all', ...ORDER, page, per_page: request.pageSize }),
    'balances',
    'balances',
  );
  const mapped = mapEach(found.records, balanceSchema, toBalance);
  return {
    items: mapped.items.map((i) => i.item),
    newState: found.more ? { page: page + 1 } : {},
    hasMore: found.more,
    skipped: mapped.skipped,
  };
}

export const transactionsState = z.object({
  /** Lower bound (inclusive) of updated_at for the running pass; none: all history. */
  from: z.string().optional(),
  /** When the running pass began: the next pass starts OVERLAP_MS before it. */
  started: z.string().optional(),
  /** The next page of the running pass; none between passes. */
  page: z.number().int().positive().optional(),
  /**
   * id → updated_at of the transactions returned whose updated_at the next pass can list again, and of
   * the last page read (a record made visible mid-pass can push it one place down).
   */
  seen: z.record(z.string(), z.string()).default({}),
});
export type TransactionsState = z.infer<typeof transactionsState>;

/** `updated_at_from` as CC reads it: a day (it ignores the time), so the day of the bound is asked for. */
export function dayOf(iso: string): string {
  return new Date(iso).toISOString().slice(0, 10);
}

/**
 * Transactions of every account (`scope=all`) as payments. A pass lists those updated on or after the
 * day of its bound, oldest created first, and keeps those updated at or after the bound itself (CC's
 * filter is a day, not an instant). The next pass's bound is OVERLAP_MS before this pass began, so a
 * transaction that changed while this pass was reading (behind or ahead of it) comes out next time;
 * what the overlap lists again unchanged is recognised by (id, updated_at).
 */
export async function fetchTransactions(
  client: CurrencycloudClient,
  clock: Clock,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspPayment>> {
  const state = transactionsState.parse(request.state ?? {});
  const running = state.page !== undefined;
  const page = state.page ?? 1;
  const started = running && state.started ? state.started : clock.now().toISOString();
  const from = state.from;
  const found = pageOf(
    await client.get('/transactions/find', {
      scope: 'all',
      ...ORDER,
      ...(from ? { updated_at_from: dayOf(from) } : {}),
      page,
      per_page: request.pageSize,
    }),
    'transactions',
    'transactions',
  );
  const warnings: string[] = [];
  const mapped = mapEach(found.records, transactionSchema, (t) => toPayment(t, warnings));
  const seen = { ...state.seen };
  const items: PspPayment[] = [];
  const fromMs = from ? Date.parse(from) : undefined;
  const pageIds = new Set<string>();
  for (const { record, item } of mapped.items) {
    pageIds.add(record.id);
    if (fromMs !== undefined && Date.parse(record.updated_at) < fromMs) continue;
    if (seen[record.id] === record.updated_at) continue;
    seen[record.id] = record.updated_at;
    items.push(item);
  }
  // The fingerprints worth keeping: what the next pass can list again; mid-pass also what this pass can
  // still list (at or after its bound) and this page (see above).
  const nextFrom = new Date(Date.parse(started) - OVERLAP_MS).toISOString();
  const keep = (midPass: boolean) => {
    const floor = Math.min(Date.parse(nextFrom), midPass && fromMs !== undefined ? fromMs : Infinity);
    return Object.fromEntries(
      Object.entries(seen).filter(
        ([id, updatedAt]) => Date.parse(updatedAt) >= floor || (midPass && pageIds.has(id)),
      ),
    );
  };
  const skipped = mapped.skipped;
  const extra = { skipped, ...(warnings.length ? { warnings: [...new Set(warnings)] } : {}) };
  if (found.more) {
    return {
      items,
      newState: { ...(from ? { from } : {}), started, page: page + 1, seen: keep(true) },
      hasMore: true,
      ...extra,
    };
  }
  return { items, newState: { from: nextFrom, seen: keep(false) }, hasMore: false, ...extra };
}
