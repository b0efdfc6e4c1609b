// The console's API client: same-origin fetch with the signed-in token (a 401 asks for one and sends the
// request again), exact JSON (parseJson), the v3 error envelope as ApiError, cursor pages.
import { parseJson, stringifyJson } from '../../../src/domain/json.js';
import type {
  Account,
  Balance,
  BankAccount,
  ConnectorCounts,
  InitiationRequest,
  ConfigCatalog,
  Connector,
  Cursor,
  Payment,
  PaymentInitiation,
  PaymentInitiationAdjustment,
  Schedule,
  ScheduleRun,
  Task,
  WebhookDelivery,
} from './api-types.js';
import type { QueryExpression } from './filters.js';
import { segment } from './router.js';
import { currentToken, waitForSignIn } from './session.js';

/** The service answered with its error envelope `{errorCode, errorMessage}` (or an unexpected status). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** 403: the token is valid but lacks the scope the operation needs (`scope`, when the service names it). */
export class ForbiddenError extends ApiError {
  constructor(
    code: string,
    message: string,
    readonly scope: string | undefined,
  ) {
    super(403, code, message);
    this.name = 'ForbiddenError';
  }
}

/** The request never got an answer: the service is down, restarting, or the network is gone. */
export class UnreachableError extends Error {
  constructor(cause: unknown) {
    super(`the service did not answer (${cause instanceof Error ? cause.message : String(cause)})`);
    this.name = 'UnreachableError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a response body; a failed status becomes ApiError with the envelope's code and message. */
export async function readResponse(response: Response): Promise<unknown> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? parseJson(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const envelope = isRecord(body) && typeof body.errorCode === 'string' ? body : undefined;
    const code = envelope ? String(envelope.errorCode) : `HTTP_${response.status}`;
    const message = envelope
      ? String(envelope.errorMessage ?? '')
      : text.slice(0, 200) || response.statusText;
    if (response.status === 403) {
      // RFC 6750 §3: the challenge names the scope the token lacks.
      const scope = /\bscope="([^"]*)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1];
      throw new ForbiddenError(code, message, scope);
    }
    throw new ApiError(response.status, code, message);
  }
  return body;
}

async function call(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
  // A 401 is answered before the request does anything, so sending it again after a sign-in is safe,
  // for a write too; it loops only as long as the user keeps signing in with tokens the API refuses.
  for (;;) {
    const token = currentToken();
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        // stringifyJson writes bigints as bare integers, as the API reads amounts.
        body: body === undefined ? undefined : stringifyJson(body),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new UnreachableError(error);
    }
    if (response.status !== 401) return readResponse(response);
    const refusal = await readResponse(response).catch((error: unknown) => error);
    await waitForSignIn(token, refusal, refusal instanceof Error ? refusal.message : '', signal);
  }
}

function dataOf<T>(body: unknown): T {
  if (!isRecord(body) || !('data' in body))
    throw new ApiError(200, 'UNEXPECTED_BODY', 'no data in the answer');
  return body.data as T;
}

function cursorOf<T>(body: unknown): Cursor<T> {
  if (!isRecord(body) || !isRecord(body.cursor))
    throw new ApiError(200, 'UNEXPECTED_BODY', 'no cursor in the answer');
  return body.cursor as unknown as Cursor<T>;
}

export interface ListOptions {
  query?: QueryExpression;
  pageSize?: number;
  /** When set, the API ignores query and pageSize: the cursor carries them. */
  cursor?: string;
  params?: Record<string, string | undefined>;
}

/** The URL of a list page: a cursor alone, or the filter and page size. */
export function listUrl(path: string, options: ListOptions = {}): string {
  const search = new URLSearchParams();
  if (options.cursor) search.set('cursor', options.cursor);
  else {
    if (options.query) search.set('query', JSON.stringify(options.query));
    search.set('pageSize', String(options.pageSize ?? 25));
    for (const [key, value] of Object.entries(options.params ?? {})) if (value) search.set(key, value);
  }
  return `${path}?${search.toString()}`;
}

async function list<T>(path: string, options?: ListOptions, signal?: AbortSignal): Promise<Cursor<T>> {
  return cursorOf<T>(await call('GET', listUrl(path, options), undefined, signal));
}

/** Every item of a list, following its cursors (for lists a view must see whole, such as schedules). */
async function listAll<T>(path: string, options: ListOptions, signal?: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  let page = await list<T>(path, options, signal);
  items.push(...page.data);
  while (page.hasMore && page.next) {
    page = await list<T>(path, { cursor: page.next }, signal);
    items.push(...page.data);
  }
  return items;
}

async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  return dataOf<T>(await call('GET', path, undefined, signal));
}

const connectorPath = (id: string) => `/v3/connectors/${segment(id)}`;

