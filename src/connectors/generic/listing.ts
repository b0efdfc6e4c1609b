// Incremental listing over the Generic contract's page/pageSize/from paging, without losing or repeating records.
import { z } from 'zod';
import type { FetchNextResponse, SkippedRecord } from '../sdk/contract.js';
import { LISTINGS, type GenericClient, type Listing } from './client.js';
import type { Mapped } from './mapping.js';

/*
 * The contract pages by number over a list sorted by one timestamp, filtered by `<timestamp> >= from`.
 * Services get this wrong in ways that lose data for a naive client, so the cursor trusts none of it:
 *
 * - The cursor is the newest timestamp emitted plus the ids emitted at exactly that instant, so records
 *   that share a timestamp across a page boundary are neither lost nor repeated, whatever order the
 *   service gives ties in.
 * - The filter is sent in whole seconds (`from` = the second of the cursor), which a service that stores
 *   it with second precision, rounds it, or truncates record times reads the same way. Records the
 *   wider window brings back are dropped by the cursor.
 * - A service that ignores the filter is detected (a record older than `from` comes back); the pass
 *   then walks every page and the cursor drops what it has seen.
 * - Only an empty page ends a pass: a short page in the middle (a service with a smaller page size
 *   than asked for) is not taken as the end.
 * - Each time the cursor moves into a new second the filter moves with it. Instead of re-reading that
 *   second from page 1, the next request jumps to the page holding the last record seen, and checks
 *   that the page's first record is one it has seen. If records moved out of the window meanwhile (a
 *   concurrent update re-sorts them to the end), the check fails and the window is re-read from
 *   page 1, so a shifted record is never jumped over.
 */
export interface ListCursor {
  /** Newest sort timestamp emitted (RFC 3339, ms), or null before the first record. */
  at: string | null;
  /** Ids emitted at exactly `at`. */
  ids: string[];
  /** How many records emitted have a timestamp in [second of `at`, `at`]: where a jump lands. */
  inSecond: number;
  /** The filter of the pass in progress (whole seconds), or null for no filter. */
  from: string | null;
  page: number;
  /** This request is a jump: its first record must be one already seen. */
  verify: boolean;
  /** The service was seen ignoring the filter during this pass. */
  ignoresFilter: boolean;
}

const cursorSchema = z.object({
  at: z.string().nullable(),
  ids: z.array(z.string()),
  inSecond: z.number().int().min(0),
  from: z.string().nullable(),
  page: z.number().int().min(1),
  verify: z.boolean(),
  ignoresFilter: z.boolean(),
});

const FIRST_PASS: ListCursor = {
  at: null,
  ids: [],
  inSecond: 0,
  from: null,
  page: 1,
  verify: false,
  ignoresFilter: false,
};

/** A saved state this version cannot read starts over from the beginning: replays are idempotent. */
export function readCursor(state: unknown): ListCursor {
  const parsed = cursorSchema.safeParse(state);
  return parsed.success ? parsed.data : FIRST_PASS;
}

const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The first page of a window whose first `seen` records have been emitted: the one holding the last of them. */
function jumpPage(seen: number, pageSize: number): number {
  return seen > 0 ? Math.floor((seen - 1) / pageSize) + 1 : 1;
}

/** Where the next pass starts: the second of the cursor, at the page of the last record seen. */
function nextPass(cursor: ListCursor, pageSize: number): ListCursor {
  if (cursor.at === null) return FIRST_PASS;
  const page = jumpPage(cursor.inSecond, pageSize);
  return {
    ...cursor,
    from: iso(wholeSecond(Date.parse(cursor.at))),
    page,
    verify: page > 1,
    ignoresFilter: false,
  };
}

interface Positioned {
  id: string;
  at: number;
  raw: unknown;
}

const position = z.object({ id: z.string().min(1) });

