// The only module that talks to Increase: its official SDK, its HTTP through the engine's fetch, bodies parsed exactly, every error typed.
import Increase from 'increase';
import type { z } from 'zod';
import { parseJson } from '../../domain/json.js';
import type { PspFetch } from '../sdk/context.js';
import { ConnectorError, UpstreamError, UpstreamTimeoutError } from '../sdk/errors.js';
import { errorFromStatus, type AnswerHeaders } from '../sdk/http-errors.js';
import { errorFromPspSdk } from '../sdk/sdk-errors.js';
import type { IncreaseConfig } from './config.js';
import { listSchema } from './objects.js';

/** One page of an Increase list: newest first, `next_cursor` null on the last page. */
export interface IncreasePage {
  data: unknown[];
  next_cursor: string | null;
}

/** Where a list call stands: Increase's `limit`, `cursor` and `created_at.on_or_after` (inclusive). */
export interface ListParams {
  limit: number;
  cursor?: string;
  createdOnOrAfter?: string;
}

/** The lists the connector walks. */
export type ListKind =
  'accounts' | 'external_accounts' | 'transactions' | 'pending_transactions' | 'declined_transactions';

/** Objects an event can name, read back by id (webhook translation, write answers). */
export type ObjectKind =
  | 'account'
  | 'external_account'
  | 'transaction'
  | 'pending_transaction'
  | 'declined_transaction'
  | 'account_transfer'
  | 'ach_transfer'
  | 'wire_transfer'
  | 'real_time_payments_transfer';

/** The money rails a write can use, and the resource that creates a transfer on each. */
export type TransferKind =
  'account_transfer' | 'ach_transfer' | 'wire_transfer' | 'real_time_payments_transfer';

/** Anything the SDK hands back before it is parsed: the raw answer. */
interface RawAnswer {
  asResponse(): Promise<Response>;
}

/**
 * Builds the SDK on `fetch` (the engine's instrumented fetch: outbound policy, call budget, metrics,
 * capture) and the config's endpoint. It never retries by itself (the engine retries reads on its
 * schedule, and repeats writes with the same Idempotency-Key), never logs (logLevel 'off' wins over the
 * INCREASE_LOG environment variable, so no request, header or key is ever printed), and reads no
 * webhook secret from the environment.
 */
