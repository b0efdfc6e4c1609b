// The Stripe connector: the platform and its connected accounts, their balances, balance transactions and external accounts; transfers, payouts and reversals; webhooks.
import { z } from 'zod';
import { BaseConnector } from '../sdk/base.js';
import { systemClock, type Clock, type ConnectorContext } from '../sdk/context.js';
import type {
  CreateTransferRequest,
  CreateTransferResponse,
  CreateWebhooksRequest,
  CreateWebhooksResponse,
  FetchNextRequest,
  FetchNextResponse,
  InstallResponse,
  PollTransferStatusRequest,
  PollTransferStatusResponse,
  PspAccount,
  PspBalance,
  PspPayment,
  ReverseTransferRequest,
  ReverseTransferResponse,
  SkippedRecord,
  TranslateWebhookResponse,
  UninstallRequest,
  VerifyWebhookRequest,
  VerifyWebhookResponse,
} from '../sdk/contract.js';
import { InvalidRequestError, MissingFromPayloadError } from '../sdk/errors.js';
import { StripeClient, type ListParams } from './client.js';
import type { StripeConfig } from './config.js';
import { listStateSchema, nextListPage, readListState, type ListState } from './listing.js';
import {
  PLATFORM_KEY,
  externalAccountVersion,
  toAccount,
  toBalances,
  toExternalAccount,
  toPayment,
  type Mapped,
} from './mapping.js';
import { createPayout, createTransfer, pollPayoutStatus, reverseTransfer } from './transfers.js';
import { createWebhooks, deleteWebhooks, translateWebhook, verifyWebhook } from './webhooks.js';
import { stripeWorkflow } from './workflow.js';

/** FETCH_ACCOUNTS: the platform account once, then the connected accounts' list walk. */
export const accountsStateSchema = z.object({ platform: z.string().nullable(), list: listStateSchema });
export interface AccountsState {
  platform: string | null;
  list: ListState;
}

/** FETCH_EXTERNAL_ACCOUNTS: the position within the pass, and the version of each account emitted. */
export const externalAccountsStateSchema = z.object({
  after: z.string().nullable(),
  seen: z.record(z.string(), z.string()),
});
export type ExternalAccountsState = z.infer<typeof externalAccountsStateSchema>;

const parentAccount = z.object({
  reference: z.string().min(1),
  metadata: z.record(z.string(), z.string()).optional(),
});

/** Stripe refusing a cursor whose object is gone (a deleted connected account used as anchor). */
function missingCursor(error: unknown): boolean {
  return (
    error instanceof InvalidRequestError &&
    (error.status === 404 || error.status === 400) &&
    /no such/i.test(error.message)
  );
}

function collect<T>(mapped: Mapped<T>[], references: string[]) {
  const items: T[] = [];
  const skipped: SkippedRecord[] = [];
  const warnings = new Set<string>();
  mapped.forEach((m, i) => {
    if ('item' in m) {
      items.push(m.item);
      for (const w of m.warnings) warnings.add(w);
    } else skipped.push({ reference: references[i] ?? String(i), reason: m.skip });
  });
  return { items, skipped, ...(warnings.size ? { warnings: [...warnings] } : {}) };
}

export class StripeConnector extends BaseConnector {
  readonly client: StripeClient;
  private readonly clock: Clock;

  constructor(
    config: StripeConfig,
    context: Pick<ConnectorContext, 'fetch'> & Partial<Pick<ConnectorContext, 'clock'>>,
  ) {
    super();
    this.client = new StripeClient(config, context.fetch);
    this.clock = context.clock ?? systemClock;
  }

  /**
   * One cheap authenticated call (GET /v1/account): a refused key is an AuthenticationError carrying
   * Stripe's message, which the API answers with 400. Nothing is created here.
   */
  async install(): Promise<InstallResponse> {
    await this.client.platformAccount();
    return { workflow: stripeWorkflow() };
  }

  override async uninstall(request: UninstallRequest): Promise<void> {
    await deleteWebhooks(this.client, request.webhookConfigs);
  }

  // ------------------------------------------------------------ reading