function positionOf(raw: unknown, sortKey: string): Positioned | string {
  const id = position.safeParse(raw);
  if (!id.success) return 'missing id';
  const value = (raw as Record<string, unknown>)[sortKey];
  const at =
    typeof value === 'string' && z.iso.datetime({ offset: true }).safeParse(value).success
      ? Date.parse(value)
      : Number.NaN;
  if (Number.isNaN(at)) return `${sortKey} is missing or not an RFC 3339 date-time`;
  return { id: id.data.id, at, raw };
}

/**
 * Fetches the next page of `listing` after `state` and maps its new records. `hasMore` stays true until
 * a page comes back empty, which ends the pass; the returned state then starts the next pass.
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
  const rows = await client.list(listing, {
    page: cursor.page,
    pageSize,
    ...(cursor.from === null ? {} : { from: cursor.from }),
  });
  const rescan: ListCursor = { ...cursor, page: 1, verify: false };

  if (rows.length === 0) {
    // An empty page where a jump landed means the window shrank under us: re-read it from the start.
    if (cursor.verify) return { items: [], newState: rescan, hasMore: true };
    return { items: [], newState: nextPass(cursor, pageSize), hasMore: false };
  }

  const skipped: SkippedRecord[] = [];
  const positioned: Positioned[] = [];
  rows.forEach((raw, index) => {
    const placed = positionOf(raw, sortKey);
    if (typeof placed === 'string') {
      skipped.push({ reference: referenceOf(raw, listing, cursor.page, index), reason: placed });
    } else positioned.push(placed);
  });

  const lastAt = cursor.at === null ? Number.NEGATIVE_INFINITY : Date.parse(cursor.at);
  const seenIds = new Set(cursor.ids);
  const seen = (row: Positioned) => row.at < lastAt || (row.at === lastAt && seenIds.has(row.id));
  const first = positioned[0];
  if (cursor.verify && first !== undefined && !seen(first)) {
    return { items: [], newState: rescan, hasMore: true };
  }

  const fromMs = cursor.from === null ? null : Date.parse(cursor.from);
  const ignoresFilter =
    cursor.ignoresFilter || (fromMs !== null && positioned.some((row) => row.at < fromMs));

  // Fresh records in timestamp order (a service's tie order is its own business), each emitted once.
  const emitted = new Set<string>();
  const fresh = positioned
    .filter((row) => !seen(row))
    .sort((a, b) => a.at - b.at)
    .filter((row) => !emitted.has(row.id) && emitted.add(row.id));
  let at = lastAt;
  let ids = cursor.ids;
  let inSecond = cursor.inSecond;
  for (const row of fresh) {
    if (row.at === at) {
      ids = [...ids, row.id];
      inSecond += 1;
    } else {
      inSecond =
        at !== Number.NEGATIVE_INFINITY && wholeSecond(row.at) === wholeSecond(at) ? inSecond + 1 : 1;
      at = row.at;
      ids = [row.id];
    }
  }

  const items: T[] = [];
  for (const row of fresh) {
    const mapped = map(row.raw);
    if ('item' in mapped) items.push(mapped.item);
    else skipped.push({ reference: row.id, reason: mapped.skip });
  }

  const moved: ListCursor = {
    at: at === Number.NEGATIVE_INFINITY ? null : iso(at),
    ids,
    inSecond,
    from: cursor.from,
    page: cursor.page + 1,
    verify: false,
    ignoresFilter,
  };
  // Follow the cursor into a new second with the filter, unless the service ignores filters anyway.
  if (!ignoresFilter && moved.at !== null && (fromMs === null || wholeSecond(at) > fromMs)) {
    const page = jumpPage(inSecond, pageSize);
    Object.assign(moved, { from: iso(wholeSecond(at)), page, verify: page > 1 });
  }
  return { items, skipped, newState: moved, hasMore: true };
}

function referenceOf(raw: unknown, listing: Listing, page: number, index: number): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id : `${listing} page ${page} item ${index + 1}`;
}
