// Incremental listing over the Generic contract's page/pageSize/from paging, without losing or repeating records.
import { z } from 'zod';
import type { FetchNextResponse, SkippedRecord } from '../sdk/contract.js';
import { LISTINGS, type GenericClient, type Listing } from './client.js';
import type { Mapped } from './mapping.js';

/*
 * The contract pages by number over a list sorted by one timestamp and filtered by `timestamp >= from`.
 * Services get this wrong in ways that lose data for a naive client, so the cursor relies on none of it:
 *
 * - The cursor reads one *window* at a time: the records at or after `from`, a whole second. It
 *   remembers the id and timestamp of every record it has emitted in the window, so records sharing a
 *   timestamp across a page boundary are emitted once whatever order the service lists ties in, and a
 *   record that changes (a newer timestamp) is emitted again as a new version.
 * - The filter is sent in whole seconds, which a service that stores it with second precision, rounds
 *   it, or truncates record times reads the same way.
 * - A service that ignores the filter is noticed (a record older than `from` comes back); the pass
 *   then reads every page and drops what it has seen.
 * - Only an empty page ends a pass: a short page in the middle is not taken as the end.
 * - When the cursor reaches a new second, the window moves there. Rather than re-reading that second
 *   from page 1, the next request jumps to the page of the last record seen, and its first record must
 *   be one already seen, or the window is re-read from page 1.
 * - Offset paging has one more trap: while the cursor reads a window page by page, a record it has
 *   already read may change and re-sort to the end, and every record after it moves up one place, so
 *   one the cursor has not read yet slips onto a page it has finished. So before it leaves a window it
 *   read over several pages (or ends a pass in one), the cursor checks the window with one small
 *   request: if it has read k records of the window, position k-1 must hold one of them and position
 *   k must not (it is empty or new). A record that slipped back pushes a read one to position k. Then
 *   it re-reads the window from page 1, which finds the one that slipped, and checks again.
 */
export interface ListCursor {
  /** Newest sort timestamp emitted (RFC 3339, ms), or null before the first record. */
  at: string | null;
  /** The window's filter (a whole second), or null for the first window of all (no filter). */
  from: string | null;
  /**
   * Records before this instant count as read; it is `from`, except under a service that ignores the
   * filter, where it follows the cursor (the pass reads the list in order) while `from` stays put.
   */
  horizon: string | null;
  /** Id → sort timestamp (ms) of every record emitted at or after `horizon`. */
  seen: Record<string, number>;
  /** The number of entries of `seen` (kept, so no page has to count them). */
  seenCount: number;
  page: number;
  /** read: a page in sequence; verify: a jump whose first record must be seen; check: see above. */
  step: 'read' | 'verify' | 'check';
  /** The window has been read over more than one request since it was last known complete. */
  paged: boolean;
  /** After a successful check: end the pass, or move the window to the second of `at`. */
  then: 'end' | 'advance';
  /** The service was seen ignoring the filter during this pass. */
  ignoresFilter: boolean;
  /** The most rows one response has held: the service's real page size when it caps ours. */
  servedPageSize: number;
  /** Checks failed in a row for this window; after a few the cursor moves on (see MAPPING.md). */
  rescans: number;
}

const cursorSchema = z.object({
  at: z.string().nullable(),
  from: z.string().nullable(),
  horizon: z.string().nullable(),
  seen: z.record(z.string(), z.number()),
  seenCount: z.number().int().min(0),
  page: z.number().int().min(1),
  step: z.enum(['read', 'verify', 'check']),
  paged: z.boolean(),
  then: z.enum(['end', 'advance']),
  ignoresFilter: z.boolean(),
  servedPageSize: z.number().int().min(0),
  rescans: z.number().int().min(0),
});

const FIRST_PASS: ListCursor = {
  at: null,
  from: null,
  horizon: null,
  seen: {},
  seenCount: 0,
  page: 1,
  step: 'read',
  paged: false,
  then: 'end',
  ignoresFilter: false,
  servedPageSize: 0,
  rescans: 0,
};

/** Re-reading a window that keeps failing its check is stopped after this many attempts. */
const MAX_RESCANS = 3;

/**
 * Cursors this module returned during the current run. The engine hands each `newState` back as is,
 * so those are used without re-validating (and copying) a window of thousands of ids on every page.
 */
const returned = new WeakSet<object>();

/** A saved state this version cannot read starts over from the beginning: replays are idempotent. */
export function readCursor(state: unknown): ListCursor {
  if (typeof state === 'object' && state !== null && returned.has(state)) return state as ListCursor;
  const parsed = cursorSchema.safeParse(state);
  return parsed.success ? parsed.data : { ...FIRST_PASS, seen: {} };
}

