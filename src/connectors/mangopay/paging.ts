// The incremental cursor every Mangopay listing shares: page numbers over `Sort=CreationDate:ASC`, made safe with a look-back window and the ids already seen in it.
import { z } from 'zod';

/*
 * Mangopay lists by page number, sorted by CreationDate in whole seconds, with no stable tie-break.
 * Page numbers alone lose or repeat records: a record that becomes visible mid-pass among records
 * already paged shifts every later page by one (the last record of a page comes again on the next),
 * and a watermark "after the newest CreationDate seen" drops the records that share that second but
 * were not on the page yet, or that the PSP commits a moment after it stamped them (Formance's bug).
 *
 * So: a pass reads pages of the records from `from` on (wallet transactions with `AfterDate = from - 1`,
 * the filter being exclusive; other listings have no date filter, see `advance`), checks
 * `CreationDate >= from` itself (in case the PSP ignores or widens the filter), and emits
 * every record it has not emitted before. What "before" means is kept small: the ids emitted whose
 * CreationDate lies within LOOK_BACK seconds of the newest emitted. When a pass ends (a short page),
 * the next one starts at `from = newest - LOOK_BACK`: it re-reads that window (little) and finds in
 * it anything that arrived late or shared a second with the newest, skipping what it already emitted.
 */

/** Seconds re-read at the start of each pass, and kept in the de-duplication set. */
export const LOOK_BACK_SECONDS = 300;

export const creationCursor = z.object({
  /** Unix seconds: records created before it belong to passes already done. */
  from: z.number().int().nonnegative().optional(),
  /** The page of the current pass to read next (1 = a new pass). */
  page: z.number().int().positive(),
  /** The page size the current pass pages with; a different size restarts the pass. */
  perPage: z.number().int().positive(),
  /** The newest CreationDate emitted so far. */
  newest: z.number().int().nonnegative().optional(),
  /** Ids emitted with their CreationDate, kept while within LOOK_BACK_SECONDS of `newest`. */
  seen: z.record(z.string(), z.number().int()),
  /** Unfiltered listings: the pass is walking back to the page where the window begins. */
  back: z.boolean().optional(),
});

export type CreationCursor = z.infer<typeof creationCursor>;

export function startCursor(perPage: number): CreationCursor {
  return { page: 1, perPage, seen: {} };
}

/** A record as the cursor sees it. */
export interface Dated {
  id: string;
  creationDate: number;
}

/** What a listing page of the current cursor asks for. */
export function pageRequest(
  cursor: CreationCursor,
  filtered = true,
): { page: number; perPage: number; afterDate?: number } {
  return {
    page: cursor.page,
    perPage: cursor.perPage,
    ...(filtered && cursor.from !== undefined ? { afterDate: Math.max(0, cursor.from - 1) } : {}),
  };
}

/** The cursor to use for a request of `pageSize`, from a saved state (undefined: a first run). */
export function resumeCursor(state: CreationCursor | undefined, pageSize: number): CreationCursor {
  if (!state) return startCursor(pageSize);
  // Another page size would shift the page numbers: start the pass again (the seen set skips repeats).
  if (state.perPage !== pageSize) return { ...state, page: 1, perPage: pageSize, back: false };
  return state;
}

/**
 * Applies one listed page to the cursor: the records to emit (new ones, in listing order) and the
 * cursor for the next call, with whether the pass goes on.
 *
 * `filtered` says whether the listing honours AfterDate (wallet transactions do; users, wallets and
 * bank accounts document no date filter). A pass over a filtered listing starts at page 1 of the
 * window. An unfiltered one starts where the previous pass ended and walks back while the page it
 * reads begins inside the window (or is empty), so it re-reads the window and a page, not the history.
 */
export function advance<T>(
  cursor: CreationCursor,
  listed: T[],
  dated: (record: T) => Dated,
  filtered = true,
): { emit: T[]; next: CreationCursor; hasMore: boolean } {
  const seen = { ...cursor.seen };
  let newest = cursor.newest;
  const emit: T[] = [];
  for (const record of listed) {
    const { id, creationDate } = dated(record);
    if (cursor.from !== undefined && creationDate < cursor.from) continue;
    if (seen[id] !== undefined) continue;
    seen[id] = creationDate;
    newest = newest === undefined ? creationDate : Math.max(newest, creationDate);
    emit.push(record);
  }
  const horizon = newest === undefined ? undefined : newest - LOOK_BACK_SECONDS;
  const kept =
    horizon === undefined ? seen : Object.fromEntries(Object.entries(seen).filter(([, at]) => at >= horizon));
  const carried = { perPage: cursor.perPage, seen: kept, ...(newest !== undefined ? { newest } : {}) };
  const from = cursor.from !== undefined ? { from: cursor.from } : {};
  const onward = (page: number): CreationCursor => ({ ...carried, ...from, page });
  const first = listed[0] === undefined ? undefined : dated(listed[0]).creationDate;
  if (cursor.back === true && cursor.page > 1 && (first === undefined || first >= (cursor.from ?? 0))) {
    // The window may begin on an earlier page: read that one first.
    return { emit, next: { ...onward(cursor.page - 1), back: true }, hasMore: true };
  }
  if (listed.length >= cursor.perPage) return { emit, next: onward(cursor.page + 1), hasMore: true };
  const nextFrom = horizon !== undefined ? { from: Math.max(cursor.from ?? 0, horizon, 0) } : from;
  const next: CreationCursor = filtered
    ? { ...carried, ...nextFrom, page: 1 }
    : { ...carried, ...nextFrom, page: cursor.page, back: true };
  return { emit, next, hasMore: false };
}
