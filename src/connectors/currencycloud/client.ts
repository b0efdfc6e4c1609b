// The only place that speaks HTTP to Currencycloud: the login session (one login at a time, renewed before it idles out and on 401), forms, and CC's error bodies.
import { parseJson } from '../../domain/json.js';
import type { Clock, PspFetch } from '../sdk/context.js';
import { AuthenticationError, InvalidRequestError, isRetryable, UpstreamError } from '../sdk/errors.js';
import { errorFromStatus, malformedJsonError, reasonInText } from '../sdk/http-errors.js';
import { pspExchange } from '../sdk/http.js';
import { backoffDelay, retryAfterOf } from '../sdk/retry.js';

export type Params = Record<string, string | number | undefined>;

/**
 * Currencycloud ends a session after 30 minutes without a call; the client logs in again once a token
 * has been idle this long, so a poll after a quiet spell does not spend a 401 first.
 */
export const IDLE_RENEWAL_MS = 25 * 60 * 1000;
/** Reads are repeated on transient failures; writes only by the engine, under the same unique_request_id. */
const READ_RETRY = 2;
const TIMEOUT_MS = 30_000;

/**
 * A 4xx refusal with Currencycloud's error codes (`duplicate_request`, `insufficient_funds`, …), so a
 * caller can tell "this key was already used" from any other refusal.
 */
export class CurrencycloudRefusal extends InvalidRequestError {
  override name = 'CurrencycloudRefusal';
  constructor(
    message: string,
    status: number,
    readonly codes: readonly string[],
    /** CC's own words (`error_code: field: message; …`), without our prefix. */
    readonly reason: string | undefined,
  ) {
    super(message, status);
  }
}

interface ErrorBody {
  error_code?: unknown;
  error_messages?: unknown;
}

/** CC's error body (`{error_code, error_messages: {field: [{code, message}]}}`) as a reason and its codes. */
export function ccError(text: string): { reason?: string; codes: string[] } {
  let body: ErrorBody;
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    const reason = reasonInText(text);
    return { ...(reason ? { reason } : {}), codes: [] };
  }
  if (typeof body !== 'object' || body === null || typeof body.error_code !== 'string') {
    const reason = reasonInText(text);
    return { ...(reason ? { reason } : {}), codes: [] };
  }
  const codes = [body.error_code];
  const messages: string[] = [];
  if (typeof body.error_messages === 'object' && body.error_messages !== null) {
    for (const [field, entries] of Object.entries(body.error_messages)) {
      for (const entry of Array.isArray(entries) ? entries : [entries]) {
        const { code, message } = (entry ?? {}) as { code?: unknown; message?: unknown };
        if (typeof code === 'string') codes.push(code);
        if (typeof message === 'string') messages.push(`${field}: ${message}`);
      }
    }
  }
  const reason = `${body.error_code}${messages.length ? `: ${messages.join('; ')}` : ''}`.slice(0, 300);
  return { reason, codes };
}

export class CurrencycloudClient {
  private token: string | undefined;
  private lastUsedMs = 0;
  private login: Promise<string> | undefined;
  /** How many logins this client made (tests read it; so does nothing else). */
  logins = 0;

  constructor(
    private readonly fetch: PspFetch,
    private readonly endpoint: string,
    private readonly credentials: { loginID: string; apiKey: string },
    private readonly clock: Clock,
  ) {}