function handOver(cursor: ListCursor): ListCursor {
  returned.add(cursor);
  return cursor;
}

const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

/** The entries of `seen` at or after `ms`, and how many there are. */
function since(seen: Record<string, number>, ms: number): Pick<ListCursor, 'seen' | 'seenCount'> {
  const kept = Object.fromEntries(Object.entries(seen).filter(([, at]) => at >= ms));
  return { seen: kept, seenCount: Object.keys(kept).length };
}

interface Positioned {
  id: string;
  at: number;
  raw: unknown;
}

const position = z.object({ id: z.string().min(1) });
const timestamp = z.iso.datetime({ offset: true });

function positionOf(raw: unknown, sortKey: string): Positioned | string {
  const id = position.safeParse(raw);
  if (!id.success) return 'missing id';
  const value = (raw as Record<string, unknown>)[sortKey];
  const at = timestamp.safeParse(value).success ? Date.parse(value as string) : Number.NaN;
  if (Number.isNaN(at)) return `${sortKey} is missing or not an RFC 3339 date-time`;
  return { id: id.data.id, at, raw };
}

/** The page size the service really uses: ours, unless it was seen answering full pages of fewer. */
const effectivePageSize = (cursor: ListCursor, pageSize: number) =>
  cursor.servedPageSize > 0 ? Math.min(cursor.servedPageSize, pageSize) : pageSize;

/** The page holding the `count`-th record of the window (1-based), and that record's index in it. */
function pageOf(count: number, pageSize: number): { page: number; index: number } {
  if (count <= 0) return { page: 1, index: -1 };
  const page = Math.floor((count - 1) / pageSize) + 1;
  return { page, index: count - 1 - (page - 1) * pageSize };
}

/** Moves the window to the second of `at`: forget what lies before it, jump to the page of the last record seen. */
function advance(cursor: ListCursor, pageSize: number): ListCursor {
  if (cursor.at === null) return { ...cursor, step: 'read', page: 1, paged: false, rescans: 0 };
  const fromMs = wholeSecond(Date.parse(cursor.at));
  const window = since(cursor.seen, fromMs);
  const { page } = pageOf(window.seenCount, effectivePageSize(cursor, pageSize));
  const from = new Date(fromMs).toISOString();
  return {
    ...cursor,
    ...window,
    from,
    horizon: from,
    page,
    step: page > 1 ? 'verify' : 'read',
    paged: false,
    rescans: 0,
  };
}

/** The check's page size: the smallest from 2 up that puts positions k-1 and k on one page. */
function checkPageSize(count: number): number {
  let size = 2;
  while (count % size === 0) size += 1;
  return size;
}

/** Before leaving the window (`then`), check it if it was read over several requests. */
function leave(cursor: ListCursor, then: 'end' | 'advance', pageSize: number): ListCursor {
  const count = cursor.seenCount;
  if (cursor.paged && count > 0 && !cursor.ignoresFilter && cursor.rescans < MAX_RESCANS) {
    const { page } = pageOf(count, checkPageSize(count));
    return { ...cursor, step: 'check', page, then };
  }
  return then === 'advance' ? advance(cursor, pageSize) : endPass(cursor, pageSize);
}

/** The next pass starts where this one ended: the window of the newest record, verified. */
function endPass(cursor: ListCursor, pageSize: number): ListCursor {
  return { ...advance(cursor, pageSize), ignoresFilter: false, then: 'end' };
}

/** Re-reads the window from its first page. */
function rescan(cursor: ListCursor): ListCursor {
  return { ...cursor, step: 'read', page: 1, paged: false, rescans: cursor.rescans + 1 };
}

/**
 * Fetches the next page of `listing` after `state` and maps its new records. `hasMore` stays true until
 * the pass is over (an empty page, and a window check that passed), and the returned state then starts
 * the next pass.
 */
