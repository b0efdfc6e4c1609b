// Index-cursor paging over a whole file, restarting from the top once a pass reaches the end.
import { z } from 'zod';
import { InvalidRequestError } from '../sdk/errors.js';

/** DummyPay's page size: the default and also the maximum. */
export const PAGE_SIZE = 25;

/**
 * `next` is the index of the first record the next call returns. A page ends at index `end`, and the
 * state handed back is `{ next: end }`, so every index is returned by exactly one page of a pass. Once a
 * pass reaches the end of the file the state goes back to empty (null): the next poll rereads the file
 * from the top and sees edited and appended records, and the engine knows each pass is a full listing
 * (so it can drop the child tasks of accounts that left the file).
 */
const pagingState = z.object({ next: z.number().int().nonnegative() });
export type PagingState = z.infer<typeof pagingState>;

export interface Page<T> {
  entries: T[];
  newState: PagingState | null;
  hasMore: boolean;
}

export function takePage<T>(all: readonly T[], state: unknown, requestedPageSize: number): Page<T> {
  const start = startIndex(state);
  const end = Math.min(start + pageSizeFor(requestedPageSize), all.length);
  // A cursor past the end (the file shrank since the last call) yields an empty page that ends the pass.
  const entries = all.slice(start, end);
  const hasMore = end < all.length;
  return { entries, newState: hasMore ? { next: end } : null, hasMore };
}

function startIndex(state: unknown): number {
  if (state === undefined || state === null) return 0;
  const parsed = pagingState.safeParse(state);
  if (!parsed.success) {
    throw new InvalidRequestError(
      `dummypay paging state must look like {"next": <index>}: ${parsed.error.message}`,
    );
  }
  return parsed.data.next;
}

function pageSizeFor(requested: number): number {
  if (!Number.isInteger(requested) || requested < 1) return PAGE_SIZE;
  return Math.min(requested, PAGE_SIZE);
}
