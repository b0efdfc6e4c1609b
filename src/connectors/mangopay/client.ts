// The only place that speaks HTTP to Mangopay: the official SDK (mangopay2-nodejs-sdk), its axios calls carried by the connector's fetch.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseJson } from '../../domain/json.js';
import type { PspFetch } from '../sdk/context.js';
import { ConnectorError, UpstreamError } from '../sdk/errors.js';
import { errorFromAnswer, errorFromTransport, malformedJsonError } from '../sdk/http-errors.js';
import { errorFromPspSdk } from '../sdk/sdk-errors.js';
import type { MangopayConfig } from './config.js';

/*
 * Three traps of the SDK, and what this module does about each:
 * 1. Every `new MangoPay(config)` sets the *global* `axios.defaults.baseURL`, and the SDK calls the
 *    global axios: two connectors with different endpoints in one process would send each other's
 *    requests (and bearer tokens) to the last endpoint configured. Here every request the SDK makes is
 *    carried by an axios adapter that routes it by a per-client header to that client's own endpoint
 *    and `context.fetch`; the global baseURL is never used.
 * 2. The SDK keeps its default headers (the bearer token) and the `clientId` path parameter on its
 *    prototype, shared by every instance: each client here gets its own copy right after construction.
 * 3. It rejects with the answer's body only (and crashes on an error without an answer, leaving its
 *    promise unsettled). The adapter never rejects without an answer, and hangs the typed error it
 *    derived from the exchange (status, Retry-After, Mangopay's message) on the body, where `call`
 *    finds it again. Its default error handler prints bodies to the console: replaced by a no-op.
 */

const require = createRequire(import.meta.url);
const sdkEntry = require.resolve('mangopay2-nodejs-sdk');
// The axios the SDK itself loads (a nested copy if it has one), so the adapter sits where its calls go.
const axios = createRequire(sdkEntry)('axios') as AxiosStatic;
const MangoPay = require('mangopay2-nodejs-sdk') as new (config: Record<string, unknown>) => SdkApi;

/** The header that names the client a request belongs to; stripped before anything is sent. */
const ROUTE_HEADER = 'x-paybridge-mangopay-route';
/** Where the adapter hangs the typed error on a failed answer's body. */
const TYPED_ERROR = Symbol('paybridge.mangopay.error');

export const API_VERSION = 'v2.01';

// ---- The slice of axios and of the SDK this module relies on. ----

interface AxiosRequest {
  url?: string;
  method?: string;
  headers?: { toJSON?: () => Record<string, unknown> } & Record<string, unknown>;
  params?: Record<string, unknown>;
  data?: unknown;
  signal?: AbortSignal;
}
interface AxiosAnswer {
  data: unknown;
  status: number;
  statusText: string;
  headers: Record<string, string>;
  config: AxiosRequest;
  request: unknown;
}
type AxiosAdapter = (config: AxiosRequest) => Promise<AxiosAnswer>;
interface AxiosStatic {
  defaults: { adapter?: unknown; baseURL?: string };
  getAdapter(adapters: unknown): AxiosAdapter;
  AxiosError: new (
    message: string,
    code: string,
    config: AxiosRequest,
    request: unknown,
    response: AxiosAnswer,
  ) => Error;
}

