// Keyset pagination behind opaque cursors, shaped like the v3 cursor envelope.
// Every list is ordered newest first: created_at DESC, sort_id DESC. A cursor remembers the page size, the filter
// and the (created_at, sort_id) of the row at the page boundary, so a page costs the same at any depth.
import { sql, type SelectQueryBuilder, type Simplify, type SqlBool } from 'kysely';
import { parseJson, stringifyJson } from '../domain/json.js';
import { validationError } from './errors.js';
import { buildFilter, readFilter, type FilterSpec } from '../storage/query-filter.js';

export const DEFAULT_PAGE_SIZE = 15;
export const MAX_PAGE_SIZE = 100;
const CURSOR_VERSION = 1;
export const MAX_UINT32 = 4_294_967_295;
const MAX_BIGINT = 9_223_372_036_854_775_807n;

export type PageDirection = 'next' | 'previous';

/** Where a cursor resumes: strictly (or, if `inclusive`, also at) the boundary key, in the given direction. */
export interface PagePosition {
  direction: PageDirection;
  createdAt: string;
  sortId: string;
  inclusive: boolean;
}

export interface PageRequest {
  pageSize: number;
  /** The filter JSON as given by the client (`undefined` when none); apply it with `buildFilter`. */
  filter: unknown;
  /** Absent for the first page. */
  position?: PagePosition;
}

/** Query-string parameters of a list endpoint; a repeated parameter counts by its first value. */
export interface PageParams {
  pageSize?: string | string[];
  cursor?: string | string[];
  query?: string | string[];
}

/** The object that goes under `cursor` in a v3 list response. */
export interface CursorPage<Row> {
  pageSize: number;
  hasMore: boolean;
  previous?: string;
  next?: string;
  data: Row[];
}

export type RowKey = readonly [createdAt: string, sortId: string | number | bigint];

export interface PaginateOptions<Row> {
  /** Column reference of the row's created_at, e.g. `accounts.created_at`. */
  createdAt: string;
  /** Column reference of the row's sort_id, e.g. `accounts.sort_id`. */
  sortId: string;
  /** When given, the request's filter is compiled with this spec and applied. */
  filter?: FilterSpec;
  /** Reads the boundary key of a row; by default its `created_at` and `sort_id` properties. */
  keyOf?: (row: Row) => RowKey;
}

const first = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * Reads pageSize / cursor / query (and the filter body) of a list request. A cursor, when present, replaces all
 * other parameters. Throws `validationError` for a bad page size, filter JSON or cursor.
 */
export function readPageRequest(params: PageParams, body: unknown): PageRequest {
  const cursor = first(params.cursor);
  if (cursor !== undefined && cursor !== '') return decodeCursor(cursor);
  return { pageSize: parsePageSize(first(params.pageSize)), filter: readFilter(first(params.query), body) };
}

function parsePageSize(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(text)) throw validationError("invalid 'pageSize' query param");
  const size = Number(text);
  if (size > MAX_UINT32) throw validationError("invalid 'pageSize' query param");
  if (size === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(size, MAX_PAGE_SIZE);
}

interface CursorBody {
  v: number;
  pageSize: number;
  filter: unknown;
  dir: PageDirection;
  key: [string, string];
  inclusive: boolean;
}

function encodeCursor(pageSize: number, filter: unknown, position: PagePosition): string {
  const body: CursorBody = {
    v: CURSOR_VERSION,
    pageSize,
    filter: filter === undefined ? null : filter,
    dir: position.direction,
    key: [position.createdAt, position.sortId],
    inclusive: position.inclusive,
  };
  return Buffer.from(stringifyJson(body), 'utf8').toString('base64url');
}

function decodeCursor(text: string): PageRequest {
  const invalid = () => validationError("invalid 'cursor' query param");
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw invalid();
  const bytes = Buffer.from(text, 'base64url');
  // Only the canonical spelling of a token is accepted (no stray trailing bits, no impossible lengths).
  if (bytes.toString('base64url') !== text) throw invalid();
  let decoded: unknown;
  try {
    decoded = parseJson(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw invalid();
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) throw invalid();
  const body = decoded as Partial<Record<keyof CursorBody, unknown>>;
  const expected = ['v', 'pageSize', 'filter', 'dir', 'key', 'inclusive'];
  const keys = Object.keys(body);
  if (keys.length !== expected.length || !expected.every((k) => keys.includes(k))) throw invalid();
  const { v, pageSize, filter, dir, key, inclusive } = body;
  if (v !== CURSOR_VERSION) throw invalid();
  if (
    typeof pageSize !== 'number' ||
    !Number.isInteger(pageSize) ||
    pageSize < 1 ||
    pageSize > MAX_PAGE_SIZE
  ) {
    throw invalid();
  }
  if (dir !== 'next' && dir !== 'previous') throw invalid();
  if (typeof inclusive !== 'boolean') throw invalid();
  if (!Array.isArray(key) || key.length !== 2) throw invalid();
  const [createdAt, sortId] = key as unknown[];
  if (typeof createdAt !== 'string' || !isTimestampText(createdAt)) throw invalid();
  if (typeof sortId !== 'string' || !/^\d{1,19}$/.test(sortId) || BigInt(sortId) > MAX_BIGINT)
    throw invalid();
  return {
    pageSize,
    filter: filter === null ? undefined : filter,
    position: { direction: dir, createdAt, sortId, inclusive },
  };
}

// PostgreSQL's ISO output of timestamptz ('2024-05-01 10:00:00.123456+00') or RFC 3339; checked field by field so
// that a forged cursor can never make the ::timestamptz cast fail inside the database.
const TIMESTAMP =
  /^(\d{4,5})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-](\d{2})(?::?(\d{2})(?::?(\d{2}))?)?)$/;