export async function fetchIncremental<T>(
  client: GenericClient,
  listing: Listing,
  state: unknown,
  pageSize: number,
  map: (raw: unknown) => Mapped<T>,
): Promise<FetchNextResponse<T>> {
  const cursor = readCursor(state);
  const { sortKey } = LISTINGS[listing];
  const count = cursor.seenCount;
  const rows = await client.list(listing, {
    page: cursor.page,
    pageSize: cursor.step === 'check' ? checkPageSize(count) : pageSize,
    ...(cursor.from === null ? {} : { from: cursor.from }),
  });
  const skipped: SkippedRecord[] = [];
  const positioned: Positioned[] = [];
  rows.forEach((raw, index) => {
    const placed = positionOf(raw, sortKey);
    if (typeof placed !== 'string') positioned.push(placed);
    else if (cursor.step !== 'check') {
      skipped.push({ reference: referenceOf(raw, listing, cursor.page, index), reason: placed });
    }
  });
  const fromMs = cursor.from === null ? null : Date.parse(cursor.from);
  const horizonMs = cursor.horizon === null ? null : Date.parse(cursor.horizon);
  const seen = (row: Positioned) =>
    (horizonMs !== null && row.at < horizonMs) || cursor.seen[row.id] === row.at;
  const servedPageSize =
    cursor.step === 'check' ? cursor.servedPageSize : Math.max(cursor.servedPageSize, rows.length);
  const done = (newState: ListCursor, hasMore = true): FetchNextResponse<T> => ({
    items: [],
    newState: handOver({ ...newState, servedPageSize }),
    hasMore,
  });

  if (cursor.step === 'check') {
    // Position k-1 holds a record read, and position k none (a record not read yet, or nothing).
    const { index } = pageOf(count, checkPageSize(count));
    const last = positioned[index];
    const after = positioned[index + 1];
    const intact =
      rows.length === positioned.length &&
      last !== undefined &&
      seen(last) &&
      (after === undefined || !seen(after));
    if (!intact) return done(rescan(cursor));
    const next = cursor.then === 'advance' ? advance(cursor, pageSize) : endPass(cursor, pageSize);
    return done(next, cursor.then === 'advance');
  }
  if (rows.length === 0) {
    // An empty page where a jump landed means the window shrank under us: re-read it.
    if (cursor.step === 'verify') return done(rescan(cursor));
    const next = leave(cursor, 'end', pageSize);
    return done(next, next.step === 'check');
  }
  const first = positioned[0];
  if (cursor.step === 'verify' && first !== undefined && !seen(first)) return done(rescan(cursor));

  const ignoresFilter =
    cursor.ignoresFilter || (fromMs !== null && positioned.some((row) => row.at < fromMs));
  // Fresh records in timestamp order (a service's tie order is its own business), each emitted once.
  const emitted = new Set<string>();
  const fresh = positioned
    .filter((row) => !seen(row))
    .sort((a, b) => a.at - b.at)
    .filter((row) => !emitted.has(row.id) && emitted.add(row.id));
  // Updated in place: the previous state is never used again (see `returned`).
  const seenNow = cursor.seen;
  let seenCount = cursor.seenCount;
  let at = cursor.at === null ? Number.NEGATIVE_INFINITY : Date.parse(cursor.at);
  for (const row of fresh) {
    if (seenNow[row.id] === undefined) seenCount += 1;
    seenNow[row.id] = row.at;
    at = Math.max(at, row.at);
  }
  const items: T[] = [];
  for (const row of fresh) {
    const mapped = map(row.raw);
    if ('item' in mapped) items.push(mapped.item);
    else skipped.push({ reference: row.id, reason: mapped.skip });
  }

  const atText = at === Number.NEGATIVE_INFINITY ? null : new Date(at).toISOString();
  // Under a service that ignores the filter the pass reads the whole list in order: what lies before
  // the cursor's second has been read, so only that second's ids need keeping.
  const horizon = ignoresFilter && atText !== null ? new Date(wholeSecond(at)).toISOString() : cursor.horizon;
  const read: ListCursor = {
    ...cursor,
    at: atText,
    horizon,
    ...(horizon === cursor.horizon || horizon === null
      ? { seen: seenNow, seenCount }
      : since(seenNow, Date.parse(horizon))),
    page: cursor.page + 1,
    step: 'read',
    // The next request continues this window: from then on it has been read over several requests.
    paged: true,
    ignoresFilter,
    servedPageSize,
  };
  // Follow the cursor into a new second with the filter, unless the service ignores filters anyway.
  // Whether the window needs checking depends on whether this request was itself a continuation.
  const newSecond = at !== Number.NEGATIVE_INFINITY && (fromMs === null || wholeSecond(at) > fromMs);
  const next =
    !ignoresFilter && newSecond ? leave({ ...read, paged: cursor.paged }, 'advance', pageSize) : read;
  return { items, skipped, newState: handOver(next), hasMore: true };
}

function referenceOf(raw: unknown, listing: Listing, page: number, index: number): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id : `${listing} page ${page} item ${index + 1}`;
}