  private url(path: string, query: Params = {}): string {
    const base = this.endpoint.endsWith('/') ? this.endpoint : `${this.endpoint}/`;
    const url = new URL(`v2/${path.replace(/^\//, '')}`, base);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  /** A GET (retried on transient failures). */
  get(path: string, query: Params = {}): Promise<unknown> {
    return this.authorised('GET', this.url(path, query), undefined, READ_RETRY);
  }

  /** A form POST that only reads (`/accounts/find`, `/beneficiaries/find`): retried like a GET. */
  find(path: string, form: Params = {}): Promise<unknown> {
    return this.authorised('POST', this.url(path), form, READ_RETRY);
  }

  /** A form POST that may move money: sent once; the engine repeats it with the same unique_request_id. */
  write(path: string, form: Params): Promise<unknown> {
    return this.authorised('POST', this.url(path), form, 0);
  }

  /** A token for the next call: the current one, or a fresh login (shared by every caller waiting for it). */
  async session(): Promise<string> {
    const idle = this.clock.now().getTime() - this.lastUsedMs;
    if (this.token !== undefined && idle < IDLE_RENEWAL_MS) return this.token;
    this.login ??= this.logIn().finally(() => {
      this.login = undefined;
    });
    return this.login;
  }

  private async logIn(): Promise<string> {
    this.token = undefined;
    this.logins += 1;
    let body: unknown;
    try {
      body = await this.send('POST', this.url('authenticate/api'), {
        login_id: this.credentials.loginID,
        api_key: this.credentials.apiKey,
      });
    } catch (error) {
      // Four failed logins lock the account at Currencycloud: a refused login is never repeated here,
      // and every refusal (400 for a malformed key, 401 for a wrong one) is a credentials problem.
      if (error instanceof CurrencycloudRefusal) {
        const { host } = new URL(this.endpoint);
        const why = error.reason ? `: ${error.reason}` : '';
        throw new AuthenticationError(
          `${host} refused the connector's credentials (HTTP ${error.status ?? 400}${why})`,
          error.status,
        );
      }
      throw error;
    }
    const token = (body as { auth_token?: unknown } | undefined)?.auth_token;
    if (typeof token !== 'string' || token === '') {
      throw new UpstreamError('Currencycloud answered the login without an auth_token');
    }
    this.token = token;
    this.lastUsedMs = this.clock.now().getTime();
    return token;
  }

  private async authorised(method: string, url: string, form: Params | undefined, retries: number) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.withSession(method, url, form);
      } catch (error) {
        if (attempt >= retries || !isRetryable(error)) throw error;
        const delay = backoffDelay({ baseMs: 100, capMs: 2_000 }, attempt, {
          retryAfterMs: retryAfterOf(error),
        });
        if (delay > 10_000) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** One call under the session; a 401 (the token expired at CC) logs in again and repeats it once. */
  private async withSession(method: string, url: string, form: Params | undefined): Promise<unknown> {
    const token = await this.session();
    try {
      const body = await this.send(method, url, form, token);
      this.lastUsedMs = this.clock.now().getTime();
      return body;
    } catch (error) {
      if (!(error instanceof AuthenticationError && error.status === 401)) throw error;
      // Only the first caller to see the stale token drops it; the others wait for the same new login.
      if (this.token === token) this.token = undefined;
      const fresh = await this.session();
      const body = await this.send(method, url, form, fresh);
      this.lastUsedMs = this.clock.now().getTime();
      return body;
    }
  }

  private async send(method: string, url: string, form: Params | undefined, token?: string) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers['x-auth-token'] = token;
    let body: string | undefined;
    if (form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(form)) {
        if (value !== undefined) params.set(name, String(value));
      }
      body = params.toString();
    }
    const response = await pspExchange(this.fetch, url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      timeoutMs: TIMEOUT_MS,
    });
    const { body: text, host } = response;
    if (response.status < 200 || response.status >= 300) {
      const { reason, codes } = ccError(text);
      const error = errorFromStatus({
        status: response.status,
        headers: response.headers,
        host,
        ...(reason ? { reason } : {}),
      });
      if (error instanceof InvalidRequestError && !(error instanceof AuthenticationError)) {
        throw new CurrencycloudRefusal(error.message, response.status, codes, reason);
      }
      throw error;
    }
    if (text.trim() === '') return undefined;
    try {
      return parseJson(text);
    } catch {
      throw malformedJsonError(response.status, host);
    }
  }
}
