// The only place the CLI speaks HTTP: base URL, bearer tokens (given, or fetched with client credentials and
// renewed), bigint-exact JSON, and API errors as ApiError.
import { parseJson } from '../domain/json.js';
import { ApiError, TokenRequestError, UnreachableError, UsageError } from './errors.js';

export const DEFAULT_SERVER = 'http://localhost:8080';
/** Where the official SDK asks for tokens: this path resolved against the server URL's origin. */
export const DEFAULT_TOKEN_PATH = '/api/auth/oauth/token';
/** A hung server must not hang a script: no answer in this time is reported as unreachable. */
const REQUEST_TIMEOUT_MS = 120_000;
/** A token is renewed this long before it expires (at most half its lifetime), so none expires in flight. */
const RENEW_MARGIN_MS = 60_000;

/** How the CLI proves who it is: a bearer token taken as is, or client credentials traded for tokens. */
export type Credentials =
  | { kind: 'token'; token: string }
  | { kind: 'client'; clientId: string; clientSecret: string; tokenUrl?: string };

export interface ClientOptions {
  server: string;
  credentials?: Credentials;
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
  /** A token given as is (--token), never renewed. */
  private readonly fixedToken: string | undefined;
  /** Tokens fetched with client credentials, when those were given instead. */
  private readonly tokens: ClientCredentialsTokens | undefined;

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
    const credentials = options.credentials;
    this.fixedToken = credentials?.kind === 'token' && credentials.token ? credentials.token : undefined;
    this.tokens =
      credentials?.kind === 'client'
        ? new ClientCredentialsTokens(
            credentials.clientId,
            credentials.clientSecret,
            tokenEndpoint(credentials.tokenUrl, url),
          )
        : undefined;
  }

  /**
   * Sends one request; answers the parsed JSON body, or undefined for an empty one (204). A fetched token
   * the API refuses (401: expired early, a clock apart, its key rotated away) is replaced once, and the
   * request sent again: a 401 is answered before the request does anything, so repeating it is safe.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const url = new URL(this.base + path);
    for (const [key, value] of Object.entries(options.params ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    let token = this.fixedToken ?? (await this.tokens?.token());
    let answer = await this.send(method, url, options, token);
    if (answer.response.status === 401 && this.tokens && token !== undefined) {
      this.tokens.discard(token);
      token = await this.tokens.token();
      answer = await this.send(method, url, options, token);
    }
    const { response, text } = answer;
    if (!response.ok) throw this.apiError(response, text, token);
    if (text.trim() === '') return undefined;
    try {
      return parseJson(text);
    } catch {
      // A success that is not JSON: not a Paybridge answering (a proxy page, another service).
      throw new Error(
        `the server's answer is not JSON (is --server a Paybridge?): ${this.redact(clip(text), token)}`,
      );
    }
  }

  private async send(
    method: string,
    url: URL,
    options: RequestOptions,
    token: string | undefined,
  ): Promise<{ response: Response; text: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      const response = await fetch(url, {
        method,
        headers,
        body: options.body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      return { response, text: await response.text() };
    } catch (error) {
      throw new UnreachableError(
        `cannot reach Paybridge at ${this.server}: ${networkReason(error)} (set --server or PAYBRIDGE_URL)`,
      );
    }
  }

  /** The API's refusal, with a hint on the credentials options when it is about them (401, 403). */
  private apiError(response: Response, text: string, token: string | undefined): ApiError {
    const error = apiError(response, this.redact(text, token));
    if (response.status === 401) error.hint = this.unauthorizedHint();
    if (response.status === 403) error.hint = forbiddenHint(response.headers.get('www-authenticate'));
    return error;
  }

  private unauthorizedHint(): string {
    if (this.tokens) {
      return (
        `the API refused a token just fetched from ${this.tokens.url}: does that token endpoint belong to ` +
        'the issuer this server trusts (--token-url, PAYBRIDGE_TOKEN_URL)?'
      );
    }
    if (this.fixedToken) {
      return (
        'the token given with --token (or PAYBRIDGE_TOKEN) was refused: it may have expired. Give ' +
        '--client-id and --client-secret instead, and the CLI fetches and renews tokens itself'
      );
    }
    return (
      'this server needs credentials: give --client-id and --client-secret (or PAYBRIDGE_CLIENT_ID and ' +
      'PAYBRIDGE_CLIENT_SECRET; `paybridge clients create` makes a client), or a bearer token with ' +
      '--token (PAYBRIDGE_TOKEN)'
    );
  }

  /** Server text shown in an error never carries the client secret or the token, should a server echo them. */
  private redact(text: string, token: string | undefined): string {
    return redact(text, [token, this.fixedToken, this.tokens?.secret]);
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

/**
 * Tokens from an OAuth 2.0 token endpoint, client credentials grant (RFC 6749 §4.4), as the official SDK
 * gets them: one for the process, renewed before it expires (a `--wait` can outlive a short token) or
 * when the API refuses it. Concurrent callers share one token request.
 */
class ClientCredentialsTokens {
  private current: { token: string; renewAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly clientId: string,
    readonly secret: string,
    readonly url: URL,
  ) {}

  async token(): Promise<string> {
    if (this.current && Date.now() < this.current.renewAt) return this.current.token;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forgets a token the API refused, so that the next call fetches another. */
  discard(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private async fetchToken(): Promise<string> {
    // Counted from before the request: the token's lifetime starts when the server issues it.
    const started = Date.now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        // In the form, as the official SDK sends them (RFC 6749 §2.3.1 client_secret_post).
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: this.clientId,
          client_secret: this.secret,
        }).toString(),
        // A redirect would carry the secret to wherever it points (307 and 308 resend the body).
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      throw new UnreachableError(
        `cannot reach the token endpoint ${this.url.href}: ${networkReason(error)} ` +
          '(set --token-url or PAYBRIDGE_TOKEN_URL)',
      );
    }
    let body: unknown;
    try {
      body = text.trim() === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) throw this.refusal(response, text, body);
    const token = isRecord(body) ? body.access_token : undefined;
    const type = isRecord(body) ? body.token_type : undefined;
    if (typeof token !== 'string' || token === '' || (typeof type === 'string' && !/^bearer$/i.test(type))) {
      throw new TokenRequestError(
        response.status,
        'invalid_response',
        'the answer holds no bearer access_token (does --token-url name an OAuth 2.0 token endpoint?)',
        this.url.href,
      );
    }
    // expires_in is RECOMMENDED, not required (RFC 6749 §5.1); some servers send it as a string.
    const lifetimeMs = isRecord(body) ? Number(body.expires_in) * 1000 : Number.NaN;
    const renewAt =
      Number.isFinite(lifetimeMs) && lifetimeMs > 0
        ? started + lifetimeMs - Math.min(RENEW_MARGIN_MS, lifetimeMs / 2)
        : Number.POSITIVE_INFINITY;
    this.current = { token, renewAt };
    return token;
  }

  private refusal(response: Response, text: string, body: unknown): TokenRequestError {
    const status = response.status;
    const url = this.url.href;
    if (status >= 300 && status < 400) {
      const location = response.headers.get('location') ?? 'elsewhere';
      return new TokenRequestError(
        status,
        'redirect',
        `the token endpoint redirects to ${location}; the secret is not sent after it: set --token-url to where it leads`,
        url,
      );
    }
    const secrets = [this.secret];
    if (isRecord(body) && typeof body.error === 'string') {
      const description = typeof body.error_description === 'string' ? body.error_description : '';
      const hint =
        body.error === 'invalid_client'
          ? 'check --client-id and --client-secret (PAYBRIDGE_CLIENT_ID, PAYBRIDGE_CLIENT_SECRET): the client may be unknown, revoked, or its secret wrong'
          : undefined;
      return new TokenRequestError(
        status,
        redact(body.error, secrets),
        redact(description, secrets),
        url,
        hint,
      );
    }
    if (status === 404) {
      return new TokenRequestError(
        status,
        'not_found',
        'no token endpoint there',
        url,
        'is auth on at this server (PAYBRIDGE_AUTH_ENABLED=true)? Behind a gateway or with an external ' +
          'identity provider, name its token endpoint with --token-url (PAYBRIDGE_TOKEN_URL)',
      );
    }
    return new TokenRequestError(
      status,
      `HTTP_${status}`,
      redact(clip(text), secrets) || response.statusText,
      url,
    );
  }
}

