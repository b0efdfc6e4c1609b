// The only module that speaks HTTP to the integration service: the Generic contract's six endpoints.
import { pspRequest, type PspRequestOptions } from '../sdk/http.js';
import { UpstreamError } from '../sdk/errors.js';
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