function isTimestampText(text: string): boolean {
  if (text === 'infinity' || text === '-infinity') return true;
  const match = TIMESTAMP.exec(text);
  if (!match) return false;
  const field = (index: number) => Number(match[index] ?? 0);
  const [year, month, day] = [field(1), field(2), field(3)];
  const [hour, minute, second] = [field(4), field(5), field(6)];
  const [offsetHours, offsetMinutes, offsetSeconds] = [field(7), field(8), field(9)];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  return offsetHours <= 15 && offsetMinutes <= 59 && offsetSeconds <= 59;
}

function defaultKeyOf(row: unknown): RowKey {
  const record = row as { created_at?: unknown; sort_id?: unknown };
  const { created_at: createdAt, sort_id: sortId } = record;
  if (
    typeof createdAt !== 'string' ||
    (typeof sortId !== 'string' && typeof sortId !== 'number' && typeof sortId !== 'bigint')
  ) {
    throw new Error(
      'paginate: rows must select created_at (as text) and sort_id, or options.keyOf must be given',
    );
  }
  return [createdAt, sortId];
}

/**
 * Runs one page of `query` (already filtered by the caller and selecting the rows, without order or limit).
 * Applies the request's filter when `options.filter` is given, the keyset predicate, the ordering and the limit,
 * and returns the v3 cursor envelope.
 */
export async function paginate<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  request: PageRequest,
  options: PaginateOptions<Simplify<O>>,
): Promise<CursorPage<Simplify<O>>> {
  let base = query;
  if (options.filter) {
    const condition = buildFilter(request.filter, options.filter);
    if (condition) base = base.where(condition);
  }
  const size = request.pageSize;
  const createdAt = sql.ref(options.createdAt);
  const sortId = sql.ref(options.sortId);
  const keyOf = options.keyOf ?? defaultKeyOf;
  const boundaryOf = (row: Simplify<O>): [string, string] => {
    const [rowCreatedAt, rowSortId] = keyOf(row);
    return [rowCreatedAt, String(rowSortId)];
  };
  const cursorAt = (direction: PageDirection, [at, id]: [string, string], inclusive = false) =>
    encodeCursor(size, request.filter, { direction, createdAt: at, sortId: id, inclusive });

  // Rows older than the boundary (newest first), or newer than it (oldest first).
  const fetch = (
    direction: PageDirection,
    boundary: [string, string] | undefined,
    inclusive: boolean,
    limit: number,
  ) => {
    let page = base;
    if (boundary) {
      const operator = direction === 'next' ? (inclusive ? '<=' : '<') : inclusive ? '>=' : '>';
      page = page.where(
        sql<SqlBool>`(${createdAt}, ${sortId}) ${sql.raw(operator)} (${boundary[0]}::timestamptz, ${boundary[1]}::bigint)`,
      );
    }
    const order = direction === 'next' ? sql.raw('desc') : sql.raw('asc');
    return page
      .orderBy(sql`${createdAt} ${order}`)
      .orderBy(sql`${sortId} ${order}`)
      .limit(limit)
      .execute();
  };

  const position = request.position;
  if (position?.direction === 'previous') {
    const boundary: [string, string] = [position.createdAt, position.sortId];
    const newer = await fetch('previous', boundary, position.inclusive, size + 1);
    // Not a full page plus one: we reached the top, and the page before is simply the first page.
    if (newer.length > size) {
      const data = newer.slice(0, size).reverse();
      const top = boundaryOf(data[0] as Simplify<O>);
      const bottom = boundaryOf(data[data.length - 1] as Simplify<O>);
      const older = await fetch('next', bottom, false, 1);
      return envelope(size, data, {
        previous: cursorAt('previous', top),
        next: older.length > 0 ? cursorAt('next', bottom) : undefined,
      });
    }
    return paginate(query, { pageSize: size, filter: request.filter }, options);
  }

  const boundary: [string, string] | undefined = position ? [position.createdAt, position.sortId] : undefined;
  const rows = await fetch('next', boundary, position?.inclusive ?? false, size + 1);
  const data = rows.slice(0, size);
  const hasMore = rows.length > size;
  let previous: string | undefined;
  if (position && boundary) {
    // An empty page after a cursor (rows deleted meanwhile) still leads back: to everything not covered here.
    previous =
      data.length > 0
        ? cursorAt('previous', boundaryOf(data[0] as Simplify<O>))
        : cursorAt('previous', boundary, !position.inclusive);
  }
  return envelope(size, data, {
    previous,
    next: hasMore ? cursorAt('next', boundaryOf(data[data.length - 1] as Simplify<O>)) : undefined,
  });
}

function envelope<Row>(
  pageSize: number,
  data: Row[],
  links: { previous?: string; next?: string },
): CursorPage<Row> {
  const page: CursorPage<Row> = { pageSize, hasMore: links.next !== undefined, data };
  if (links.previous !== undefined) page.previous = links.previous;
  if (links.next !== undefined) page.next = links.next;
  return page;
}
