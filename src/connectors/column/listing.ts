// Incremental polling of Column's newest-first lists (bank accounts, counterparties, transfers), resumable at every page, plus the re-read of transfers still in flight.
import { z } from 'zod';
import type { Clock } from '../sdk/context.js';
import type {
  FetchNextRequest,
  FetchNextResponse,
  PspAccount,
  PspBalance,
  PspPayment,
} from '../sdk/contract.js';
import { InvalidRequestError, MissingFromPayloadError, UpstreamError } from '../sdk/errors.js';
import { describeZodProblem } from '../sdk/mapping.js';
import type { ColumnClient } from './client.js';
import {
  bankAccountSchema,
  counterpartySchema,
  isFinal,
  isRail,
  RAIL_PATHS,
  railOf,
  toAccount,
  toBalance,
  toExternalAccount,
  toPayment,
  transferSchema,
  type Rail,
} from './mapping.js';

/*
 * Column lists newest first (`limit`, `starting_after`, `has_more`; ids as cursors). A pass walks from the
 * top of the list down with `starting_after` until it reaches the bound fixed when the pass began:
 * LOOKBACK_MS before the newest `created_at` of the passes already finished (the first pass has no bound
 * and reads all history). Records of the look-back window already emitted are remembered by id
 * (`recent`), so a pass emits each record once even when several share a `created_at`, and a record that
 * became visible late, inside the window, is still found. A record created while a pass walks lands
 * above its cursor: the next pass reads it. The watermark (`newest`) moves only when a pass has reached
 * its bound, and every page's position is in the state, so a crash or a lost answer resumes where it stopped.
 */

/** How far below the newest record a pass reads again, for records that become visible late. */
export const LOOKBACK_MS = 10 * 60 * 1000;
/** At most this many ids are remembered (a burst beyond it may be emitted twice, which is harmless). */
const MAX_RECENT = 2000;
/** Column's largest page. */
const MAX_LIMIT = 100;

export const listStateSchema = z.object({
  after: z.string().nullable(),
  lower: z.number().nullable(),
  passNewest: z.number().nullable(),
  newest: z.number().nullable(),
  recent: z.array(z.tuple([z.string(), z.number()])),
});
export type ListState = z.infer<typeof listStateSchema>;

export const FIRST_LIST_STATE: ListState = {
  after: null,
  lower: null,
  passNewest: null,
  newest: null,
  recent: [],
};

export function readListState(state: unknown): ListState {
  const parsed = listStateSchema.safeParse(state);
  return parsed.success ? parsed.data : { ...FIRST_LIST_STATE, recent: [] };
}

export interface ListedPage<T> {
  items: T[];
  state: ListState;
  /** Whether this pass goes on. */
  hasMore: boolean;
}

interface Listed<T> {
  id: string;
  createdMs: number;
  value: T;
}

/**
 * One page of a pass. `list` reads one page of Column's list (`starting_after` when given) and returns
 * its records (each with its id and creation time) and `has_more`.
 */
export async function nextListPage<T>(
  list: (params: {
    limit: number;
    starting_after?: string;
  }) => Promise<{ records: Listed<T>[]; hasMore: boolean }>,
  state: ListState,
  pageSize: number,
): Promise<ListedPage<T>> {
  const s: ListState = { ...state, recent: [...state.recent] };
  if (s.after === null) {
    // A pass begins: its bound is fixed now, below the watermark of the passes before.
    s.lower = s.newest === null ? null : s.newest - LOOKBACK_MS;
    s.passNewest = null;
  }
  let page: { records: Listed<T>[]; hasMore: boolean };
  try {
    page = await list({
      limit: Math.max(1, Math.min(pageSize, MAX_LIMIT)),
      ...(s.after ? { starting_after: s.after } : {}),
    });
  } catch (error) {
    // The cursor's record is gone (a deleted counterparty): walk again from the top; `recent` and the
    // engine's idempotent writes absorb what is read twice.
    if (
      s.after !== null &&
      error instanceof InvalidRequestError &&
      (error.status === 404 || error.status === 400)
    ) {
      return { items: [], state: { ...s, after: null }, hasMore: true };
    }
    throw error;
  }
  const seen = new Set(s.recent.map(([id]) => id));
  const items: T[] = [];
  let reachedBound = false;
  for (const record of page.records) {
    if (!Number.isFinite(record.createdMs)) {
      // An unreadable record (no time): reported once, remembered with the pass's newest time.
      if (seen.has(record.id)) continue;
      items.push(record.value);
      s.recent.push([record.id, s.passNewest ?? s.newest ?? 0]);
      seen.add(record.id);
      continue;
    }
    if (s.lower !== null && record.createdMs < s.lower) {
      reachedBound = true;
      break;
    }
    if (s.passNewest === null || record.createdMs > s.passNewest) s.passNewest = record.createdMs;
    if (seen.has(record.id)) continue;
    items.push(record.value);
    // Only records inside the window of the newest one can be met again by a later pass.
    const top = Math.max(s.passNewest, s.newest ?? s.passNewest);
    if (record.createdMs >= top - LOOKBACK_MS) {
      s.recent.push([record.id, record.createdMs]);
      seen.add(record.id);
    }
  }
  const last = page.records.at(-1);
  if (!reachedBound && page.hasMore && last) {
    return { items, state: { ...s, after: last.id }, hasMore: true };
  }
  // The pass reached its bound (or the end of history): the watermark moves now, and only now.
  const newest = Math.max(s.newest ?? Number.NEGATIVE_INFINITY, s.passNewest ?? Number.NEGATIVE_INFINITY);
  const watermark = Number.isFinite(newest) ? newest : null;
  const recent =
    watermark === null
      ? []
      : s.recent
          .filter(([, created]) => created >= watermark - LOOKBACK_MS)
          .sort((a, b) => b[1] - a[1])
          .slice(0, MAX_RECENT);
  return {
    items,
    state: { after: null, lower: null, passNewest: null, newest: watermark, recent },
    hasMore: false,
  };
}

