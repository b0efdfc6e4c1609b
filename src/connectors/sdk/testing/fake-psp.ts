// A fake PSP for connector tests: a real HTTP(S) server on 127.0.0.1 with a route table, request recording, idempotent writes and fault injection.
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parseJson, stringifyJson } from '../../../domain/json.js';
import type { PspFetch } from '../context.js';
import { generateCertificates, type TestCertificates } from './certificates.js';

/** One request the fake PSP received, as it arrived. */
export interface FakeRequest {
  method: string;
  /** The request target as sent (path and query, undecoded). */
  target: string;
  /** The path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** Path parameters of the route that matched (`/accounts/:id` → `{ id }`). */
  params: Record<string, string>;
  /** The client certificate's subject CN, under mTLS. */
  clientCertificate?: string;
  text(): string;
  /** The body as JSON (bigint-exact); throws when it is not JSON. */
  json(): unknown;
  /** The body as an `application/x-www-form-urlencoded` form. */
  form(): URLSearchParams;
}

export interface FakeResponse {
  status?: number;
  headers?: Record<string, string>;
  /** Serialised with the repository's exact JSON (bigints stay integers). */
  json?: unknown;
  /** Sent as is (wins over `json`). */
  body?: string | Buffer;
}

export type FakeHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

/**
 * What a route answers: a handler, a fixture file (`{ fixture: path }`), a JSON value, or a raw Node
 * handler (`{ raw }`, which writes the response itself, whenever it likes; the body is already read).
 */
export type RouteAnswer =
  | FakeHandler
  | { fixture: string; status?: number }
  | { json: unknown; status?: number }
  | { raw: (req: IncomingMessage, res: ServerResponse) => void };

/** A fault the server injects instead of answering. */
export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'hang' }
  | { kind: 'malformed-json' }
  | { kind: 'reset' };

export interface FaultScope {
  method?: string;
  /** A route pattern (`/accounts/:id`, `*` for any rest); any path when left out. */
  path?: string;
  /** How many matching requests get the fault; every one when left out. */
  times?: number;
}

/** Where a write's idempotency key travels. */
export type IdempotencyKeyLocation = { header: string } | { bodyField: string };

/** A write the fake PSP performed (the first request with its key); repeats replay its answer. */
export interface FakeMovement {
  route: string;
  key: string;
  request: FakeRequest;
  answer: FakeResponse;
}

export interface FakePspOptions {
  /** `tls`: HTTPS with a throwaway CA; `mtls`: HTTPS that also requires a client certificate from that CA. */
  tls?: 'tls' | 'mtls';
}

interface Route {
  method: string;
  pattern: string;
  match: (path: string) => Record<string, string> | undefined;
  answer: RouteAnswer;
}

interface ArmedFault {
  fault: Fault;
  method?: string;
  match?: (path: string) => Record<string, string> | undefined;
  remaining: number;
}

/** Compiles `/v1/accounts/:id/balances` (and a trailing `*`) into a matcher returning the parameters. */
export function routePattern(pattern: string): (path: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const source = pattern
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) {
        names.push(segment.slice(1));
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  const regex = new RegExp(`^${source}/?$`);
  return (path) => {
    const found = regex.exec(path);
    if (!found) return undefined;
    return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1] ?? '')]));
  };
}

/**
 * A connector's fake PSP loaded with its fixtures, as its folder's `fake.ts` exports it (`startFake()`)
 * for the shared install tests (console form, CLI).
 */
export interface RunningFake {
  psp: FakePsp;
  /** The install config as a user types it in the console form: every value a string. */
  config: Record<string, string>;
  /** At least this many accounts and payments land once the connector has run. */
  expected: { accounts: number; payments: number };
  close(): Promise<void>;
}

export class FakePsp {
  /** Every request, in arrival order (faulted ones included). */
  readonly requests: FakeRequest[] = [];
  /** Writes performed through `write` routes, one per idempotency key. */
  readonly movements: FakeMovement[] = [];
  private readonly routes: Route[] = [];
  private faults: ArmedFault[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    /** The CA, server and client certificates (PEM) when the server speaks TLS. */
    readonly certificates: TestCertificates | undefined,
    /** A fetch that reaches this server: the global one, or one trusting its CA (and presenting the client certificate under mTLS). */
    readonly fetch: PspFetch,
  ) {}

