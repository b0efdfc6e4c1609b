// The only module that speaks HTTP to the integration service: the Generic contract's six endpoints.
import { pspRequest, type PspRequestOptions } from '../sdk/http.js';
import { InvalidConfigError, isRetryable, UpstreamError, UpstreamTimeoutError } from '../sdk/errors.js';
import { backoffDelay, retryAfterOf } from '../sdk/retry.js';
import type { PspFetch } from '../sdk/context.js';
import type { GenericConfig } from './config.js';

/** The three listings, with the timestamp each one sorts and filters on. */
export const LISTINGS = {
  accounts: { path: 'accounts', sortKey: 'createdAt', filter: 'createdAtFrom' },
  beneficiaries: { path: 'beneficiaries', sortKey: 'createdAt', filter: 'createdAtFrom' },
  transactions: { path: 'transactions', sortKey: 'updatedAt', filter: 'updatedAtFrom' },
} as const;
export type Listing = keyof typeof LISTINGS;

export interface ListQuery {
  page: number;
  pageSize: number;
  /** RFC 3339; the listing's filter parameter is left out when undefined. */
  from?: string;
}

export interface MoneyMovementBody {
  idempotencyKey: string;
  amount: string;
  currency: string;
  sourceAccountId: string;
  destinationAccountId: string;
  description: string;
  metadata: Record<string, string>;
}

// Reads are safe to repeat, so a blip is ridden out inside the call rather than failing the whole run.
const READ_RETRY = { attempts: 3, baseDelayMs: 100 };
// The install check: a person waits for it, so no answer within 10 s is an answer.
const CHECK_TIMEOUT_MS = 10_000;
const CHECK_RETRIES = 4;
const CHECK_RETRY_AFTER_MAX_MS = 5_000;
const CHECK_BACKOFF = { baseMs: 200, capMs: 2_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The endpoint answers, but not as a Generic integration service would. */
function notTheContract(base: string, what: string): InvalidConfigError {
  return new InvalidConfigError(
    `${base}/${LISTINGS.accounts.path} ${what}: endpoint must be the base URL of an integration service ` +
      'implementing the Generic contract',
  );
}

// Writes carry an idempotency key the service must honour, so repeating one cannot move money twice.
const WRITE_RETRY = { attempts: 2, baseDelayMs: 200 };

export class GenericClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(
    config: GenericConfig,
    private readonly fetch: PspFetch,
  ) {
    this.base = config.endpoint.replace(/\/+$/, '');
    this.headers = { authorization: `Bearer ${config.apiKey}`, accept: 'application/json' };
  }

  async list(listing: Listing, query: ListQuery): Promise<unknown[]> {
    const { path, sortKey, filter } = LISTINGS[listing];
    const params = new URLSearchParams({
      page: String(query.page),
      pageSize: String(query.pageSize),
      sort: `${sortKey}:asc`,
    });
    if (query.from !== undefined) params.set(filter, query.from);
    const body = await this.get(`/${path}?${params.toString()}`);
    if (!Array.isArray(body)) throw new UpstreamError(`GET /${path} did not answer with a JSON array`);
    return body;
  }

  /**
   * The install check: one authenticated read (the first account, page size 1) that proves the endpoint
   * speaks the contract and accepts the key. A refused key or request fails at once with the service's
   * reason; a timeout too (a person is waiting for the answer). A blip (5xx, rate limit, dropped
   * connection) is tried again a few times, so a flaky service is not refused for one bad answer.
   */
  async check(): Promise<void> {
    const path = `/${LISTINGS.accounts.path}?page=1&pageSize=1`;
    let body: unknown;
    for (let attempt = 0; ; attempt++) {
      try {
        body = await this.call(path, { method: 'GET', headers: this.headers, timeoutMs: CHECK_TIMEOUT_MS });
        break;
      } catch (error) {
        // A 2xx whose body is not JSON: something answers there, but not the contract (an HTML page, …).
        if (error instanceof UpstreamError && error.status !== undefined && error.status < 300) {
          throw notTheContract(this.base, `answered ${error.status} with a body that is not JSON`);
        }
        // A redirect is never followed (it would carry the key elsewhere), and asking again will not change it.
        if (error instanceof UpstreamError && error.status !== undefined && error.status < 400) throw error;
        const retryAfterMs = retryAfterOf(error);
        const last = attempt >= CHECK_RETRIES || (retryAfterMs ?? 0) > CHECK_RETRY_AFTER_MAX_MS;
        if (last || error instanceof UpstreamTimeoutError || !isRetryable(error)) throw error;
        await sleep(backoffDelay(CHECK_BACKOFF, attempt, { retryAfterMs }));
      }
    }
    if (!Array.isArray(body)) throw notTheContract(this.base, 'did not answer with a JSON array');
  }

  balances(accountId: string): Promise<unknown> {
    return this.get(`/accounts/${encodeURIComponent(accountId)}/balances`);
  }

  createPayout(body: MoneyMovementBody): Promise<unknown> {
    return this.post('/payouts', body);
  }

  createTransfer(body: MoneyMovementBody): Promise<unknown> {
    return this.post('/transfers', body);
  }

  getPayout(id: string): Promise<unknown> {
    return this.get(`/payouts/${encodeURIComponent(id)}`);
  }

  getTransfer(id: string): Promise<unknown> {
    return this.get(`/transfers/${encodeURIComponent(id)}`);
  }

  /** Contract v0.2: registers `url` for push webhooks; registering it again returns the same registration. */
  registerWebhook(url: string): Promise<unknown> {
    return this.call('/webhooks', {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
      retry: WRITE_RETRY,
    });
  }

  async deleteWebhook(id: string): Promise<void> {
    await this.call(`/webhooks/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers: this.headers,
      retry: WRITE_RETRY,
    });
  }

  private get(path: string): Promise<unknown> {
    return this.call(path, { method: 'GET', headers: this.headers, retry: READ_RETRY });
  }

  private post(path: string, body: MoneyMovementBody): Promise<unknown> {
    return this.call(path, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      retry: WRITE_RETRY,
    });
  }

  private call(path: string, options: PspRequestOptions): Promise<unknown> {
    return pspRequest(this.fetch, `${this.base}${path}`, options);
  }
}