type Parse<T> =
  { ok: true; value: T; id: string; createdMs: number } | { ok: false; id: string; reason: string };

/** Reads one page of a Column list whose records sit under `key`, parsing each record. */
async function listPage<T>(
  client: ColumnClient,
  path: string,
  key: string,
  parse: (raw: unknown, index: number) => Parse<T>,
  params: { limit: number; starting_after?: string },
): Promise<{ records: Listed<Parse<T>>[]; hasMore: boolean }> {
  const body = await client.get(path, params);
  const page = z.looseObject({ has_more: z.boolean().nullish() }).safeParse(body);
  const records = (body as Record<string, unknown> | undefined)?.[key];
  if (!page.success || !Array.isArray(records)) {
    throw new UpstreamError(`Column answered ${path} without a '${key}' list`);
  }
  return {
    records: records.map((raw, index) => {
      const parsed = parse(raw, index);
      // An unreadable record keeps its place in the walk (its id as the cursor, no time: never a bound).
      const createdMs = parsed.ok ? parsed.createdMs : Number.POSITIVE_INFINITY;
      return { id: parsed.id, createdMs, value: parsed };
    }),
    hasMore: page.data.has_more === true,
  };
}

function parser<S extends z.ZodType<{ id: string; created_at: string }>>(schema: S) {
  return (raw: unknown, index: number): Parse<z.infer<S>> => {
    const parsed = schema.safeParse(raw);
    const rawId = (raw as { id?: unknown } | null)?.id;
    const id = typeof rawId === 'string' && rawId !== '' ? rawId : `#${index}`;
    if (!parsed.success) return { ok: false, id, reason: describeZodProblem(parsed.error) };
    const createdMs = Date.parse(parsed.data.created_at);
    if (Number.isNaN(createdMs))
      return { ok: false, id, reason: `created_at '${parsed.data.created_at}' is not a time` };
    return { ok: true, value: parsed.data, id: parsed.data.id, createdMs };
  };
}