  static async start(options: FakePspOptions = {}): Promise<FakePsp> {
    // The server exists before the FakePsp that handles its requests (which needs its port).
    const holder: { psp?: FakePsp } = {};
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      if (holder.psp) void holder.psp.handle(req, res);
    };
    const certificates = options.tls ? await generateCertificates() : undefined;
    const server = certificates
      ? createHttpsServer(
          {
            key: certificates.server.key,
            cert: certificates.server.cert,
            ca: certificates.ca.cert,
            requestCert: options.tls === 'mtls',
            rejectUnauthorized: options.tls === 'mtls',
          },
          listener,
        )
      : createHttpServer(listener);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const url = `${certificates ? 'https' : 'http'}://127.0.0.1:${port}`;
    const fetcher: PspFetch = certificates
      ? tlsFetch({
          ca: certificates.ca.cert,
          ...(options.tls === 'mtls' ? { cert: certificates.client.cert, key: certificates.client.key } : {}),
        })
      : (input, init) => fetch(input, init);
    holder.psp = new FakePsp(server, url, certificates, fetcher);
    return holder.psp;
  }

  /** Adds a route; later routes win over earlier ones for the same request, so a test can override a default. */
  route(method: string, pattern: string, answer: RouteAnswer): this {
    this.routes.unshift({ method: method.toUpperCase(), pattern, match: routePattern(pattern), answer });
    return this;
  }

  /**
   * An idempotent write route, as a PSP that honours idempotency keys behaves: the first request with a
   * key runs `respond` and is recorded in `movements`; a repeat gets the same answer and moves nothing.
   * A request without a key is refused with 400.
   */
  write(method: string, pattern: string, key: IdempotencyKeyLocation, respond: FakeHandler): this {
    const route = `${method.toUpperCase()} ${pattern}`;
    return this.route(method, pattern, async (request) => {
      const value = idempotencyKeyOf(request, key);
      if (!value) return { status: 400, json: { error: 'an idempotency key is required' } };
      const earlier = this.movements.find((movement) => movement.route === route && movement.key === value);
      if (earlier) return earlier.answer;
      const answer = await respond(request);
      if ((answer.status ?? 200) < 300) this.movements.push({ route, key: value, request, answer });
      return answer;
    });
  }

  /** Injects a fault into matching requests, before any route runs. */
  fail(fault: Fault, scope: FaultScope = {}): this {
    this.faults.push({
      fault,
      ...(scope.method ? { method: scope.method.toUpperCase() } : {}),
      ...(scope.path ? { match: routePattern(scope.path) } : {}),
      remaining: scope.times ?? Number.POSITIVE_INFINITY,
    });
    return this;
  }

  /** Removes every armed fault. */
  clearFaults(): void {
    this.faults = [];
  }

  /** The recorded requests matching a method and a route pattern. */
  requestsTo(method: string, pattern: string): FakeRequest[] {
    const match = routePattern(pattern);
    return this.requests.filter(
      (request) => request.method === method.toUpperCase() && match(request.path) !== undefined,
    );
  }

  /** Requests that may change something at the PSP (anything but GET, HEAD and OPTIONS). */
  writes(): FakeRequest[] {
    return this.requests.filter((request) => !['GET', 'HEAD', 'OPTIONS'].includes(request.method));
  }

  /**
   * Checks the requests to `method pattern`: at least one was made, and every one carries the headers
   * (exact values, or a RegExp) and the JSON or form body fields given. Throws an Error naming what differs.
   */
  assertRequests(
    method: string,
    pattern: string,
    expected: {
      headers?: Record<string, string | RegExp>;
      idempotencyKey?: { location: IdempotencyKeyLocation; value?: string };
      jsonBody?: Record<string, unknown>;
      formBody?: Record<string, string>;
    },
  ): FakeRequest[] {
    const requests = this.requestsTo(method, pattern);
    if (requests.length === 0) throw new Error(`the fake PSP received no ${method} ${pattern}`);
    for (const request of requests) {
      const where = `${request.method} ${request.path}`;
      for (const [name, value] of Object.entries(expected.headers ?? {})) {
        const actual = request.headers[name.toLowerCase()];
        const ok = value instanceof RegExp ? actual !== undefined && value.test(actual) : actual === value;
        if (!ok) throw new Error(`${where}: header ${name} is ${String(actual)}, expected ${String(value)}`);
      }
      if (expected.idempotencyKey) {
        const key = idempotencyKeyOf(request, expected.idempotencyKey.location);
        if (!key)
          throw new Error(
            `${where}: no idempotency key (${describeLocation(expected.idempotencyKey.location)})`,
          );
        if (expected.idempotencyKey.value !== undefined && key !== expected.idempotencyKey.value) {
          throw new Error(`${where}: idempotency key is ${key}, expected ${expected.idempotencyKey.value}`);
        }
      }
      if (expected.jsonBody) {
        const body = request.json() as Record<string, unknown>;
        for (const [field, value] of Object.entries(expected.jsonBody)) {
          if (stringifyJson(body?.[field]) !== stringifyJson(value)) {
            throw new Error(
              `${where}: body field ${field} is ${stringifyJson(body?.[field])}, expected ${stringifyJson(value)}`,
            );
          }
        }
      }
      if (expected.formBody) {
        const form = request.form();
        for (const [field, value] of Object.entries(expected.formBody)) {
          if (form.get(field) !== value)
            throw new Error(`${where}: form field ${field} is ${String(form.get(field))}, expected ${value}`);
        }
      }
    }
    return requests;
  }

  /** Forgets the recorded requests and movements (routes and faults stay). */
  clearRecords(): void {
    this.requests.length = 0;
    this.movements.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return;
    }
    const request = recorded(req, Buffer.concat(chunks));
    this.requests.push(request);

    const fault = this.faults.find(
      (armed) =>
        armed.remaining > 0 &&
        (armed.method === undefined || armed.method === request.method) &&
        (armed.match === undefined || armed.match(request.path) !== undefined),
    );
    if (fault) {
      fault.remaining -= 1;
      return inject(fault.fault, req, res);
    }
    for (const route of this.routes) {
      if (route.method !== request.method && route.method !== '*') continue;
      const params = route.match(request.path);
      if (!params) continue;
      request.params = params;
      const answer = route.answer;
      if (typeof answer === 'object' && 'raw' in answer) return answer.raw(req, res);
      try {
        send(res, await answerOf(answer, request));
      } catch (error) {
        send(res, { status: 500, json: { error: `fake PSP handler failed: ${String(error)}` } });
      }
      return;
    }
    send(res, { status: 404, json: { error: `no route for ${request.method} ${request.path}` } });
  }
}