export const api = {
  connectors: (options?: ListOptions, signal?: AbortSignal) =>
    list<Connector>('/v3/connectors', options, signal),
  connectorConfigs: (signal?: AbortSignal) => get<ConfigCatalog>('/v3/connectors/configs', signal),
  installConnector: async (provider: string, config: Record<string, unknown>) =>
    dataOf<string>(await call('POST', `/v3/connectors/install/${segment(provider)}`, config)),
  connectorConfig: (id: string, signal?: AbortSignal) =>
    get<Record<string, unknown>>(`${connectorPath(id)}/config`, signal),
  uninstallConnector: async (id: string) =>
    dataOf<{ taskID: string }>(await call('DELETE', connectorPath(id))).taskID,
  // Reset answers a bare task id, unlike uninstall (as Formance's SDK expects).
  resetConnector: async (id: string) => dataOf<string>(await call('POST', `${connectorPath(id)}/reset`)),
  task: (taskID: string, signal?: AbortSignal) => get<Task>(`/v3/tasks/${segment(taskID)}`, signal),
  // All of them: a connector has one per account, and its root schedules are the oldest (the last page).
  schedules: (id: string, signal?: AbortSignal) =>
    listAll<Schedule>(`${connectorPath(id)}/schedules`, { pageSize: 100 }, signal),
  scheduleRuns: (id: string, scheduleID: string, pageSize: number, signal?: AbortSignal) =>
    list<ScheduleRun>(
      `${connectorPath(id)}/schedules/${segment(scheduleID)}/instances`,
      { pageSize },
      signal,
    ),
  resumeSchedule: async (id: string, scheduleID: string) => {
    await call('POST', `${connectorPath(id)}/schedules/${segment(scheduleID)}/resume`);
  },
  webhooks: (id: string, options?: ListOptions, signal?: AbortSignal) =>
    list<WebhookDelivery>(`${connectorPath(id)}/webhooks`, options, signal),
  accounts: (options?: ListOptions, signal?: AbortSignal) => list<Account>('/v3/accounts', options, signal),
  account: (id: string, signal?: AbortSignal) => get<Account>(`/v3/accounts/${segment(id)}`, signal),
  balances: (id: string, signal?: AbortSignal) =>
    list<Balance>(`/v3/accounts/${segment(id)}/balances`, { pageSize: 100 }, signal),
  payments: (options?: ListOptions, signal?: AbortSignal) => list<Payment>('/v3/payments', options, signal),
  payment: (id: string, signal?: AbortSignal) => get<Payment>(`/v3/payments/${segment(id)}`, signal),
  initiations: (options?: ListOptions, signal?: AbortSignal) =>
    list<PaymentInitiation>('/v3/payment-initiations', options, signal),
  initiation: (id: string, signal?: AbortSignal) =>
    get<PaymentInitiation>(`/v3/payment-initiations/${segment(id)}`, signal),
  initiationAdjustments: (id: string, signal?: AbortSignal) =>
    list<PaymentInitiationAdjustment>(
      `/v3/payment-initiations/${segment(id)}/adjustments`,
      { pageSize: 100 },
      signal,
    ),
  initiationPayments: (id: string, signal?: AbortSignal) =>
    list<Payment>(`/v3/payment-initiations/${segment(id)}/payments`, { pageSize: 100 }, signal),
  approveInitiation: async (id: string) =>
    dataOf<{ taskID: string }>(await call('POST', `/v3/payment-initiations/${segment(id)}/approve`)).taskID,
  rejectInitiation: async (id: string) => {
    await call('POST', `/v3/payment-initiations/${segment(id)}/reject`);
  },
  /** `sendNow` skips the approval (noValidation): the initiation goes to the PSP at once. */
  createInitiation: async (request: InitiationRequest, { sendNow = false } = {}) =>
    dataOf<{ paymentInitiationID: string; taskID: string }>(
      await call('POST', `/v3/payment-initiations${sendNow ? '?noValidation=true' : ''}`, request),
    ),
  retryInitiation: async (id: string) =>
    dataOf<{ taskID: string }>(await call('POST', `/v3/payment-initiations/${segment(id)}/retry`)).taskID,
  reverseInitiation: async (
    id: string,
    request: { reference: string; amount: bigint; asset: string; description?: string },
  ) =>
    dataOf<{ paymentInitiationReversalID: string; taskID: string }>(
      await call('POST', `/v3/payment-initiations/${segment(id)}/reverse`, { ...request, metadata: {} }),
    ),
  updateConnectorConfig: async (id: string, config: Record<string, unknown>) => {
    await call('PATCH', `${connectorPath(id)}/config`, config);
  },
  bankAccounts: (signal?: AbortSignal) =>
    listAll<BankAccount>('/v3/bank-accounts', { pageSize: 100 }, signal),
  /** Creates the bank account at the connector's PSP as an external account (a task; its object is the account). */
  forwardBankAccount: async (id: string, connectorID: string) =>
    dataOf<{ taskID: string }>(
      await call('POST', `/v3/bank-accounts/${segment(id)}/forward`, { connectorID }),
    ).taskID,
  /**
   * What a connector holds (accounts, payments, initiations…), from the Paybridge extension route
   * `GET /v3/connectors/{id}/counts`: what an uninstall or a reset deletes. Undefined once the connector is gone.
   */
  connectorCounts: async (id: string, signal?: AbortSignal): Promise<ConnectorCounts | undefined> => {
    try {
      return dataOf<ConnectorCounts>(await call('GET', `${connectorPath(id)}/counts`, undefined, signal));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  },
};

/** Polls a task until it is no longer PROCESSING (uninstall, reset and approve run in the background). */
export async function followTask(
  taskID: string,
  onUpdate: (task: Task) => void,
  signal?: AbortSignal,
  intervalMs = 500,
): Promise<Task> {
  for (;;) {
    const task = await api.task(taskID, signal);
    onUpdate(task);
    if (task.status !== 'PROCESSING') return task;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    if (signal?.aborted) return task;
  }
}