/** --token-url as given, or the SDK's default: the token path against the server URL's origin. */
function tokenEndpoint(tokenUrl: string | undefined, server: URL): URL {
  if (tokenUrl === undefined || tokenUrl === '') return new URL(DEFAULT_TOKEN_PATH, server);
  let url: URL;
  try {
    url = new URL(tokenUrl);
  } catch {
    throw new UsageError(`invalid token URL '${tokenUrl}' (--token-url or PAYBRIDGE_TOKEN_URL)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`the token URL must be http or https, got '${tokenUrl}'`);
  }
  return url;
}

/** 403: which scope the token lacks, from the WWW-Authenticate challenge (RFC 6750 §3) when it says. */
function forbiddenHint(challenge: string | null): string {
  const scope = /\bscope="([^"]*)"/.exec(challenge ?? '')?.[1];
  if (!scope) return 'the token lacks the scope this request needs: use a client that holds it';
  return (
    `the client lacks ${scope}: use a client that holds it (\`paybridge clients create <name> ` +
    `--scopes ${scope === 'payments:admin' ? 'payments:admin' : 'payments:read,payments:write'}\`)`
  );
}

function redact(text: string, secrets: (string | undefined)[]): string {
  let clean = text;
  for (const secret of secrets) if (secret) clean = clean.split(secret).join('[redacted]');
  return clean;
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
  // Auth failures come with an empty body (as Formance's gateway answers them); the caller adds the hint.
  if (response.status === 401) {
    return new ApiError(401, 'UNAUTHORIZED', 'authentication required, or the token was refused');
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
