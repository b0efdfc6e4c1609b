// The only place that speaks HTTP to Wise: every call goes through the kit's pspRequest over the engine's fetch.
import { stringifyJson } from '../../domain/json.js';
import type { PspFetch } from '../sdk/context.js';
import { pspRequest } from '../sdk/http.js';

export type Query = Record<string, string | number | undefined>;

/** Reads are safe to repeat; writes are repeated only by the engine, with the same idempotency key. */
const READ_RETRY = { attempts: 2 } as const;

export class WiseClient {
  constructor(
    private readonly fetch: PspFetch,
    private readonly endpoint: string,
    private readonly apiKey: string,
  ) {}

  private url(path: string, query: Query = {}): string {
    const url = new URL(path, this.endpoint.endsWith('/') ? this.endpoint : `${this.endpoint}/`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}`, accept: 'application/json', ...extra };
  }

  get(path: string, query: Query = {}): Promise<unknown> {
    return pspRequest(this.fetch, this.url(path.replace(/^\//, ''), query), {
      method: 'GET',
      headers: this.headers(),
      retry: READ_RETRY,
    });
  }

  /** A write. `correlationId` travels as X-External-Correlation-Id, which Wise echoes, for tracing. */
  send(
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    correlationId?: string,
  ): Promise<unknown> {
    return pspRequest(this.fetch, this.url(path.replace(/^\//, '')), {
      method,
      headers: this.headers({
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(correlationId ? { 'x-external-correlation-id': correlationId } : {}),
      }),
      ...(body === undefined ? {} : { body: stringifyJson(body) }),
    });
  }
}
