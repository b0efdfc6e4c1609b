// Route handlers that page a list the way PSPs do: page/size, offset/limit, opaque cursor, Stripe's starting_after/has_more, and `next` links.
import type { FakeHandler, FakeRequest, FakeResponse } from './fake-psp.js';

/** The list a route pages: fixed, or read at each request (so a test can change it between passes). */
export type ItemSource<T> = readonly T[] | (() => readonly T[]);

export interface ListOptions<T> {
  /** Keeps the items a request asks for (a `createdAtFrom` filter, say). */
  filter?: (item: T, request: FakeRequest) => boolean;
  /** Orders them (before paging). */
  sort?: (a: T, b: T, request: FakeRequest) => number;
  /** The page size when the request names none, and the most a page holds. */
  defaultSize?: number;
  maxSize?: number;
}

function selected<T>(source: ItemSource<T>, request: FakeRequest, options: ListOptions<T>): T[] {
  const all = typeof source === 'function' ? source() : source;
  const kept = options.filter ? all.filter((item) => options.filter?.(item, request)) : [...all];
  return options.sort ? kept.sort((a, b) => options.sort?.(a, b, request) ?? 0) : kept;
}

function sizeOf(
  request: FakeRequest,
  param: string,
  options: { defaultSize?: number; maxSize?: number },
): number {
  const asked = Number(request.query.get(param) ?? options.defaultSize ?? 20);
  const size = Number.isInteger(asked) && asked > 0 ? asked : (options.defaultSize ?? 20);
  return Math.min(size, options.maxSize ?? Number.POSITIVE_INFINITY);
}

const json = (body: unknown, headers: Record<string, string> = {}): FakeResponse => ({
  status: 200,
  json: body,
  headers,
});

/**
 * `?page=N&pageSize=M` (names configurable), pages counted from `firstPage`. `wrap` shapes the body
 * (default: the bare array, as the Generic contract answers).
 */
export function pageNumberPages<T>(
  source: ItemSource<T>,
  options: ListOptions<T> & {
    page?: string;
    size?: string;
    firstPage?: number;
    wrap?: (items: T[], meta: { page: number; size: number; total: number }) => unknown;
  } = {},
): FakeHandler {
  return (request) => {
    const items = selected(source, request, options);
    const size = sizeOf(request, options.size ?? 'pageSize', options);
    const first = options.firstPage ?? 1;
    const page = Math.max(first, Number(request.query.get(options.page ?? 'page') ?? first) || first);
    const slice = items.slice((page - first) * size, (page - first + 1) * size);
    return json(options.wrap ? options.wrap(slice, { page, size, total: items.length }) : slice);
  };
}

/** `?offset=N&limit=M`; the body is `{ data, total }` unless `wrap` says otherwise. */
export function offsetLimitPages<T>(
  source: ItemSource<T>,
  options: ListOptions<T> & {
    offset?: string;
    limit?: string;
    wrap?: (items: T[], meta: { offset: number; total: number }) => unknown;
  } = {},
): FakeHandler {
  return (request) => {
    const items = selected(source, request, options);
    const limit = sizeOf(request, options.limit ?? 'limit', options);
    const offset = Math.max(0, Number(request.query.get(options.offset ?? 'offset') ?? 0) || 0);
    const slice = items.slice(offset, offset + limit);
    return json(
      options.wrap
        ? options.wrap(slice, { offset, total: items.length })
        : { data: slice, total: items.length },
    );
  };
}

/**
 * An opaque cursor: `?cursor=…&limit=M` → `{ data, next_cursor }` (null on the last page). The cursor
 * encodes the position, so a client must hand it back verbatim.
 */
export function cursorPages<T>(
  source: ItemSource<T>,
  options: ListOptions<T> & { cursor?: string; limit?: string; nextField?: string } = {},
): FakeHandler {
  return (request) => {
    const items = selected(source, request, options);
    const limit = sizeOf(request, options.limit ?? 'limit', options);
    const cursor = request.query.get(options.cursor ?? 'cursor');
    const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString('utf8').replace(/^pos:/, '')) : 0;
    if (!Number.isInteger(start) || start < 0) return { status: 400, json: { error: 'invalid cursor' } };
    const end = start + limit;
    const next = end < items.length ? Buffer.from(`pos:${end}`).toString('base64url') : null;
    return json({ data: items.slice(start, end), [options.nextField ?? 'next_cursor']: next });
  };
}

/**
 * Stripe's list: `?limit=M&starting_after=<id>` (or `ending_before`) → `{ object: 'list', data,
 * has_more, url }`. Items are listed newest first when `sort` says so, as Stripe does.
 */
export function stripeListPages<T>(
  source: ItemSource<T>,
  options: ListOptions<T> & { id?: (item: T) => string; url?: string } = {},
): FakeHandler {
  const idOf = options.id ?? ((item: T) => String((item as { id?: unknown }).id));
  return (request) => {
    const items = selected(source, request, { defaultSize: 10, maxSize: 100, ...options });
    const limit = sizeOf(request, 'limit', { defaultSize: 10, maxSize: 100, ...options });
    const after = request.query.get('starting_after');
    const before = request.query.get('ending_before');
    let slice: T[];
    let hasMore: boolean;
    if (before) {
      const end = items.findIndex((item) => idOf(item) === before);
      if (end < 0)
        return {
          status: 400,
          json: { error: { type: 'invalid_request_error', message: `No such object: ${before}` } },
        };
      slice = items.slice(Math.max(0, end - limit), end);
      hasMore = end - limit > 0;
    } else {
      const start = after ? items.findIndex((item) => idOf(item) === after) + 1 : 0;
      if (after && start === 0)
        return {
          status: 400,
          json: { error: { type: 'invalid_request_error', message: `No such object: ${after}` } },
        };
      slice = items.slice(start, start + limit);
      hasMore = start + limit < items.length;
    }
    return json({ object: 'list', data: slice, has_more: hasMore, url: options.url ?? request.path });
  };
}

/**
 * `next` links: each page carries the absolute URL of the next one, in the body (`links.next`) or in a
 * `Link: <…>; rel="next"` header, until the last page, which has none.
 */
export function nextLinkPages<T>(
  source: ItemSource<T>,
  options: ListOptions<T> & { limit?: string; in?: 'body' | 'header'; baseUrl: () => string },
): FakeHandler {
  return (request) => {
    const items = selected(source, request, options);
    const limitParam = options.limit ?? 'limit';
    const limit = sizeOf(request, limitParam, options);
    const start = Math.max(0, Number(request.query.get('from') ?? 0) || 0);
    const slice = items.slice(start, start + limit);
    let next: string | null = null;
    if (start + limit < items.length) {
      const url = new URL(request.path, options.baseUrl());
      request.query.forEach((value, name) => url.searchParams.set(name, value));
      url.searchParams.set('from', String(start + limit));
      url.searchParams.set(limitParam, String(limit));
      next = url.toString();
    }
    if (options.in === 'header') return json({ data: slice }, next ? { link: `<${next}>; rel="next"` } : {});
    return json({ data: slice, links: { next } });
  };
}
