// Polling Wise: profiles, balance accounts, balances, recipients and transfers, each with a cursor that loses nothing.
import { z } from 'zod';
import type { Clock } from '../sdk/context.js';
import type {
  FetchNextRequest,
  FetchNextResponse,
  PspAccount,
  PspBalance,
  PspOther,
  PspPayment,
  SkippedRecord,
} from '../sdk/contract.js';
import { InvalidRequestError, MissingFromPayloadError, UpstreamError } from '../sdk/errors.js';
import { describeZodProblem, mapEach } from '../sdk/mapping.js';
import { specMetadataKey } from '../sdk/money.js';
import type { WiseClient } from './client.js';
import {
  balanceSchema,
  FINAL_STATES,
  profileSchema,
  PROVIDER,
  recipientSchema,
  toAccount,
  toBalance,
  toExternalAccount,
  toPayment,
  transferSchema,
  type WiseBalance,
  wiseTime,
} from './mapping.js';

/** Wise caps recipient pages at 20. */
export const RECIPIENTS_MAX_PAGE = 20;
/**
 * How far back each transfer pass starts before the newest transfer the previous pass saw: a transfer
 * Wise makes visible a little after its `created` time is still inside the next window. Transfers in
 * the overlap are recognised by id and state, so only changed ones come out again.
 */
export const TRANSFER_OVERLAP_MS = 10 * 60 * 1000;

export const PROFILE_ID_KEY = specMetadataKey(PROVIDER, 'profile_id');

function list<T>(schema: z.ZodType<T>, body: unknown, what: string): unknown[] {
  if (!Array.isArray(body)) throw new UpstreamError(`Wise answered ${what} with something other than a list`);
  return body;
}

export const seenState = z.object({ seen: z.record(z.string(), z.string()).default({}) });
type SeenState = z.infer<typeof seenState>;

/** Keeps what changed since the last pass (by a fingerprint per id) and records the new fingerprints. */
function changedOnly<T>(
  state: SeenState,
  entries: { id: string; fingerprint: string; item: T }[],
): { items: T[]; newState: SeenState } {
  const seen = { ...state.seen };
  const items: T[] = [];
  for (const entry of entries) {
    if (seen[entry.id] === entry.fingerprint) continue;
    seen[entry.id] = entry.fingerprint;
    items.push(entry.item);
  }
  return { items, newState: { seen } };
}

export function profileIdOf(request: FetchNextRequest): string {
  if (!request.fromPayload) throw new MissingFromPayloadError();
  return request.fromPayload.id;
}

/** The profile of a balance account, from the account the engine hands its FETCH_BALANCES child. */
function profileOfAccount(request: FetchNextRequest): { profileId: string; balanceId: string } {
  if (!request.fromPayload) throw new MissingFromPayloadError();
  const payload = request.fromPayload.payload as { metadata?: Record<string, string> } | null;
  const profileId = payload?.metadata?.[PROFILE_ID_KEY];
  if (!profileId) throw new MissingFromPayloadError();
  return { profileId, balanceId: request.fromPayload.id };
}

