// Records a connector's PSP exchanges as readable, redacted fixture files, and serves them back.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isLosslessNumber, parse, stringify } from 'lossless-json';
import type { PspFetch } from '../context.js';

export const REDACTED = '[REDACTED]';

/** One request and its answer, as a fixture file holds it. */
export interface Exchange {
  method: string;
  url: string;
  request: { headers: Record<string, string> } & Body;
  response: { status: number; headers: Record<string, string> } & Body;
}

/** A JSON body as JSON (numbers exact), any other as text; neither when empty. */
export interface Body {
  body?: unknown;
  text?: string;
}

/** Headers that carry credentials whatever their value. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'apikey',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
]);
/** Header, query and body field names that hold credentials (OAuth answers, signed requests, …). */
const SECRET_WORDS = [
  'token',
  'secret',
  'password',
  'passphrase',
  'apikey',
  'authorization',
  'signature',
  'credential',
  'cookie',
  'session',
];

export function isSecretName(name: string): boolean {
  const squashed = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_WORDS.some((word) => squashed.includes(word));
}

const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
/** Stored decoded, so these would describe the wire, not the file. */
const DROPPED_HEADERS = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'connection']);

/**
 * Removes credentials from everything an exchange holds: the headers named above and any whose name
 * says token or secret, fields and query parameters so named (`access_token`, `client_secret`, …),
 * bearer and basic credentials in text, and every configured secret value wherever it appears.
 */
export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: readonly string[]) {
    // Longest first, so a secret that contains another is removed whole; also as a URL would carry it.
    const forms = secrets
      .filter((s) => s.length > 0)
      .flatMap((s) => [s, encodeURIComponent(s), Buffer.from(s).toString('base64')]);
    this.secrets = [...new Set(forms)].sort((a, b) => b.length - a.length);
  }

  text(value: string): string {
    let out = value.replace(BEARER, (_match, scheme: string) => `${scheme} ${REDACTED}`);
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return out;
  }

  url(value: string): string {
    const url = new URL(value);
    for (const key of [...url.searchParams.keys()]) {
      if (isSecretName(key)) url.searchParams.set(key, REDACTED);
    }
    // URLSearchParams encodes the brackets; the file is for people, so they stay readable.
    return this.text(url.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED));
  }

  headers(headers: Headers): Record<string, string> {
    const out: Record<string, string> = {};
    headers.forEach((value, name) => {
      const key = name.toLowerCase();
      if (DROPPED_HEADERS.has(key)) return;
      out[key] = SECRET_HEADERS.has(key) || isSecretName(key) ? REDACTED : this.text(value);
    });
    return out;
  }

  /** A JSON value: secret-named fields are replaced, strings are cleaned; numbers keep their exact text. */
  json(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.json(v));
    if (value !== null && typeof value === 'object' && !isLosslessNumber(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          this.text(k),
          isSecretName(k) && v !== null && typeof v !== 'object' ? REDACTED : this.json(v),
        ]),
      );
    }
    return value;
  }

  /**
   * A body as the file shows it: JSON as JSON (exact numbers), a form as a form with secret-named
   * fields replaced, anything else as cleaned text. Empty bodies are left out.
   */
  body(text: string, contentType: string | null): Body {
    if (text === '') return {};
    try {
      return { body: this.json(parse(text)) };
    } catch {
      // Not JSON: a form or plain text.
    }
    if (contentType?.includes('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(text);
      for (const key of [...form.keys()]) if (isSecretName(key)) form.set(key, REDACTED);
      return { text: this.text(form.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED)) };
    }
    return { text: this.text(text) };
  }
}

function requestBodyText(body: RequestInit['body']): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return Buffer.from(body).toString('utf8');
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString();
  return `<${Object.prototype.toString.call(body).slice(8, -1)} body>`;
}

function fileName(index: number, method: string, url: string): string {
  const slug = new URL(url).pathname
    .split('/')
    .filter(Boolean)
    .join('-')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .slice(0, 60);
  return `${String(index).padStart(4, '0')}-${method.toLowerCase()}${slug ? `-${slug}` : ''}.json`;
}

/** Statuses whose Response may not have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * A fetch that calls `inner` and writes each exchange to `dir` (created if need be), one numbered JSON
 * file per exchange in the order they happened, redacted by `redactor`. The connector gets the answer
 * unchanged.
 */
export function recordingFetch(inner: PspFetch, dir: string, redactor: Redactor): PspFetch {
  let count = 0;
  let ready: Promise<unknown> | undefined;
  return async (input, init = {}) => {
    ready ??= mkdir(dir, { recursive: true });
    await ready;
    const request = new Request(input, init);
    const response = await inner(input, init);
    const text = await response.text();
    count += 1;
    const exchange: Exchange = {
      method: request.method,
      url: redactor.url(request.url),
      request: {
        headers: redactor.headers(request.headers),
        ...redactor.body(requestBodyText(init.body), request.headers.get('content-type')),
      },
      response: {
        status: response.status,
        headers: redactor.headers(response.headers),
        ...redactor.body(text, response.headers.get('content-type')),
      },
    };
    await writeFile(
      join(dir, fileName(count, request.method, request.url)),
      `${stringify(exchange, undefined, 2)}\n`,
    );
    return new Response(NULL_BODY.has(response.status) ? null : text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** A request `--replay` has no recorded exchange left for. */
export class ReplayMissError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    dir: string,
  ) {
    super(`no recorded exchange left in ${dir} for ${method} ${url}`);
    this.name = 'ReplayMissError';
  }
}

/** A URL's path and query as replay matches them (the host is whatever the recording was pointed at). */
function matchKey(method: string, url: string): string {
  const parsed = new URL(url);
  return `${method.toUpperCase()} ${parsed.pathname}${parsed.search}`;
}

export interface Replay {
  fetch: PspFetch;
  /** Requests that found no recorded exchange, in order. */
  misses: ReplayMissError[];
  /** Recorded exchanges not served (yet). */
  unused(): Exchange[];
}

/** Reads a directory of fixture files written by `recordingFetch`, in order. */
export async function readExchanges(dir: string): Promise<Exchange[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(
    names.map(async (name) => parse(await readFile(join(dir, name), 'utf8')) as unknown as Exchange),
  );
}

/**
 * A fetch that answers from recorded exchanges: the first unused one with the same method, path and
 * query (so repeated requests get their answers in the order they were recorded). The live request's
 * URL is redacted as the recording was, so a secret in a query still matches. A request with no
 * exchange left fails, naming it.
 */
export async function replayingFetch(dir: string, redactor: Redactor): Promise<Replay> {
  const exchanges = await readExchanges(dir);
  const used = new Set<number>();
  const misses: ReplayMissError[] = [];
  const fetch: PspFetch = async (input, init = {}) => {
    const request = new Request(input, init);
    const key = matchKey(request.method, redactor.url(request.url));
    const index = exchanges.findIndex((e, i) => !used.has(i) && matchKey(e.method, e.url) === key);
    const exchange = exchanges[index];
    if (!exchange) {
      const miss = new ReplayMissError(request.method, key.slice(key.indexOf(' ') + 1), dir);
      misses.push(miss);
      throw miss;
    }
    used.add(index);
    const { body, text, status, headers } = exchange.response;
    const served = body === undefined ? (text ?? '') : (stringify(body) ?? '');
    return new Response(NULL_BODY.has(status) ? null : served, { status, headers });
  };
  return { fetch, misses, unused: () => exchanges.filter((_e, i) => !used.has(i)) };
}
