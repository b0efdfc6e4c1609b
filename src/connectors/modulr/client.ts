// The only place that speaks HTTP to Modulr: signed requests over the engine's fetch, exact decimals in answers, typed errors.
import { LosslessNumber, parse } from 'lossless-json';
import { stringifyJson } from '../../domain/json.js';
import type { Clock, PspFetch } from '../sdk/context.js';
import { AuthenticationError, isRetryable, UpstreamError } from '../sdk/errors.js';
import { errorFromAnswer, malformedJsonError } from '../sdk/http-errors.js';
import { pspExchange } from '../sdk/http.js';
import { backoffDelay, retryAfterOf } from '../sdk/retry.js';
import { type SigningKey, signedHeaders } from './signing.js';

export type Query = Record<string, string | number | readonly string[] | undefined>;

const TIMEOUT_MS = 30_000;
/** Reads are repeated on transient failures, each time with a fresh nonce. */
const READ_ATTEMPTS = 2;
/** A write is repeated within one call on transient failures, with its nonce and x-mod-retry: true. */
const WRITE_ATTEMPTS = 2;
const BACKOFF = { baseMs: 100, capMs: 2_000 };
/** How many sent nonces a client remembers, to mark their repeats as retries. */
const SENT_NONCES_KEPT = 10_000;
/** Retry-After longer than this is left to the schedule, not waited out here. */
const MAX_RETRY_AFTER_MS = 10_000;

/**
 * Modulr's answers with every number kept as its literal text (LosslessNumber): amounts such as
 * `1234.56` are JSON numbers, and a double cannot hold every one exactly.
 */
export function parseModulrJson(text: string): unknown {
  return parse(text);
}

/** Modulr's refusal of a nonce it has seen, for a request not marked as a retry (its docs' wording). */
const NONCE_SEEN = /nonce/i;

export class ModulrClient {
  /** Nonces of writes this instance has sent: sending one again is a retry (x-mod-retry: true). */
  private readonly sentNonces = new Set<string>();

  constructor(
    private readonly fetch: PspFetch,
    private readonly endpoint: string,
    private readonly key: SigningKey,
    private readonly clock: Clock,
  ) {}

  private url(path: string, query: Query = {}): string {
    const base = this.endpoint.endsWith('/') ? this.endpoint : `${this.endpoint}/`;
    const url = new URL(path.replace(/^\//, ''), base);
    for (const [name, value] of Object.entries(query)) {
      for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
        url.searchParams.append(name, String(one));
      }
    }
    return url.toString();
  }

  /** A read: signed with a fresh nonce on every attempt. */
  async get(path: string, query: Query = {}): Promise<unknown> {
    const url = this.url(path, query);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(url, 'GET', signedHeaders(this.key, { at: this.clock.now() }));
      } catch (error) {
        await this.backOff(error, attempt, READ_ATTEMPTS);
      }
    }
  }

  /**
   * A write Modulr de-duplicates by nonce: `nonce` comes from the engine's idempotency key, so every
   * send of one attempt carries the same one. The first send says x-mod-retry: false; any later send
   * (a transient failure here, or the engine asking again after an unknown outcome) says true, and
   * Modulr answers with the first request's outcome instead of paying twice. A connector restarted
   * since the first send does not know it was sent: Modulr refuses the reused nonce with a 403, and
   * the request is sent again as a retry.
   */
  async post(path: string, body: unknown, nonce: string): Promise<unknown> {
    const url = this.url(path);
    const text = stringifyJson(body);
    for (let attempt = 0; ; attempt++) {
      const retry = this.sentNonces.has(nonce);
      this.remember(nonce);
      const headers = {
        ...signedHeaders(this.key, { at: this.clock.now(), nonce, retry }),
        'content-type': 'application/json',
      };
      try {
        return await this.once(url, 'POST', headers, text);
      } catch (error) {
        if (error instanceof AuthenticationError && error.status === 403 && NONCE_SEEN.test(error.message)) {
          // Sent as new, but Modulr has seen the nonce: say it is a retry, and get the first outcome.
          if (!retry) continue;
          // Seen, marked as a retry, and still refused: Modulr is still working on the first request.
          // Whether money moves is not known yet, so it is no refusal (the engine asks again later).
          throw new UpstreamError(
            `Modulr has not finished the earlier request with this nonce (${error.message}): outcome unknown`,
            403,
          );
        }
        await this.backOff(error, attempt, WRITE_ATTEMPTS);
      }
    }
  }

  /** Notes a sent nonce, forgetting the oldest beyond a bound (a forgotten one costs one 403 and a resend). */
  private remember(nonce: string): void {
    this.sentNonces.delete(nonce);
    this.sentNonces.add(nonce);
    if (this.sentNonces.size > SENT_NONCES_KEPT) {
      const oldest = this.sentNonces.values().next().value;
      if (oldest !== undefined) this.sentNonces.delete(oldest);
    }
  }

  private async backOff(error: unknown, attempt: number, attempts: number): Promise<void> {
    if (attempt + 1 >= attempts || !isRetryable(error)) throw error;
    const retryAfterMs = retryAfterOf(error);
    if ((retryAfterMs ?? 0) > MAX_RETRY_AFTER_MS) throw error;
    await new Promise((resolve) => setTimeout(resolve, backoffDelay(BACKOFF, attempt, { retryAfterMs })));
  }

  private async once(
    url: string,
    method: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<unknown> {
    const answer = await pspExchange(this.fetch, url, {
      method,
      headers: { accept: 'application/json', ...headers },
      ...(body === undefined ? {} : { body }),
      timeoutMs: TIMEOUT_MS,
    });
    const refusal = errorFromAnswer(answer);
    if (refusal) throw refusal;
    const { body: text, host } = answer;
    if (text.trim() === '') return undefined;
    try {
      return parseModulrJson(text);
    } catch {
      throw malformedJsonError(answer.status, host);
    }
  }
}

/** A decimal amount as Modulr's JSON carries it: a number literal, written exactly. */
export function decimalLiteral(text: string): LosslessNumber {
  return new LosslessNumber(text);
}