/** The idempotency key a request carries at `location`, or undefined. */
export function idempotencyKeyOf(request: FakeRequest, location: IdempotencyKeyLocation): string | undefined {
  if ('header' in location) return request.headers[location.header.toLowerCase()] || undefined;
  const type = request.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded'))
    return request.form().get(location.bodyField) ?? undefined;
  try {
    const body = request.json();
    const value =
      typeof body === 'object' && body !== null
        ? (body as Record<string, unknown>)[location.bodyField]
        : undefined;
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function describeLocation(location: IdempotencyKeyLocation): string {
  return 'header' in location ? `header ${location.header}` : `body field ${location.bodyField}`;
}

function recorded(req: IncomingMessage, body: Buffer): FakeRequest {
  const url = new URL(req.url ?? '/', 'http://fake-psp');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const socket = req.socket as Partial<TLSSocket>;
  const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  const cn = peer?.subject?.CN;
  return {
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    path: url.pathname,
    query: url.searchParams,
    headers,
    body,
    params: {},
    ...(typeof cn === 'string' ? { clientCertificate: cn } : {}),
    text: () => body.toString('utf8'),
    json: () => parseJson(body.toString('utf8')),
    form: () => new URLSearchParams(body.toString('utf8')),
  };
}

async function answerOf(
  answer: Exclude<RouteAnswer, { raw: unknown }>,
  request: FakeRequest,
): Promise<FakeResponse> {
  if (typeof answer === 'function') return answer(request);
  if ('fixture' in answer) {
    return {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json' },
      body: await readFile(answer.fixture),
    };
  }
  return { status: answer.status ?? 200, json: answer.json };
}

function send(res: ServerResponse, answer: FakeResponse): void {
  const headers = { ...(answer.headers ?? {}) };
  let body: string | Buffer = '';
  if (answer.body !== undefined) body = answer.body;
  else if (answer.json !== undefined) {
    body = stringifyJson(answer.json);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(answer.status ?? 200, headers).end(body);
}

function inject(fault: Fault, req: IncomingMessage, res: ServerResponse): void {
  switch (fault.kind) {
    case 'status':
      send(res, {
        status: fault.status,
        headers: { 'content-type': 'application/json', ...(fault.headers ?? {}) },
        body: fault.body ?? JSON.stringify({ error: `injected ${fault.status}` }),
      });
      return;
    case 'malformed-json':
      send(res, {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"data": [{"id": "tru',
      });
      return;
    case 'reset':
      req.socket.resetAndDestroy();
      return;
    case 'hang':
      // Nothing is ever sent: the client's deadline has to end the exchange (stop() closes the socket).
      return;
  }
}

/** A fetch over node:https that trusts `ca` (and presents a client certificate), for the TLS fake PSP. */
function tlsFetch(tls: { ca: string; cert?: string; key?: string }): PspFetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(String(input));
      const headers = new Headers(init.headers);
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const request = httpsRequest(
        url,
        { method: init.method ?? 'GET', headers: Object.fromEntries(headers.entries()), ...tls, signal },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const answerHeaders = new Headers();
            for (const [name, value] of Object.entries(response.headers)) {
              if (typeof value === 'string') answerHeaders.set(name, value);
              else if (Array.isArray(value)) for (const item of value) answerHeaders.append(name, item);
            }
            const status = response.statusCode ?? 500;
            const empty = status === 204 || status === 304;
            resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: answerHeaders }));
          });
        },
      );
      request.on('error', (error) =>
        reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error })),
      );
      if (init.body !== undefined && init.body !== null) request.write(init.body as string | Buffer);
      request.end();
    });
}