export function increaseSdk(config: IncreaseConfig, fetch: PspFetch): Increase {
  return new Increase({
    apiKey: config.apiKey,
    baseURL: config.endpoint.replace(/\/+$/, ''),
    webhookSecret: null,
    fetch: (input, init) => fetch(input instanceof Request ? input.url : input, init),
    maxRetries: 0,
    timeout: 60_000,
    logLevel: 'off',
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/**
 * The kit's typed error for what the SDK threw: an APIError keeps Increase's status, headers
 * (Retry-After) and its own reason (`title`, `detail`, `type` of Increase's error body); a connection
 * timeout is UpstreamTimeoutError; anything else goes through the kit's SDK mapping.
 */
export function increaseError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  if (error instanceof Increase.APIConnectionTimeoutError) {
    return new UpstreamTimeoutError('no answer from Increase in time');
  }
  if (error instanceof Increase.APIError && typeof error.status === 'number') {
    const body = isRecord(error.error) ? error.error : {};
    const text = (field: string) => (typeof body[field] === 'string' ? (body[field] as string) : undefined);
    const title = text('title');
    const detail = text('detail');
    const type = text('type');
    const reason = [title, detail && detail !== title ? detail : undefined].filter(Boolean).join(': ');
    const mapped = errorFromStatus({
      status: error.status,
      ...(error.headers ? { headers: error.headers as AnswerHeaders } : {}),
      host: 'Increase',
      ...(reason || type ? { reason: type && reason ? `${reason} (${type})` : reason || type } : {}),
    });
    mapped.cause = error;
    return mapped;
  }
  if (error instanceof Increase.APIConnectionError) {
    // The SDK wraps whatever its fetch threw: the engine's own refusals keep their type (errorFromPspSdk
    // finds them in the cause); socket failures become retryable UpstreamErrors.
    return errorFromPspSdk(error.cause ?? error, { psp: 'Increase' });
  }
  return errorFromPspSdk(error, { psp: 'Increase' });
}

/** Runs one SDK call and reads its JSON body with the exact parser (integers past 2^53 stay exact). */
async function exact(call: () => RawAnswer): Promise<unknown> {
  let response: Response;
  try {
    response = await call().asResponse();
  } catch (error) {
    throw increaseError(error);
  }
  const text = await response.text().catch((error: unknown) => {
    throw increaseError(error);
  });
  try {
    return parseJson(text);
  } catch {
    throw new UpstreamError(
      `Increase answered ${response.status} with a body that is not JSON`,
      response.status,
    );
  }
}

/** `value` parsed by `schema`, or an UpstreamError naming what Increase answered that it does not document. */
export function documented<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UpstreamError(
    `Increase answered ${what} that does not match its documented shape (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`,
  );
}

export class IncreaseClient {
  readonly sdk: Increase;

  constructor(config: IncreaseConfig, fetch: PspFetch) {
    this.sdk = increaseSdk(config, fetch);
  }

  /** One page of a list, newest first. */
  async list(kind: ListKind, params: ListParams): Promise<IncreasePage> {
    const query = {
      limit: params.limit,
      ...(params.cursor ? { cursor: params.cursor } : {}),
      ...(params.createdOnOrAfter ? { created_at: { on_or_after: params.createdOnOrAfter } } : {}),
    };
    const sdk = this.sdk;
    const call = (): RawAnswer => {
      switch (kind) {
        case 'accounts':
          return sdk.accounts.list(query);
        case 'external_accounts':
          return sdk.externalAccounts.list(query);
        case 'transactions':
          return sdk.transactions.list(query);
        case 'pending_transactions':
          // Completed ones too: by default Increase lists only `pending` ones, and rows leaving the list
          // between two pages would move the cursor's ground under it.
          return sdk.pendingTransactions.list({ ...query, status: { in: ['pending', 'complete'] } });
        case 'declined_transactions':
          return sdk.declinedTransactions.list(query);
      }
    };
    return documented(listSchema, await exact(call), `a ${kind} list`);
  }

  /** GET /accounts/{id}/balance. */
  balance(accountId: string): Promise<unknown> {
    return exact(() => this.sdk.accounts.balance(accountId));
  }

  /** One object by id, as an event names it. */
  get(kind: ObjectKind, id: string): Promise<unknown> {
    const sdk = this.sdk;
    return exact((): RawAnswer => {
      switch (kind) {
        case 'account':
          return sdk.accounts.retrieve(id);
        case 'external_account':
          return sdk.externalAccounts.retrieve(id);
        case 'transaction':
          return sdk.transactions.retrieve(id);
        case 'pending_transaction':
          return sdk.pendingTransactions.retrieve(id);
        case 'declined_transaction':
          return sdk.declinedTransactions.retrieve(id);
        case 'account_transfer':
          return sdk.accountTransfers.retrieve(id);
        case 'ach_transfer':
          return sdk.achTransfers.retrieve(id);
        case 'wire_transfer':
          return sdk.wireTransfers.retrieve(id);
        case 'real_time_payments_transfer':
          return sdk.realTimePaymentsTransfers.retrieve(id);
      }
    });
  }

  /** Creates a transfer on one rail with the engine's key as Increase's Idempotency-Key. */
  createTransfer(
    kind: TransferKind,
    body: Record<string, unknown>,
    idempotencyKey: string,
  ): Promise<unknown> {
    const sdk = this.sdk;
    const options = { idempotencyKey };
    return exact((): RawAnswer => {
      switch (kind) {
        case 'account_transfer':
          return sdk.accountTransfers.create(
            body as unknown as Increase.AccountTransferCreateParams,
            options,
          );
        case 'ach_transfer':
          return sdk.achTransfers.create(body as unknown as Increase.ACHTransferCreateParams, options);
        case 'wire_transfer':
          return sdk.wireTransfers.create(body as unknown as Increase.WireTransferCreateParams, options);
        case 'real_time_payments_transfer':
          return sdk.realTimePaymentsTransfers.create(
            body as unknown as Increase.RealTimePaymentsTransferCreateParams,
            options,
          );
      }
    });
  }

  createExternalAccount(
    body: Increase.ExternalAccountCreateParams,
    idempotencyKey: string,
  ): Promise<unknown> {
    return exact(() => this.sdk.externalAccounts.create(body, { idempotencyKey }));
  }

  createEventSubscription(
    body: Increase.EventSubscriptionCreateParams,
    idempotencyKey: string,
  ): Promise<unknown> {
    return exact(() => this.sdk.eventSubscriptions.create(body, { idempotencyKey }));
  }

  /** Every event subscription (a handful), walked to the end. */
  async eventSubscriptions(): Promise<unknown[]> {
    const all: unknown[] = [];
    for (let cursor: string | undefined; ;) {
      const page = documented(
        listSchema,
        await exact(() => this.sdk.eventSubscriptions.list({ limit: 100, ...(cursor ? { cursor } : {}) })),
        'an event subscription list',
      );
      all.push(...page.data);
      if (!page.next_cursor || page.data.length === 0) return all;
      cursor = page.next_cursor;
    }
  }

  /** PATCH /event_subscriptions/{id}: `deleted` removes it for good. */
  async updateEventSubscription(id: string, status: 'active' | 'disabled' | 'deleted'): Promise<void> {
    await exact(() => this.sdk.eventSubscriptions.update(id, { status }));
  }
}
