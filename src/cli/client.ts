// The only place the CLI speaks HTTP: base URL, bearer token, bigint-exact JSON, and API errors as ApiError.
import { parseJson } from '../domain/json.js';
import { ApiError, UnreachableError } from './errors.js';

export const DEFAULT_SERVER = 'http://localhost:8080';
/** A hung server must not hang a script: no answer in this time is reported as unreachable. */
const REQUEST_TIMEOUT_MS = 120_000;

export interface ClientOptions {
  server: string;
  token?: string;
}

export interface RequestOptions {
  /** Query parameters; undefined values are left out. */
  params?: Record<string, string | undefined>;
  /** A request body already serialised as JSON (so the caller decides how bigints are written). */
  body?: string;
}

/** One page of a v3 list: `{cursor: {pageSize, hasMore, next?, previous?, data}}`. */
export interface Page {
  items: unknown[];
  hasMore: boolean;
  next?: string;
}

export class ApiClient {
  readonly server: string;
  private readonly base: string;
  private readonly token: string | undefined;

  constructor(options: ClientOptions) {
    this.server = options.server;
    let url: URL;
    try {
      url = new URL(options.server);
    } catch {
      throw new UnreachableError(`invalid server URL '${options.server}' (set --server or PAYBRIDGE_URL)`);
    }
    // A path in the server URL (a gateway prefix) is kept, and /v3 appended to it.
    this.base = `${url.origin}${url.pathname.replace(/\/+$/, '')}/v3`;
    this.token = options.token || undefined;
  }

  /** Sends one request; answers the parsed JSON body, or undefined for an empty one (204). */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const url = new URL(this.base + path);
    for (const [key, value] of Object.entries(options.params ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new UnreachableError(
        `cannot reach Paybridge at ${this.server}: ${networkReason(error)} (set --server or PAYBRIDGE_URL)`,
      );
    }
    const text = await response.text();
    if (!response.ok) throw apiError(response, text);
    if (text.trim() === '') return undefined;
    try {
      return parseJson(text);
    } catch {
      // A success that is not JSON: not a Paybridge answering (a proxy page, another service).
      throw new Error(`the server's answer is not JSON (is --server a Paybridge?): ${clip(text)}`);
    }
  }

  /** A request whose answer is `{data: …}`: answers the data. */
  async data(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const body = await this.request(method, path, options);
    if (!isRecord(body) || !('data' in body)) {
      throw new Error(`expected {"data": …} from ${method} ${path}: is --server a Paybridge?`);
    }
    return body.data;
  }

  /** One page of a list endpoint. */
  async page(path: string, params: Record<string, string | undefined>): Promise<Page> {
    const body = await this.request('GET', path, { params });
    const cursor = isRecord(body) ? body.cursor : undefined;
    if (!isRecord(cursor) || !Array.isArray(cursor.data)) {
      throw new Error(`expected {"cursor": …} from GET ${path}: is --server a Paybridge?`);
    }
    return {
      items: cursor.data,
      hasMore: cursor.hasMore === true,
      ...(typeof cursor.next === 'string' && cursor.next !== '' ? { next: cursor.next } : {}),
    };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function apiError(response: Response, text: string): ApiError {
  let body: unknown;
  try {
    body = text.trim() === '' ? undefined : parseJson(text);
  } catch {
    body = undefined;
  }
  if (isRecord(body) && typeof body.errorCode === 'string') {
    const message = typeof body.errorMessage === 'string' ? body.errorMessage : '';
    return new ApiError(response.status, body.errorCode, message);
  }
  // Auth failures come with an empty body (as Formance's gateway answers them).
  if (response.status === 401) {
    return new ApiError(
      401,
      'UNAUTHORIZED',
      'authentication required or token refused (set --token or PAYBRIDGE_TOKEN)',
    );
  }
  if (response.status === 403)
    return new ApiError(403, 'FORBIDDEN', 'the token lacks the scope this request needs');
  return new ApiError(response.status, `HTTP_${response.status}`, clip(text) || response.statusText);
}

function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000}s`;
  }
  // undici reports "fetch failed" and keeps the system error (ECONNREFUSED, ENOTFOUND, …) as the cause.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof AggregateError) {
    // Both addresses of `localhost` refused: each inner error says which.
    return cause.errors
      .map((inner: unknown) => (inner instanceof Error ? inner.message : String(inner)))
      .join('; ');
  }
  if (cause instanceof Error)
    return cause.message || ('code' in cause ? String(cause.code) : 'connection failed');
  return error instanceof Error ? error.message : String(error);
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
