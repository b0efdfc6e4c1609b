// Incremental walk over an Increase list (newest first, opaque cursor): the watermark moves only once a pass has reached it, so no crash or page boundary loses a record.
import { z } from 'zod';
import type { IncreasePage, ListParams } from './client.js';

/*
 * Increase lists newest first and pages with an opaque `cursor`; `created_at.on_or_after` bounds a list
 * from below. Formance's connector advanced its watermark page by page and took it from the wrong end of
 * a newest-first page (fixed upstream by its contract tests, #784): a crash after the first page of a
 * pass then left the older records of that pass behind the watermark for ever. Here that cannot happen,
 * by the shape of the state:
 *
 * - `mark` is what every finished pass has read: all records created before the second `mark.second`,
 *   and, of that second, exactly the ids in `mark.ids`. It changes in one place only, when a pass has
 *   walked its list to the end (no `next_cursor`), so it never passes a record the pass has not emitted.
 * - `pass` is the pass in progress: Increase's cursor for the next page, the newest second it has seen
 *   with the ids emitted in it (`top`), and the ids of the page before (see below). Every page saves
 *   it, so a crash or a lost answer resumes at the next page with the same `mark` below it.
 * - A pass asks for `created_at.on_or_after = mark.second` (whole seconds, inclusive): records sharing a
 *   timestamp with the mark are read again and the ids already emitted are dropped, so ties across a
 *   pass or a page boundary are never lost, whatever precision Increase filters with. A record older
 *   than the mark (a PSP that ignored the filter) is dropped too.
 * - A record created while a pass walks lands above the pass's first page: the next pass, bounded by
 *   the new mark, finds it. Should the cursor be positional, such a record pushes the last records of a
 *   page onto the next one: the ids of the page before are kept and not emitted twice.
 */
export interface ListState {
  mark: { second: string; ids: string[] } | null;
  pass: {
    cursor: string | null;
    top: { second: string; ids: string[] } | null;
    previous: string[];
  } | null;
}

const secondSchema = z.object({ second: z.string(), ids: z.array(z.string()) });
export const listStateSchema = z.object({
  mark: secondSchema.nullable(),
  pass: z
    .object({ cursor: z.string().nullable(), top: secondSchema.nullable(), previous: z.array(z.string()) })
    .nullable(),
});

export const FIRST_LIST_STATE: ListState = { mark: null, pass: null };

/** A stored state this version cannot read starts from scratch (writes are idempotent). */
export function readListState(state: unknown): ListState {
  const parsed = listStateSchema.safeParse(state);
  return parsed.success ? parsed.data : { mark: null, pass: null };
}

/** What the walk needs of a record: its id and creation time. */
export interface Positioned {
  id: string;
  created_at: string;
}

/** The whole second of an ISO 8601 time, as ISO 8601 (UTC, no fraction). */
export function secondOf(createdAt: string): string {
  const ms = Date.parse(createdAt);
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const position = z.object({ id: z.string().min(1), created_at: z.string() });

export interface ListPage {
  /** The raw records to emit, in the order Increase listed them. */
  records: unknown[];
  /** Records without an id or a readable created_at: reported skipped, never emitted. */
  unreadable: { index: number; reason: string }[];
  state: ListState;
  hasMore: boolean;
}

/** Largest page Increase serves. */
export const MAX_LIMIT = 100;

/** One page of the walk; `list` calls Increase with the params given. */
export async function nextListPage(
  list: (params: ListParams) => Promise<IncreasePage>,
  state: ListState,
  pageSize: number,
): Promise<ListPage> {
  const { mark } = state;
  const pass = state.pass ?? { cursor: null, top: null, previous: [] };
  const page = await list({
    limit: Math.max(1, Math.min(pageSize, MAX_LIMIT)),
    ...(pass.cursor ? { cursor: pass.cursor } : {}),
    ...(mark ? { createdOnOrAfter: mark.second } : {}),
  });
  const markMs = mark ? Date.parse(mark.second) : undefined;
  const previous = new Set(pass.previous);
  let top = pass.top ? { ...pass.top, ids: [...pass.top.ids] } : null;
  const records: unknown[] = [];
  const unreadable: ListPage['unreadable'] = [];
  const ids: string[] = [];
  page.data.forEach((raw, index) => {
    const parsed = position.safeParse(raw);
    const ms = parsed.success ? Date.parse(parsed.data.created_at) : Number.NaN;
    if (!parsed.success || Number.isNaN(ms)) {
      unreadable.push({ index, reason: 'missing id or created_at' });
      return;
    }
    const { id, created_at } = parsed.data;
    ids.push(id);
    const second = secondOf(created_at);
    if (markMs !== undefined && mark) {
      if (ms < markMs) return;
      if (second === mark.second && mark.ids.includes(id)) return;
    }
    if (previous.has(id)) return;
    records.push(raw);
    if (!top || Date.parse(second) > Date.parse(top.second)) top = { second, ids: [id] };
    else if (second === top.second && !top.ids.includes(id)) top.ids.push(id);
  });
  if (page.next_cursor && page.data.length > 0) {
    return {
      records,
      unreadable,
      state: { mark, pass: { cursor: page.next_cursor, top, previous: ids } },
      hasMore: true,
    };
  }
  // The pass has reached the mark: only now does the mark move, to the newest second the pass saw.
  return { records, unreadable, state: { mark: advanced(mark, top), pass: null }, hasMore: false };
}

function advanced(mark: ListState['mark'], top: NonNullable<ListState['pass']>['top']): ListState['mark'] {
  if (!top) return mark;
  if (!mark || Date.parse(top.second) > Date.parse(mark.second)) return top;
  if (top.second === mark.second)
    return { second: mark.second, ids: [...new Set([...mark.ids, ...top.ids])] };
  return mark;
}