/** Maps a page's parsed records, reporting unreadable ones as skipped instead of failing the page. */
function mapped<T, U>(
  records: Parse<T>[],
  map: (value: T) => U,
): { items: U[]; skipped: { reference: string; reason: string }[] } {
  const items: U[] = [];
  const skipped: { reference: string; reason: string }[] = [];
  for (const record of records) {
    if (!record.ok) {
      skipped.push({ reference: record.id, reason: record.reason });
      continue;
    }
    try {
      items.push(map(record.value));
    } catch (error) {
      skipped.push({ reference: record.id, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { items, skipped };
}

export async function fetchBankAccounts(
  client: ColumnClient,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspAccount>> {
  const page = await nextListPage(
    (params) => listPage(client, '/bank-accounts', 'bank_accounts', parser(bankAccountSchema), params),
    readListState(request.state),
    request.pageSize,
  );
  const { items, skipped } = mapped(page.items, toAccount);
  return { items, newState: page.state, hasMore: page.hasMore, ...(skipped.length ? { skipped } : {}) };
}

/** The balance of the account the task runs for, read afresh from `GET /bank-accounts/{id}`. */
export async function fetchBalances(
  client: ColumnClient,
  clock: Clock,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspBalance>> {
  const id = request.fromPayload?.id;
  if (!id) throw new MissingFromPayloadError();
  const parsed = bankAccountSchema.safeParse(await client.get(`/bank-accounts/${encodeURIComponent(id)}`));
  if (!parsed.success)
    throw new UpstreamError(
      `Column answered the bank account unreadably: ${describeZodProblem(parsed.error)}`,
    );
  const balance = toBalance(parsed.data, clock.now());
  return { items: balance ? [balance] : [], newState: {}, hasMore: false };
}

export async function fetchCounterparties(
  client: ColumnClient,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspAccount>> {
  const page = await nextListPage(
    (params) => listPage(client, '/counterparties', 'counterparties', parser(counterpartySchema), params),
    readListState(request.state),
    request.pageSize,
  );
  const { items, skipped } = mapped(page.items, toExternalAccount);
  return { items, newState: page.state, hasMore: page.hasMore, ...(skipped.length ? { skipped } : {}) };
}

/** At most this many transfers in flight are followed (the oldest are dropped; webhooks still cover them). */
const MAX_OPEN = 1000;

const openSchema = z.object({
  id: z.string(),
  rail: z.string().refine(isRail),
  status: z.string(),
  /** The pass that last listed or re-read it. */
  pass: z.number().int(),
});
type Open = { id: string; rail: Rail; status: string; pass: number };

export const transfersStateSchema = z.object({
  step: z.enum(['list', 'refresh']),
  pass: z.number().int(),
  list: listStateSchema,
  open: z.array(openSchema),
  /** refresh: ids already re-read in this pass. */
  refreshed: z.array(z.string()),
});
export type TransfersState = {
  step: 'list' | 'refresh';
  pass: number;
  list: ListState;
  open: Open[];
  refreshed: string[];
};

function readTransfersState(state: unknown): TransfersState {
  const parsed = transfersStateSchema.safeParse(state);
  if (parsed.success) return { ...parsed.data, open: parsed.data.open as Open[] };
  return { step: 'list', pass: 0, list: { ...FIRST_LIST_STATE, recent: [] }, open: [], refreshed: [] };
}

/** Notes a payment's status: followed while in flight, forgotten once final. */
function follow(open: Open[], payment: PspPayment, rail: Rail | undefined, pass: number): Open[] {
  const status = String((payment.raw as { status?: unknown }).status ?? '');
  const others = open.filter((o) => o.id !== payment.reference);
  if (!rail || isFinal(rail, status)) return others;
  return [...others, { id: payment.reference, rail, status, pass }].slice(-MAX_OPEN);
}

/** Reads one transfer of a rail (`GET /transfers/<rail>/{id}`); undefined when Column has no such transfer. */
export async function readTransfer(client: ColumnClient, rail: Rail, id: string): Promise<unknown> {
  try {
    return await client.get(`${RAIL_PATHS[rail]}/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof InvalidRequestError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * Transfers of every rail from `GET /transfers`, then the re-read of those still in flight that this
 * pass did not list (an ACH transfer settles days after it was created): each is emitted only when its
 * status changed, so a pass where nothing changed emits nothing.
 */
export async function fetchTransfers(
  client: ColumnClient,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspPayment>> {
  const s = readTransfersState(request.state);
  const warnings: string[] = [];
  if (s.step === 'list') {
    const pass = s.list.after === null ? s.pass + 1 : s.pass;
    const page = await nextListPage(
      (params) => listPage(client, '/transfers', 'transfers', parser(transferSchema), params),
      s.list,
      request.pageSize,
    );
    let open = s.open;
    const { items, skipped } = mapped(page.items, (transfer) => {
      const payment = toPayment(transfer, warnings);
      open = follow(open, payment, railOf(transfer), pass);
      return payment;
    });
    const next: TransfersState = { step: 'list', pass, list: page.state, open, refreshed: [] };
    const stale = open.some((o) => o.pass < pass);
    const more = page.hasMore || stale;
    return {
      items,
      newState: page.hasMore ? next : stale ? { ...next, step: 'refresh' } : next,
      hasMore: more,
      ...(skipped.length ? { skipped } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
  }
  const batch = s.open
    .filter((o) => o.pass < s.pass && !s.refreshed.includes(o.id))
    .slice(0, Math.max(1, request.pageSize));
  let open = s.open;
  const items: PspPayment[] = [];
  const skipped: { reference: string; reason: string }[] = [];
  for (const entry of batch) {
    const raw = await readTransfer(client, entry.rail, entry.id);
    if (raw === undefined) {
      open = open.filter((o) => o.id !== entry.id);
      continue;
    }
    const parsed = transferSchema.safeParse(raw);
    if (!parsed.success) {
      skipped.push({ reference: entry.id, reason: describeZodProblem(parsed.error) });
      open = open.filter((o) => o.id !== entry.id);
      continue;
    }
    const payment = toPayment(parsed.data, warnings, entry.rail);
    if (parsed.data.status.toUpperCase() !== entry.status.toUpperCase()) items.push(payment);
    open = follow(open, payment, entry.rail, s.pass);
  }
  const refreshed = [...s.refreshed, ...batch.map((o) => o.id)];
  const left = open.some((o) => o.pass < s.pass && !refreshed.includes(o.id));
  return {
    items,
    newState: left ? { ...s, open, refreshed } : { ...s, step: 'list', open, refreshed: [] },
    hasMore: left,
    ...(skipped.length ? { skipped } : {}),
    ...(warnings.length ? { warnings: [...new Set(warnings)] } : {}),
  };
}
