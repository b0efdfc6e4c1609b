// The only place that speaks HTTP to Column: Basic auth (empty user, the key as password) through the kit's pspRequest.
import { stringifyJson } from '../../domain/json.js';
import type { PspFetch } from '../sdk/context.js';
import { pspRequest } from '../sdk/http.js';

export type Query = Record<string, string | number | undefined>;

/** Reads are safe to repeat; writes are repeated only with the same Idempotency-Key (by the engine). */
const READ_RETRY = { attempts: 2 } as const;

export class ColumnClient {
  private readonly authorization: string;

  constructor(
    private readonly fetch: PspFetch,
    private readonly endpoint: string,
    apiKey: string,
  ) {
    // Column documents `curl -u :<API KEY>`: an empty user name and the key as the password.
    this.authorization = `Basic ${Buffer.from(`:${apiKey}`).toString('base64')}`;
  }

  private url(path: string, query: Query = {}): string {
    const base = this.endpoint.endsWith('/') ? this.endpoint : `${this.endpoint}/`;
    const url = new URL(path.replace(/^\//, ''), base);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  get(path: string, query: Query = {}): Promise<unknown> {
    return pspRequest(this.fetch, this.url(path, query), {
      method: 'GET',
      headers: { authorization: this.authorization, accept: 'application/json' },
      retry: READ_RETRY,
    });
  }

  /** A write; `idempotencyKey` travels as Column's Idempotency-Key header. */
  send(method: 'POST' | 'DELETE', path: string, body?: unknown, idempotencyKey?: string): Promise<unknown> {
    return pspRequest(this.fetch, this.url(path), {
      method,
      headers: {
        authorization: this.authorization,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      ...(body === undefined ? {} : { body: stringifyJson(body) }),
    });
  }
}
