// Polling Modulr: accounts, balances, beneficiaries, payments and each account's transactions, with cursors that lose nothing.
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
import { MissingFromPayloadError, UpstreamError } from '../sdk/errors.js';
import { describeZodProblem, mapEach } from '../sdk/mapping.js';
import type { ModulrClient } from './client.js';
import {
  accountSchema,
  beneficiarySchema,
  type ModulrPayment,
  type ModulrTransaction,
  modulrFilterTime,
  modulrTime,
  PAYMENT_DEBITS,
  pageSchema,
  paymentSchema,
  paymentToPayment,
  toAccount,
  toBalance,
  toExternalAccount,
  transactionSchema,
  transactionToPayment,
  TRANSFER_CREDITS,
} from './mapping.js';

/** Modulr's largest page. */
export const MAX_PAGE = 500;
/** Modulr's default page size: what a request by ids gets, whatever size it asks. */
const IDS_PER_REQUEST = 20;
/**
 * How far back each window starts before the previous one ended: a record Modulr shows a little after
 * its timestamp, or filters with whole seconds, is still inside the next window. Records in the overlap
 * are recognised (by id, and for changing records by a fingerprint), so only what changed comes out.
 */
export const OVERLAP_MS = 5 * 60 * 1000;
/** The first payments window: Modulr requires a lower creation bound when no modifiedSince is given. */
const ALL_HISTORY = new Date('2000-01-01T00:00:00Z');

interface Page {
  records: unknown[];
  /** Whether a later page exists (by Modulr's totalPages, or a full page when it gives none). */
  more: boolean;
}

async function listPage(
  client: ModulrClient,
  path: string,
  query: Record<string, string | number | readonly string[] | undefined>,
  page: number,
  size: number,
): Promise<Page> {
  const body = pageSchema.safeParse(await client.get(path, { ...query, page, size }));
  if (!body.success)
    throw new UpstreamError(`Modulr answered ${path} unreadably: ${describeZodProblem(body.error)}`);
  const { content, totalPages } = body.data;
  const more = content.length >= size && (totalPages === undefined || page + 1 < totalPages);
  return { records: content, more };
}

/** The kit's mapEach, its skipped records added to the page's. */
function mapInto<R, T>(
  records: unknown[],
  schema: z.ZodType<R>,
  map: (record: R) => T | undefined,
  skipped: SkippedRecord[],
): { record: R; item: T }[] {
  const mapped = mapEach(records, schema, map);
  skipped.push(...mapped.skipped);
  return mapped.items;
}

const pageSize = (request: FetchNextRequest) => Math.max(1, Math.min(request.pageSize, MAX_PAGE));
const shifted = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

// ---------------------------------------------------------------------------------------------------
// Accounts: few, and without a modification filter, so each pass re-lists them (oldest first, so an
// account opened during a pass lands on a later page) and gives those that changed.

export const accountsState = z.object({
  page: z.number().int().min(0).default(0),
  /** id → fingerprint of each account the last complete pass listed. */
  seen: z.record(z.string(), z.string()).default({}),
  /** The same for the running pass. */
  next: z.record(z.string(), z.string()).optional(),
});

