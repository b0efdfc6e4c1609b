// Incremental walk over a Stripe list (newest first): history back to the start once, then forward from the newest seen, resumable at every page.
import { z } from 'zod';
import type { ListParams, StripePage } from './client.js';

/*
 * Stripe lists newest first and pages with object-id cursors: `starting_after=X` gives the records
 * older than X, `ending_before=X` the ones newer than X (the page closest to X, still newest first).
 *
 * - First pass (`backfill`): from the top of the list, `starting_after` the oldest record emitted, until
 *   `has_more` is false. The top record of the first page becomes the anchor (`newest`). A record created
 *   while the backfill walks lands above the anchor, so the next pass finds it.
 * - Every later pass starts with one `ties` request: the records created in the anchor's second
 *   (`created=<second>`). Stripe documents no order between records of one second, so a record of
 *   that second that became visible after the anchor was read may sort below it, where `ending_before`
 *   never looks. The ids already emitted in that second are kept (`tie`) so none is emitted twice.
 * - Then `forward`: `ending_before=<anchor>` repeatedly, each page emitted oldest first, the anchor
 *   moving to the newest record of each page (tie ids skipped), until `has_more` is false.
 * - If the anchor no longer exists (a deleted connected account), `ending_before` is refused; the pass
 *   then reads everything created since the anchor's second (`recover`) and takes a new anchor.
 *
 * Every step's position is in the state, so a crash or a lost answer resumes exactly where it stopped.
 */
export interface ListState {
  step: 'backfill' | 'forward' | 'ties' | 'recover';
  /** backfill/ties/recover: the `starting_after` cursor within the step (null on its first page). */
  after: string | null;
  /** The newest record emitted: the forward anchor; null until one is. */
  newest: { id: string; created: number } | null;
  /** Ids emitted whose `created` is the anchor's second. */
  tie: string[];
  /** recover: the newest record of the recovery walk, the anchor once it ends. */
  pending: { id: string; created: number } | null;
  /** recover: ids read in the second of `pending`. */
  pendingTie: string[];
}

export const listStateSchema = z.object({
  step: z.enum(['backfill', 'forward', 'ties', 'recover']),
  after: z.string().nullable(),
  newest: z.object({ id: z.string(), created: z.number().int() }).nullable(),
  tie: z.array(z.string()),
  pending: z.object({ id: z.string(), created: z.number().int() }).nullable(),
  pendingTie: z.array(z.string()),
});

export const FIRST_LIST_STATE: ListState = {
  step: 'backfill',
  after: null,
  newest: null,
  tie: [],
  pending: null,
  pendingTie: [],
};

export function readListState(state: unknown): ListState {
  const parsed = listStateSchema.safeParse(state);
  return parsed.success ? parsed.data : { ...FIRST_LIST_STATE };
}

export interface Listed {
  id: string;
  created: number;
}

export interface ListPass<T> {
  items: T[];
  state: ListState;
  hasMore: boolean;
}

/** Whether an error is Stripe refusing a cursor that names an object it no longer has. */
export type MissingCursor = (error: unknown) => boolean;

/** Biggest page Stripe serves. */
const MAX_LIMIT = 100;

/**
 * One page of the walk. `list` calls Stripe with the params given; `missingCursor` recognises the
 * refusal of an `ending_before` whose object is gone.
 */
export async function nextListPage<T extends Listed>(
  list: (params: ListParams) => Promise<StripePage<T>>,
  state: ListState,
  pageSize: number,
  missingCursor: MissingCursor,
): Promise<ListPass<T>> {
  const limit = Math.max(1, Math.min(pageSize, MAX_LIMIT));
  const s: ListState = { ...state, tie: [...state.tie] };
  const note = (item: T) => {
    if (!s.newest || item.created > s.newest.created) {
      s.newest = { id: item.id, created: item.created };
      s.tie = [item.id];
    } else if (item.created === s.newest.created && !s.tie.includes(item.id)) s.tie.push(item.id);
  };
  switch (s.step) {
    case 'backfill': {
      const page = await list({ limit, ...(s.after ? { starting_after: s.after } : {}) });
      // The top of the list is the anchor; further records of its second are ties.
      for (const item of page.data) {
        if (!s.newest) s.newest = { id: item.id, created: item.created };
        if (item.created === s.newest.created && !s.tie.includes(item.id)) s.tie.push(item.id);
      }
      const last = page.data.at(-1);
      if (last) s.after = last.id;
      if (page.has_more && last) return { items: page.data, state: s, hasMore: true };
      // History is read; an empty list stays in backfill (an empty page is cheap) until a record exists.
      return { items: page.data, state: s.newest ? { ...s, step: 'ties', after: null } : s, hasMore: false };
    }
    case 'forward': {
      if (!s.newest) return { items: [], state: { ...FIRST_LIST_STATE }, hasMore: true };
      let page: StripePage<T>;
      try {
        page = await list({ limit, ending_before: s.newest.id });
      } catch (error) {
        if (!missingCursor(error)) throw error;
        return {
          items: [],
          state: { ...s, step: 'recover', after: null, pending: null, pendingTie: [] },
          hasMore: true,
        };
      }
      const items: T[] = [];
      for (const item of [...page.data].reverse()) {
        if (item.created === s.newest?.created && s.tie.includes(item.id)) continue;
        items.push(item);
        note(item);
      }
      // The anchor is the newest record of the page even when it was a tie already emitted.
      const top = page.data[0];
      if (top && s.newest && top.created >= s.newest.created) s.newest = { ...s.newest, id: top.id };
      if (page.has_more && page.data.length > 0) return { items, state: s, hasMore: true };
      // The pass ends here; the next one starts by checking the anchor's second again.
      return { items, state: { ...s, step: 'ties', after: null }, hasMore: false };
    }
    case 'ties': {
      if (!s.newest) return { items: [], state: { ...FIRST_LIST_STATE }, hasMore: true };
      const page = await list({
        limit: MAX_LIMIT,
        created: s.newest.created,
        ...(s.after ? { starting_after: s.after } : {}),
      });
      const items = page.data.filter((item) => !s.tie.includes(item.id));
      s.tie.push(...items.map((item) => item.id));
      const last = page.data.at(-1);
      if (page.has_more && last) return { items, state: { ...s, after: last.id }, hasMore: true };
      return { items, state: { ...s, step: 'forward', after: null }, hasMore: true };
    }
    case 'recover': {
      const since = s.newest?.created ?? 0;
      const page = await list({
        limit,
        created: { gte: since },
        ...(s.after ? { starting_after: s.after } : {}),
      });
      const items = page.data.filter((item) => !(item.created === since && s.tie.includes(item.id)));
      const top = page.data[0];
      if (!s.pending && top) s.pending = { id: top.id, created: top.created };
      const pending = s.pending;
      const pendingTie = pending
        ? [...s.pendingTie, ...page.data.filter((i) => i.created === pending.created).map((i) => i.id)]
        : [];
      const last = page.data.at(-1);
      if (page.has_more && last) return { items, state: { ...s, after: last.id, pendingTie }, hasMore: true };
      // The walk is complete: the newest record read is the new anchor, its second's ids the ties.
      if (!pending) return { items, state: { ...s, step: 'ties', after: null }, hasMore: false };
      const tie = pending.created === since ? [...s.tie, ...pendingTie] : pendingTie;
      return {
        items,
        state: {
          step: 'ties',
          after: null,
          newest: pending,
          tie: [...new Set(tie)],
          pending: null,
          pendingTie: [],
        },
        hasMore: false,
      };
    }
  }
}