export async function fetchProfiles(
  client: WiseClient,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspOther>> {
  const state = seenState.parse(request.state ?? {});
  const { items, skipped } = mapEach(
    list(profileSchema, await client.get('/v2/profiles'), 'profiles'),
    profileSchema,
    (p) => p,
  );
  const changed = changedOnly(
    state,
    items.map(({ record }) => ({
      id: record.id,
      fingerprint: `${record.type}|${record.fullName ?? ''}`,
      item: { id: record.id, other: record } satisfies PspOther,
    })),
  );
  return { items: changed.items, newState: changed.newState, hasMore: false, skipped };
}

export async function listBalances(client: WiseClient, profileId: string): Promise<WiseBalance[]> {
  const body = await client.get(`/v4/profiles/${encodeURIComponent(profileId)}/balances`, {
    types: 'STANDARD',
  });
  const parsed: WiseBalance[] = [];
  for (const raw of list(balanceSchema, body, 'balances')) {
    const balance = balanceSchema.safeParse(raw);
    if (balance.success) parsed.push(balance.data);
  }
  return parsed;
}

export async function fetchAccounts(
  client: WiseClient,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspAccount>> {
  const profileId = profileIdOf(request);
  const state = seenState.parse(request.state ?? {});
  const body = await client.get(`/v4/profiles/${encodeURIComponent(profileId)}/balances`, {
    types: 'STANDARD',
  });
  const { items, skipped } = mapEach(list(balanceSchema, body, 'balances'), balanceSchema, (b) =>
    toAccount(b, profileId),
  );
  const changed = changedOnly(
    state,
    items.map(({ record, item }) => ({
      id: record.id,
      fingerprint: `${record.name ?? ''}|${record.currency}|${record.type ?? ''}`,
      item,
    })),
  );
  return { items: changed.items, newState: changed.newState, hasMore: false, skipped };
}

export async function fetchBalances(
  client: WiseClient,
  clock: Clock,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspBalance>> {
  const { profileId, balanceId } = profileOfAccount(request);
  const body = await client.get(
    `/v4/profiles/${encodeURIComponent(profileId)}/balances/${encodeURIComponent(balanceId)}`,
  );
  const { items, skipped } = mapEach([body], balanceSchema, (b) => toBalance(b, clock.now()));
  return { items: items.map((i) => i.item), newState: request.state ?? null, hasMore: false, skipped };
}

export const recipientsState = z.object({
  /** The seek position of the next page of the running pass. */
  seek: z.string().optional(),
  /** The highest recipient id seen: later passes start there (Wise lists by id, ascending). */
  after: z.string().optional(),
});

const recipientsPage = z.looseObject({
  content: z.array(z.unknown()),
  seekPositionForNext: z.union([z.number(), z.bigint()]).nullish(),
});

const greater = (a: string, b: string) => BigInt(a) > BigInt(b);

export async function fetchRecipients(
  client: WiseClient,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspAccount>> {
  const profileId = profileIdOf(request);
  const state = recipientsState.parse(request.state ?? {});
  const size = Math.min(request.pageSize, RECIPIENTS_MAX_PAGE);
  const body = recipientsPage.safeParse(
    await client.get('/v2/accounts', {
      profileId,
      size,
      sort: 'id,asc',
      seekPosition: state.seek ?? state.after,
    }),
  );
  if (!body.success)
    throw new UpstreamError(`Wise answered recipients unreadably: ${describeZodProblem(body.error)}`);
  const { items, skipped } = mapEach(body.data.content, recipientSchema, (r) =>
    toExternalAccount(r, profileId),
  );
  const fresh = items.filter(({ record }) => state.after === undefined || greater(record.id, state.after));
  let after = state.after;
  for (const { record } of items) if (after === undefined || greater(record.id, after)) after = record.id;
  const next = body.data.seekPositionForNext;
  const more = next !== null && next !== undefined && body.data.content.length >= size;
  return {
    items: fresh.map((i) => i.item),
    newState: { ...(after ? { after } : {}), ...(more ? { seek: String(next) } : {}) },
    hasMore: more,
    skipped,
  };
}

/**
 * How many transfers not yet in a final state polling follows per profile, newest kept (Wise settles or
 * cancels a transfer within days, so this bounds the state, not the normal case).
 */
export const OPEN_MAX = 1000;
/** How many open transfers one page of the refresh phase re-reads. */
export const REFRESH_BATCH = 20;

const seenEntry = z.tuple([z.string(), z.string()]);

export const transfersState = z.object({
  /** createdDateStart of the running pass (and the next one while none runs); none: all history. */
  from: z.string().optional(),
  /** createdDateEnd of the running pass, fixed when it starts, so transfers created during it shift no offset. */
  end: z.string().optional(),
  offset: z.number().int().min(0).default(0),
  /** The page size the running pass started with: Wise wants offsets that are multiples of it. */
  limit: z.number().int().positive().optional(),
  /** The newest `created` this pass has seen. */
  newest: z.string().optional(),
  /** id → [state, created] of the transfers in the overlap window, to recognise repeats. */
  seen: z.record(z.string(), seenEntry).default({}),
  /** id → [state, created] of transfers not yet in a final state: polling re-reads them (the safety net). */
  open: z.record(z.string(), seenEntry).default({}),
  /** Open transfers older than the window, still to re-read in this pass's refresh phase. */
  refresh: z.array(z.string()).optional(),
});
export type TransfersState = z.infer<typeof transfersState>;

interface TransferPage {
  items: PspPayment[];
  skipped: SkippedRecord[];
  warnings: Set<string>;
}

/**
 * Wise lists transfers newest first with offset paging. A pass walks a fixed window [from, end] (end set
 * when the pass starts), so a transfer created meanwhile cannot shift the offsets under it; the next pass
 * starts TRANSFER_OVERLAP_MS before the newest transfer seen and skips the ones it already has in the
 * same state. Then, so that a lost webhook cannot leave a payment pending for ever, the pass re-reads
 * one by one the transfers it knows to be open that are older than its window, and gives those whose
 * state changed.
 */
export async function fetchTransfers(
  client: WiseClient,
  clock: Clock,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspPayment>> {
  const profileId = profileIdOf(request);
  const state = transfersState.parse(request.state ?? {});
  const page: TransferPage = { items: [], skipped: [], warnings: new Set() };
  const next = state.refresh?.length
    ? await refreshOpen(client, profileId, state, page)
    : await listWindow(client, clock, profileId, request.pageSize, state, page);
  return {
    items: page.items,
    newState: next.state,
    hasMore: next.hasMore,
    skipped: page.skipped,
    ...(page.warnings.size > 0 ? { warnings: [...page.warnings] } : {}),
  };
}

function mapTransfers(
  records: unknown[],
  profileId: string,
  balances: WiseBalance[],
  page: TransferPage,
): { record: z.infer<typeof transferSchema>; item: PspPayment }[] {
  const balanceIdOf = (currency: string) => balances.find((b) => b.currency === currency)?.id;
  const { items, skipped } = mapEach(records, transferSchema, (t) => {
    const mapped = toPayment(t, profileId, balanceIdOf);
    if (mapped.warning) page.warnings.add(mapped.warning);
    return mapped.payment;
  });
  page.skipped.push(...skipped);
  return items;
}

async function listWindow(
  client: WiseClient,
  clock: Clock,
  profileId: string,
  pageSize: number,
  state: TransfersState,
  page: TransferPage,
): Promise<{ state: TransfersState; hasMore: boolean }> {
  const running = state.end !== undefined;
  const end = state.end ?? clock.now().toISOString();
  const limit = running && state.limit ? state.limit : pageSize;
  const offset = running ? state.offset : 0;
  const body = await client.get('/v1/transfers', {
    profile: profileId,
    offset,
    limit,
    createdDateStart: state.from,
    createdDateEnd: end,
  });
  const records = list(transferSchema, body, 'transfers');
  const balances = records.length > 0 ? await listBalances(client, profileId) : [];
  const seen = { ...state.seen };
  const open = { ...state.open };
  let newest = state.newest && running ? state.newest : undefined;
  for (const { record, item } of mapTransfers(records, profileId, balances, page)) {
    const created = item.createdAt.toISOString();
    if (newest === undefined || created > newest) newest = created;
    if (FINAL_STATES.has(record.status)) delete open[record.id];
    else open[record.id] = [record.status, created];
    if (seen[record.id]?.[0] === record.status) continue;
    seen[record.id] = [record.status, created];
    page.items.push(item);
  }
  if (records.length >= limit) {
    // Mid-pass, a repeat can only be a transfer of the previous page (pushed down by one shown late) or
    // one the next pass's overlap will list again: the state keeps those, not the whole history.
    const floor = state.from ?? (newest ? shifted(newest, -TRANSFER_OVERLAP_MS) : undefined);
    const lastPage = new Set(records.map((r) => String((r as { id?: unknown }).id)));
    const kept = Object.fromEntries(
      Object.entries(seen).filter(
        ([id, [, created]]) => floor === undefined || created >= floor || lastPage.has(id),
      ),
    );
    return {
      state: {
        ...(state.from ? { from: state.from } : {}),
        end,
        offset: offset + limit,
        limit,
        ...(newest ? { newest } : {}),
        seen: kept,
        open,
      },
      hasMore: true,
    };
  }
  // The window is done: the next starts an overlap before the newest transfer seen, and remembers only
  // the transfers that overlap can show again. Open transfers this window did not cover come next.
  const from = newest ? shifted(newest, -TRANSFER_OVERLAP_MS) : state.from;
  const kept = Object.fromEntries(
    Object.entries(seen).filter(([, [, created]]) => from === undefined || created >= from),
  );
  const byAge = Object.entries(open).sort(([, [, a]], [, [, b]]) => (a < b ? 1 : a > b ? -1 : 0));
  for (const [id] of byAge.slice(OPEN_MAX)) {
    delete open[id];
    page.warnings.add(
      `more than ${OPEN_MAX} open transfers: the oldest are no longer re-read by polling (webhooks still report them)`,
    );
  }
  const refresh = Object.entries(open)
    .filter(([, [, created]]) => state.from !== undefined && created < state.from)
    .map(([id]) => id);
  return {
    state: { ...(from ? { from } : {}), offset: 0, seen: kept, open, ...(refresh.length ? { refresh } : {}) },
    hasMore: refresh.length > 0,
  };
}

const shifted = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

async function refreshOpen(
  client: WiseClient,
  profileId: string,
  state: TransfersState,
  page: TransferPage,
): Promise<{ state: TransfersState; hasMore: boolean }> {
  const queue = state.refresh ?? [];
  const batch = queue.slice(0, REFRESH_BATCH);
  const rest = queue.slice(REFRESH_BATCH);
  const records: unknown[] = [];
  for (const id of batch) {
    try {
      records.push(await client.get(`/v1/transfers/${encodeURIComponent(id)}`));
    } catch (error) {
      // A transfer Wise no longer shows is no longer followed; anything else fails the page (retried).
      if (!(error instanceof InvalidRequestError && error.status === 404)) throw error;
    }
  }
  const open = { ...state.open };
  for (const id of batch)
    if (!records.some((r) => String((r as { id?: unknown }).id) === id)) delete open[id];
  const balances = records.length > 0 ? await listBalances(client, profileId) : [];
  for (const { record, item } of mapTransfers(records, profileId, balances, page)) {
    const before = open[record.id];
    if (FINAL_STATES.has(record.status)) delete open[record.id];
    else open[record.id] = [record.status, item.createdAt.toISOString()];
    if (before?.[0] !== record.status) page.items.push(item);
  }
  const after: TransfersState = { ...state, open };
  delete after.refresh;
  return {
    state: { ...after, ...(rest.length ? { refresh: rest } : {}) },
    hasMore: rest.length > 0,
  };
}

export { wiseTime };