/** Per-call options of the SDK: query parameters, extra headers, and the full answer instead of the body. */
interface CallOptions {
  parameters?: Record<string, string | number>;
  headers?: Record<string, string>;
  resolveWithFullResponse: true;
}
type SdkCall = Promise<{ data?: unknown; body?: unknown }>;
interface SdkApi {
  requestOptions: { path: Record<string, string>; headers: Record<string, string> };
  authorize(): Promise<unknown>;
  isExpired(): boolean;
  Users: {
    getAll(options: CallOptions): SdkCall;
    getWallets(userId: string, options: CallOptions): SdkCall;
    getBankAccounts(userId: string, options: CallOptions): SdkCall;
    createBankAccount(userId: string, account: Record<string, unknown>, options: CallOptions): SdkCall;
  };
  Wallets: {
    get(walletId: string, options: CallOptions): SdkCall;
    getTransactions(walletId: string, options: CallOptions): SdkCall;
  };
  Transfers: {
    create(transfer: Record<string, unknown>, options: CallOptions): SdkCall;
    createRefund(transferId: string, refund: Record<string, unknown>, options: CallOptions): SdkCall;
    get(id: string, options: CallOptions): SdkCall;
  };
  PayOuts: {
    create(payout: Record<string, unknown>, options: CallOptions): SdkCall;
    get(id: string, options: CallOptions): SdkCall;
  };
  PayIns: { get(id: string, options: CallOptions): SdkCall };
  Refunds: { get(id: string, options: CallOptions): SdkCall };
  Hooks: {
    create(hook: Record<string, unknown>, options: CallOptions): SdkCall;
    update(hook: Record<string, unknown>, options: CallOptions): SdkCall;
    getAll(options: CallOptions): SdkCall;
  };
}

// ---- The adapter: every SDK request through the owning client's fetch. ----

interface Route {
  endpoint: string;
  fetch: PspFetch;
}

const routes = new Map<string, WeakRef<Route>>();
const forgetRoute = new FinalizationRegistry<string>((id) => routes.delete(id));
let adapterInstalled = false;

function installAdapter(): void {
  if (adapterInstalled) return;
  adapterInstalled = true;
  const fallback = axios.defaults.adapter;
  // Requests without the route header are none of ours (another user of this axios): they go on as before.
  axios.defaults.adapter = (config: AxiosRequest) => {
    const id = headerOf(config, ROUTE_HEADER);
    if (id === undefined) return axios.getAdapter(fallback)(config);
    return carry(routes.get(id)?.deref(), config);
  };
}