  override async fetchNextAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    const state = readAccountsState(request.state);
    if (state.platform === null) {
      const raw = await this.client.platformAccount();
      const mapped = toAccount(raw, true);
      return {
        ...collect([mapped], [raw.id]),
        newState: { platform: raw.id, list: state.list },
        hasMore: true,
      };
    }
    const page = await nextListPage(
      (params) => this.client.connectedAccounts(params),
      state.list,
      request.pageSize,
      missingCursor,
    );
    return {
      ...collect(
        page.items.map((a) => toAccount(a, false)),
        page.items.map((a) => a.id),
      ),
      newState: { platform: state.platform, list: page.state },
      hasMore: page.hasMore,
    };
  }

  override async fetchNextBalances(request: FetchNextRequest): Promise<FetchNextResponse<PspBalance>> {
    const { reference, platform } = parent(request);
    const raw = await this.client.balance(platform ? undefined : reference);
    const mapped = toBalances(raw, reference, this.clock.now());
    return {
      ...collect(
        mapped,
        mapped.map(() => reference),
      ),
      newState: {},
      hasMore: false,
    };
  }

  override async fetchNextPayments(request: FetchNextRequest): Promise<FetchNextResponse<PspPayment>> {
    const { reference, platform } = parent(request);
    const page = await nextListPage(
      (params: ListParams) => this.client.balanceTransactions(platform ? undefined : reference, params),
      readListState(request.state),
      request.pageSize,
      missingCursor,
    );
    return {
      ...collect(
        page.items.map((bt) => toPayment(bt, reference)),
        page.items.map((bt) => bt.id),
      ),
      newState: page.state,
      hasMore: page.hasMore,
    };
  }

  /**
   * A connected account's bank accounts and cards. Stripe lists them without a creation time or a
   * documented order, and an account has a handful: each pass walks them all (resumable) and emits
   * those new or changed since last emitted. The platform's own bank accounts are not in this API.
   */
  override async fetchNextExternalAccounts(
    request: FetchNextRequest,
  ): Promise<FetchNextResponse<PspAccount>> {
    const { reference, platform } = parent(request);
    // The state keeps its schema's shape, or the engine would restart the task with a warning each run.
    if (platform) return { items: [], newState: { after: null, seen: {} }, hasMore: false };
    const state = readExternalState(request.state);
    const page = await this.client.externalAccounts(reference, {
      limit: Math.min(Math.max(request.pageSize, 1), 100),
      ...(state.after ? { starting_after: state.after } : {}),
    });
    const seen = { ...state.seen };
    const changed = page.data.filter((raw) => {
      const version = externalAccountVersion(raw);
      if (seen[raw.id] === version) return false;
      seen[raw.id] = version;
      return true;
    });
    const last = page.data.at(-1);
    const more = page.has_more && last !== undefined;
    return {
      ...collect(
        changed.map((raw) => toExternalAccount(raw, reference)),
        changed.map((raw) => raw.id),
      ),
      newState: { after: more ? last.id : null, seen },
      hasMore: more,
    };
  }

  // ------------------------------------------------------------ writing (transfers.ts)

  override createTransfer(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    return createTransfer(this.client, request);
  }

  override createPayout(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    return createPayout(this.client, request);
  }

  override pollPayoutStatus(request: PollTransferStatusRequest): Promise<PollTransferStatusResponse> {
    return pollPayoutStatus(this.client, request);
  }

  override reverseTransfer(request: ReverseTransferRequest): Promise<ReverseTransferResponse> {
    return reverseTransfer(this.client, request);
  }

  // ------------------------------------------------------------ webhooks

  override createWebhooks(request: CreateWebhooksRequest): Promise<CreateWebhooksResponse> {
    return createWebhooks(this.client, request.webhookBaseUrl);
  }

  override async verifyWebhook(request: VerifyWebhookRequest): Promise<VerifyWebhookResponse> {
    return verifyWebhook(this.client.sdk, request);
  }

  override async translateWebhook(
    request: VerifyWebhookRequest & { name: string },
  ): Promise<TranslateWebhookResponse> {
    return { responses: translateWebhook(request.webhook.body, request.config).responses };
  }
}

function parent(request: FetchNextRequest): { reference: string; platform: boolean } {
  const parsed = parentAccount.safeParse(request.fromPayload?.payload);
  if (!parsed.success) throw new MissingFromPayloadError();
  return {
    reference: parsed.data.reference,
    platform: parsed.data.metadata?.[PLATFORM_KEY] === 'true',
  };
}

function readAccountsState(state: unknown): AccountsState {
  if (typeof state === 'object' && state !== null) {
    const s = state as { platform?: unknown; list?: unknown };
    return {
      platform: typeof s.platform === 'string' ? s.platform : null,
      list: readListState(s.list),
    };
  }
  return { platform: null, list: readListState(undefined) };
}

function readExternalState(state: unknown): ExternalAccountsState {
  const parsed = externalAccountsStateSchema.safeParse(state);
  return parsed.success ? parsed.data : { after: null, seen: {} };
}