export async function fetchAccounts(
  client: ModulrClient,
  customerId: string | undefined,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspAccount>> {
  const state = accountsState.parse(request.state ?? {});
  const size = pageSize(request);
  const path = customerId ? `/customers/${encodeURIComponent(customerId)}/accounts` : '/accounts';
  const page = await listPage(client, path, { sortField: 'createdDate', sortOrder: 'asc' }, state.page, size);
  const skipped: SkippedRecord[] = [];
  const next = { ...(state.next ?? {}) };
  const items: PspAccount[] = [];
  for (const { record, item } of mapInto(page.records, accountSchema, toAccount, skipped)) {
    const fingerprint = [record.name, record.status, record.currency, record.externalReference].join('|');
    const known = next[record.id] ?? state.seen[record.id];
    next[record.id] = fingerprint;
    if (known !== fingerprint) items.push(item);
  }
  if (page.more)
    return { items, newState: { page: state.page + 1, seen: state.seen, next }, hasMore: true, skipped };
  return { items, newState: { page: 0, seen: next }, hasMore: false, skipped };
}

export async function fetchBalances(
  client: ModulrClient,
  clock: Clock,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspBalance>> {
  const accountId = parentAccount(request);
  const skipped: SkippedRecord[] = [];
  const body = await client.get(`/accounts/${encodeURIComponent(accountId)}`);
  const items = mapInto([body], accountSchema, (a) => toBalance(a, clock.now()), skipped);
  return { items: items.map((i) => i.item), newState: null, hasMore: false, skipped };
}

function parentAccount(request: FetchNextRequest): string {
  if (!request.fromPayload?.id) throw new MissingFromPayloadError();
  return request.fromPayload.id;
}

// ---------------------------------------------------------------------------------------------------
// Beneficiaries and payments: windows by modification time. A pass lists everything modified since
// the window's start, oldest created first; a record modified during the pass may show up twice
// (recognised by its fingerprint), never not at all, since nothing leaves the filtered set. The next
// window starts OVERLAP_MS before this pass started, and only then: a pass that fails half-way is
// resumed from its page, or repeated whole.

export const windowState = z.object({
  /** modifiedSince of the running window (and of the next one while none runs); none: all history. */
  since: z.string().optional(),
  /** When the running pass started. */
  started: z.string().optional(),
  page: z.number().int().min(0).default(0),
  /** id → fingerprint of the records the last complete window listed (the next overlap shows them again). */
  seen: z.record(z.string(), z.string()).default({}),
  next: z.record(z.string(), z.string()).optional(),
});
type WindowState = z.infer<typeof windowState>;

async function modifiedWindow<R extends { id: string }, T>(
  request: FetchNextRequest,
  clock: Clock,
  list: (since: Date | undefined, page: number, size: number) => Promise<Page>,
  schema: z.ZodType<R>,
  map: (record: R, warnings: string[]) => T,
  fingerprint: (record: R) => string,
): Promise<FetchNextResponse<T>> {
  const state = windowState.parse(request.state ?? {});
  const started = state.started ?? clock.now().toISOString();
  const page = await list(state.since ? new Date(state.since) : undefined, state.page, pageSize(request));
  const skipped: SkippedRecord[] = [];
  const warnings: string[] = [];
  const next = { ...(state.next ?? {}) };
  const items: T[] = [];
  for (const { record, item } of mapInto(page.records, schema, (r) => map(r, warnings), skipped)) {
    const print = fingerprint(record);
    const known = next[record.id] ?? state.seen[record.id];
    next[record.id] = print;
    if (known !== print) items.push(item);
  }
  const extra = warnings.length > 0 ? { warnings: [...new Set(warnings)] } : {};
  if (page.more) {
    const running: WindowState = { ...state, started, page: state.page + 1, next };
    return { items, newState: running, hasMore: true, skipped, ...extra };
  }
  const done: WindowState = { since: shifted(started, -OVERLAP_MS), page: 0, seen: next };
  return { items, newState: done, hasMore: false, skipped, ...extra };
}

export function fetchBeneficiaries(
  client: ModulrClient,
  clock: Clock,
  customerId: string | undefined,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspAccount>> {
  return modifiedWindow(
    request,
    clock,
    (since, page, size) =>
      listPage(
        client,
        '/beneficiaries',
        {
          customerId,
          modifiedSince: since ? modulrFilterTime(since) : undefined,
          sortField: 'createdDate',
          sortOrder: 'ASC',
        },
        page,
        size,
      ),
    beneficiarySchema,
    (record) => toExternalAccount(record),
    (b) => [b.updated, b.status, b.approvalStatus, b.name].join('|'),
  );
}

/** Payments sent from the accounts in scope (payouts, and transfers to Modulr accounts), with their status. */
export function fetchPayments(
  client: ModulrClient,
  clock: Clock,
  customerId: string | undefined,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspPayment>> {
  return modifiedWindow(
    request,
    clock,
    (since, page, size) =>
      listPage(
        client,
        '/payments',
        {
          type: 'PAYOUT',
          customerId: customerId ? [customerId] : undefined,
          ...(since
            ? { modifiedSince: modulrFilterTime(since) }
            : { fromCreatedDate: modulrFilterTime(ALL_HISTORY) }),
          sortField: 'createdDate',
          sortOrder: 'asc',
        },
        page,
        size,
      ),
    paymentSchema,
    paymentToPayment,
    (p) => [p.status, p.approvalStatus].join('|'),
  );
}

// ---------------------------------------------------------------------------------------------------
// Transactions of one account. Modulr lists them newest first by postedDate, with inclusive
// fromPostedDate/toPostedDate filters and page numbers. A pass freezes its window's end when it starts
// (a transaction posted during the pass is after it, so it shifts no page), walks the pages, and only
// when the last one is read moves the window on, to OVERLAP_MS before that end. Transactions already
// given (by id) are not given again: they never change once posted.

export const transactionsState = z.object({
  /** fromPostedDate of the running window (and of the next one); none: all history. */
  from: z.string().optional(),
  /** toPostedDate of the running window, fixed when it starts. */
  to: z.string().optional(),
  page: z.number().int().min(0).default(0),
  /** id → postedDate of the transactions given that the next window can list again. */
  seen: z.record(z.string(), z.string()).default({}),
});
type TransactionsState = z.infer<typeof transactionsState>;

export async function fetchTransactions(
  client: ModulrClient,
  clock: Clock,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspPayment>> {
  const accountId = parentAccount(request);
  const state = transactionsState.parse(request.state ?? {});
  const to = state.to ?? clock.now().toISOString();
  const size = pageSize(request);
  const page = await listPage(
    client,
    `/accounts/${encodeURIComponent(accountId)}/transactions`,
    {
      fromPostedDate: state.from ? modulrFilterTime(new Date(state.from)) : undefined,
      toPostedDate: modulrFilterTime(new Date(to)),
    },
    state.page,
    size,
  );
  const skipped: SkippedRecord[] = [];
  const warnings: string[] = [];
  const seen = { ...state.seen };
  const fresh = mapInto(page.records, transactionSchema, (t) => t, skipped).filter(({ record }) => {
    if (seen[record.id] !== undefined) return false;
    seen[record.id] = modulrTime(record.postedDate).toISOString();
    return true;
  });
  const items = await transactionPayments(
    client,
    accountId,
    fresh.map((f) => f.record),
    warnings,
    skipped,
  );
  const extra = warnings.length > 0 ? { warnings: [...new Set(warnings)] } : {};
  if (page.more) {
    // Mid-pass, a repeat can only be a transaction of this page pushed down by one shown late, or one
    // the next window's overlap lists again: the state keeps those, not the whole history.
    const floor = shifted(to, -OVERLAP_MS);
    const onPage = new Set(page.records.map((r) => String((r as { id?: unknown } | null)?.id)));
    const kept = Object.fromEntries(
      Object.entries(seen).filter(([id, posted]) => posted >= floor || onPage.has(id)),
    );
    const running: TransactionsState = { ...state, to, page: state.page + 1, seen: kept };
    return { items, newState: running, hasMore: true, skipped, ...extra };
  }
  const from = shifted(to, -OVERLAP_MS);
  const kept = Object.fromEntries(Object.entries(seen).filter(([, posted]) => posted >= from));
  return { items, newState: { from, page: 0, seen: kept }, hasMore: false, skipped, ...extra };
}

/**
 * The payments a page of transactions stands for. A debit made by a Modulr payment is left to the
 * payments listing (it knows both ends and the status). A credit from another Modulr account is read
 * back as the paying payment when Modulr shows it (one request per page), so it is the very payment
 * the payments listing gives, not a second one; otherwise it is a transfer into this account.
 */
async function transactionPayments(
  client: ModulrClient,
  accountId: string,
  transactions: ModulrTransaction[],
  warnings: string[],
  skipped: SkippedRecord[],
): Promise<PspPayment[]> {
  const kept = transactions.filter((t) => t.credit || !PAYMENT_DEBITS.has(t.type));
  const transferIds = [
    ...new Set(
      kept.flatMap((t) => (t.credit && TRANSFER_CREDITS.has(t.type) && t.sourceId ? [t.sourceId] : [])),
    ),
  ];
  const payers = transferIds.length > 0 ? await paymentsById(client, transferIds) : new Map();
  const out: PspPayment[] = [];
  for (const transaction of kept) {
    try {
      const payer = transaction.sourceId ? payers.get(transaction.sourceId) : undefined;
      out.push(
        payer && TRANSFER_CREDITS.has(transaction.type)
          ? paymentToPayment(payer, warnings)
          : transactionToPayment(transaction, accountId, warnings),
      );
    } catch (error) {
      skipped.push({
        reference: transaction.id,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return out;
}

/**
 * Modulr payments by id (GET /payments?ids=…). Modulr ignores every other parameter when ids are given,
 * page size included, so the ids go by Modulr's default page size and each answer fits one page.
 */
export async function paymentsById(
  client: ModulrClient,
  ids: readonly string[],
): Promise<Map<string, ModulrPayment>> {
  const found = new Map<string, ModulrPayment>();
  for (let at = 0; at < ids.length; at += IDS_PER_REQUEST) {
    const chunk = ids.slice(at, at + IDS_PER_REQUEST);
    const page = await listPage(client, '/payments', { ids: chunk }, 0, chunk.length);
    for (const raw of page.records) {
      const parsed = paymentSchema.safeParse(raw);
      if (parsed.success) found.set(parsed.data.id, parsed.data);
    }
  }
  return found;
}