function headerOf(config: AxiosRequest, name: string): string | undefined {
  const headers = config.headers?.toJSON ? config.headers.toJSON() : (config.headers ?? {});
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

function requestHeaders(config: AxiosRequest): Headers {
  const headers = new Headers();
  const plain = config.headers?.toJSON ? config.headers.toJSON() : (config.headers ?? {});
  for (const [name, value] of Object.entries(plain)) {
    if (name.toLowerCase() === ROUTE_HEADER) continue;
    if (typeof value === 'string' || typeof value === 'number') headers.set(name, String(value));
  }
  return headers;
}

function requestUrl(route: Route, config: AxiosRequest): URL {
  const path = config.url ?? '';
  // The SDK only builds paths (/v2.01/…); anything else would leave the configured endpoint.
  if (!path.startsWith('/')) throw new UpstreamError(`refusing a Mangopay SDK request to '${path}'`);
  const url = new URL(route.endpoint.replace(/\/+$/, '') + path);
  for (const [name, value] of Object.entries(config.params ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(item));
  }
  return url;
}

/** A failed exchange as axios reports one, always with an answer the SDK can read. */
function failure(config: AxiosRequest, error: ConnectorError, answer?: Partial<AxiosAnswer>): Error {
  const body =
    typeof answer?.data === 'object' && answer.data !== null ? (answer.data as object) : ({} as object);
  Object.defineProperty(body, TYPED_ERROR, { value: error, enumerable: false });
  const response: AxiosAnswer = {
    status: answer?.status ?? 0,
    statusText: '',
    headers: answer?.headers ?? {},
    config,
    request: {},
    data: body,
  };
  return new axios.AxiosError(error.message, 'ERR_BAD_RESPONSE', config, {}, response);
}

async function carry(route: Route | undefined, config: AxiosRequest): Promise<AxiosAnswer> {
  if (!route) throw failure(config, new UpstreamError('the Mangopay client of this request is gone'));
  let url: URL;
  try {
    url = requestUrl(route, config);
  } catch (error) {
    throw failure(config, errorFromPspSdk(error, { psp: 'Mangopay' }));
  }
  const host = `Mangopay (${url.host})`;
  const method = (config.method ?? 'get').toUpperCase();
  const body = typeof config.data === 'string' ? config.data : undefined;
  let response: Response;
  let text: string;
  try {
    response = await route.fetch(url, {
      method,
      headers: requestHeaders(config),
      ...(body !== undefined && method !== 'GET' ? { body } : {}),
      ...(config.signal ? { signal: config.signal } : {}),
    });
    text = await response.text();
  } catch (error) {
    // The engine's fetch refuses some calls itself (a host outside the allow list): that refusal stands.
    throw failure(config, error instanceof ConnectorError ? error : errorFromTransport(error, { host }));
  }
  const headers = Object.fromEntries(response.headers.entries());
  let data: unknown;
  try {
    data = text.trim() === '' ? undefined : parseJson(text);
  } catch {
    data = undefined;
    if (response.ok) throw failure(config, malformedJsonError(response.status, host));
  }
  const refusal = errorFromAnswer({ status: response.status, headers, body: text, host });
  if (refusal) throw failure(config, refusal, { status: response.status, headers, data });
  return { data, status: response.status, statusText: response.statusText, headers, config, request: {} };
}

/** The typed error behind anything the SDK rejected with. */
export function mangopayError(error: unknown): ConnectorError {
  for (const candidate of [error, (error as { data?: unknown })?.data, (error as { body?: unknown })?.body]) {
    if (typeof candidate === 'object' && candidate !== null && TYPED_ERROR in candidate) {
      return (candidate as { [TYPED_ERROR]: ConnectorError })[TYPED_ERROR];
    }
  }
  return errorFromPspSdk(error, { psp: 'Mangopay' });
}

// ---- The client. ----

export interface ListPage {
  page: number;
  perPage: number;
  /** Unix seconds; Mangopay keeps records created strictly after it (the connector filters again). */
  afterDate?: number;
}

function listParameters(page: ListPage): Record<string, string | number> {
  return {
    page: page.page,
    per_page: page.perPage,
    Sort: 'CreationDate:ASC',
    ...(page.afterDate !== undefined ? { AfterDate: page.afterDate } : {}),
  };
}

/** A resource a webhook hint can name, and the SDK call that reads it. */
export type ResourceKind = 'payin' | 'payout' | 'transfer' | 'refund';

export class MangopayClient {
  private readonly api: SdkApi;
  // Held here so the adapter's weak reference lives exactly as long as this client.
  private readonly route: Route;

  constructor(config: MangopayConfig, fetch: PspFetch) {
    installAdapter();
    const id = randomUUID();
    this.route = { endpoint: config.endpoint, fetch };
    routes.set(id, new WeakRef(this.route));
    forgetRoute.register(this, id);
    this.api = new MangoPay({
      clientId: config.clientID,
      clientApiKey: config.apiKey,
      baseUrl: config.endpoint,
      debugMode: false,
      errorHandler: () => undefined,
    });
    // Trap 2: an own copy of the defaults the SDK keeps on its prototype.
    this.api.requestOptions = {
      path: { clientId: config.clientID, apiVersion: API_VERSION },
      headers: { 'Content-Type': 'application/json', [ROUTE_HEADER]: id },
    };
  }

  /**
   * Gets the bearer token before the SDK would: the SDK fetches it lazily and then runs the request in a
   * callback of its own promise library, whose shared queue can run it in another operation's async
   * context, where the engine's outbound policy (kept in AsyncLocalStorage) would not be this call's.
   * Authorised first, the SDK's request starts synchronously, in this call's context.
   */
  private async authorised(): Promise<void> {
    const headers = this.api.requestOptions.headers;
    if (headers.Authorization && !this.api.isExpired()) return;
    try {
      await this.api.authorize();
    } catch (error) {
      throw mangopayError(error);
    }
  }

  private async call(run: (options: CallOptions) => SdkCall, headers?: Record<string, string>) {
    await this.authorised();
    try {
      const answer = await run({ resolveWithFullResponse: true, ...(headers ? { headers } : {}) });
      return answer.data;
    } catch (error) {
      throw mangopayError(error);
    }
  }

  private list(run: (options: CallOptions) => SdkCall, page: ListPage): Promise<unknown> {
    return this.call((options) => run({ ...options, parameters: listParameters(page) }));
  }

  users(page: ListPage): Promise<unknown> {
    return this.list((o) => this.api.Users.getAll(o), page);
  }
  wallets(userId: string, page: ListPage): Promise<unknown> {
    return this.list((o) => this.api.Users.getWallets(userId, o), page);
  }
  bankAccounts(userId: string, page: ListPage): Promise<unknown> {
    return this.list((o) => this.api.Users.getBankAccounts(userId, o), page);
  }
  transactions(walletId: string, page: ListPage): Promise<unknown> {
    return this.list((o) => this.api.Wallets.getTransactions(walletId, o), page);
  }
  /** A wallet's transfers, newest first: where a transfer made for an initiation is found again by its Tag. */
  transfersOf(walletId: string, page: number): Promise<unknown> {
    return this.call((o) =>
      this.api.Wallets.getTransactions(walletId, {
        ...o,
        parameters: { page, per_page: 100, Sort: 'CreationDate:DESC', Type: 'TRANSFER', Nature: 'REGULAR' },
      }),
    );
  }
  wallet(walletId: string): Promise<unknown> {
    return this.call((o) => this.api.Wallets.get(walletId, o));
  }

  resource(kind: ResourceKind, id: string): Promise<unknown> {
    switch (kind) {
      case 'payin':
        return this.call((o) => this.api.PayIns.get(id, o));
      case 'payout':
        return this.call((o) => this.api.PayOuts.get(id, o));
      case 'transfer':
        return this.call((o) => this.api.Transfers.get(id, o));
      case 'refund':
        return this.call((o) => this.api.Refunds.get(id, o));
    }
  }

  createTransfer(body: Record<string, unknown>, idempotencyKey: string): Promise<unknown> {
    return this.call((o) => this.api.Transfers.create(body, o), { 'Idempotency-Key': idempotencyKey });
  }
  /** Mangopay refunds a transfer in full: the body names only the author and a tag. */
  refundTransfer(
    transferId: string,
    body: Record<string, unknown>,
    idempotencyKey: string,
  ): Promise<unknown> {
    return this.call((o) => this.api.Transfers.createRefund(transferId, body, o), {
      'Idempotency-Key': idempotencyKey,
    });
  }
  createBankWirePayout(body: Record<string, unknown>, idempotencyKey: string): Promise<unknown> {
    return this.call((o) => this.api.PayOuts.create({ ...body, PaymentType: 'BANK_WIRE' }, o), {
      'Idempotency-Key': idempotencyKey,
    });
  }
  /** `body.Type` (IBAN, GB, US, CA, OTHER) picks the SDK's route (`/bankaccounts/iban`, …). */
  createBankAccount(userId: string, body: Record<string, unknown>, idempotencyKey: string): Promise<unknown> {
    return this.call((o) => this.api.Users.createBankAccount(userId, body, o), {
      'Idempotency-Key': idempotencyKey,
    });
  }

  hooks(page: ListPage): Promise<unknown> {
    return this.list((o) => this.api.Hooks.getAll(o), page);
  }
  createHook(eventType: string, url: string): Promise<unknown> {
    return this.call((o) => this.api.Hooks.create({ EventType: eventType, Url: url }, o));
  }
  updateHook(id: string, fields: { Url?: string; Status?: 'ENABLED' | 'DISABLED' }): Promise<unknown> {
    return this.call((o) => this.api.Hooks.update({ Id: id, ...fields }, o));
  }
}
