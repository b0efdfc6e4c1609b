// The Stripe connector: the platform and its connected accounts, their balances, balance transactions and external accounts; transfers, payouts and reversals; webhooks.
import { z } from 'zod';
import { BaseConnector } from '../sdk/base.js';
import type { ConnectorContext } from '../sdk/context.js';
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
import { InvalidRequestError, MissingFromPayloadError, UpstreamError } from '../sdk/errors.js';
import { InvalidAmountError } from '../sdk/money.js';
import { StripeClient, type ListParams } from './client.js';
import type { StripeConfig } from './config.js';
import { WHOLE_UNIT_PAYOUTS, toStripeAmount } from './currencies.js';
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

/** The reversal metadata key naming the transfer to reverse, as Formance's API takes it. */
const TRANSFER_ID_KEY = 'com.stripe.spec/transfer_id';

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

  constructor(config: StripeConfig, context: Pick<ConnectorContext, 'fetch'>) {
    super();
    this.client = new StripeClient(config, context.fetch);
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
    const mapped = toBalances(raw, reference, new Date());
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

  // ------------------------------------------------------------ writing

  /**
   * A transfer from the platform's balance to a connected account (POST /v1/transfers), with the
   * engine's key as Idempotency-Key: a repeat after a lost answer gets Stripe's first answer back.
   * The initiation's reference is the transfer group, which is how a reversal finds the transfer.
   */
  override async createTransfer(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    const pi = request.paymentInitiation;
    const destination = pi.destinationAccount?.reference;
    if (!destination?.startsWith('acct_'))
      throw new InvalidRequestError('a transfer goes to a connected account (acct_…)');
    const money = sendable(pi.amount, pi.asset, false);
    const transfer = await this.client.createTransfer(
      {
        amount: money.amount,
        currency: money.currency,
        destination,
        transfer_group: pi.reference,
        ...(pi.description ? { description: pi.description } : {}),
        metadata: { ...pi.metadata, paybridge_reference: pi.reference },
      },
      request.idempotencyKey,
    );
    return { payment: written(transfer, 'transfer', pi.sourceAccount?.reference) };
  }

  /**
   * A payout from an account's balance to one of its external accounts (POST /v1/payouts, with
   * Stripe-Account for a connected account's balance), with the engine's key as Idempotency-Key.
   */
  override async createPayout(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    const pi = request.paymentInitiation;
    const source = pi.sourceAccount;
    if (!source) throw new InvalidRequestError('a payout needs the Stripe account it is paid from');
    const platform = source.metadata?.[PLATFORM_KEY] === 'true' || !source.reference.startsWith('acct_');
    const money = sendable(pi.amount, pi.asset, true);
    const destination = pi.destinationAccount?.reference;
    const payout = await this.client.createPayout(
      {
        amount: money.amount,
        currency: money.currency,
        ...(destination ? { destination } : {}),
        ...(pi.description ? { description: pi.description } : {}),
        metadata: { ...pi.metadata, paybridge_reference: pi.reference },
      },
      platform ? undefined : source.reference,
      request.idempotencyKey,
    );
    const payment = written(payout, 'payout', source.reference);
    if (payment.status !== 'PENDING') return { payment };
    // Pending until the bank takes it: the engine polls it, and needs the account it belongs to.
    return { pollingId: pollingIdOf(platform ? undefined : source.reference, payout.id) };
  }

  /** A payout's outcome: undefined while Stripe says `pending` or `in_transit`. */
  override async pollPayoutStatus(request: PollTransferStatusRequest): Promise<PollTransferStatusResponse> {
    const { account, id } = parsePollingId(request.pollingId);
    const payout = await this.client.getPayout(id, account);
    const payment = written(payout, 'payout', account ?? this.platformId ?? (await this.platform()));
    return payment.status === 'PENDING' ? {} : { payment };
  }

  private platformId: string | undefined;

  private async platform(): Promise<string> {
    this.platformId ??= (await this.client.platformAccount()).id;
    return this.platformId;
  }

  /**
   * Reverses (part of) a transfer: the one named by `com.stripe.spec/transfer_id` in the reversal's
   * metadata, else the one of the initiation's transfer group; posts a reversal with the engine's key as
   * Idempotency-Key (Formance sent the reversal's reference, reused by any client that reuses one).
   */
  override async reverseTransfer(request: ReverseTransferRequest): Promise<ReverseTransferResponse> {
    const reversal = request.paymentInitiationReversal;
    const related = reversal.relatedPaymentInitiation;
    const money = sendable(reversal.amount, reversal.asset, false);
    // Formance's API names the transfer in the reversal's metadata; Paybridge finds it by transfer group.
    let transferId = reversal.metadata[TRANSFER_ID_KEY];
    if (!transferId) {
      const transfers = await this.client.transfersOfGroup(related.reference);
      transferId = (
        transfers.find((t) => t.metadata?.paybridge_reference === related.reference) ?? transfers[0]
      )?.id;
    }
    if (!transferId)
      throw new InvalidRequestError(`Stripe has no transfer for the initiation '${related.reference}'`);
    const answer = await this.client.reverseTransfer(
      transferId,
      {
        amount: money.amount,
        ...(reversal.description ? { description: reversal.description } : {}),
        metadata: { ...reversal.metadata, paybridge_reference: reversal.reference },
      },
      request.idempotencyKey,
    );
    const mapped = toPayment(
      {
        id: answer.balance_transaction
          ? String(
              typeof answer.balance_transaction === 'string'
                ? answer.balance_transaction
                : answer.balance_transaction.id,
            )
          : answer.id,
        object: 'balance_transaction',
        type: 'transfer_refund',
        created: answer.created,
        amount: -answer.amount,
        currency: answer.currency,
        source: answer,
      },
      related.sourceAccount?.reference ?? '',
    );
    if (!('item' in mapped)) throw new UpstreamError(`the reversal answer is unreadable: ${mapped.skip}`);
    return { payment: mapped.item };
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

/** `<acct>/<po_…>` for a connected account's payout, `/<po_…>` for the platform's. */
function pollingIdOf(account: string | undefined, payout: string): string {
  return `${account ?? ''}/${payout}`;
}

function parsePollingId(pollingId: string): { account: string | undefined; id: string } {
  const slash = pollingId.indexOf('/');
  if (slash < 0) return { account: undefined, id: pollingId };
  const account = pollingId.slice(0, slash);
  return { account: account || undefined, id: pollingId.slice(slash + 1) };
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

/** Checks an amount before anything is sent: positive, exact in Stripe's units, whole units where Stripe pays out only those. */
function sendable(amount: bigint, asset: string, payout: boolean): { amount: number; currency: string } {
  if (amount <= 0n) throw new InvalidRequestError('the amount must be greater than zero');
  let money: { amount: number; currency: string };
  try {
    money = toStripeAmount(amount, asset);
  } catch (error) {
    if (error instanceof InvalidAmountError) throw new InvalidRequestError(error.message);
    throw error;
  }
  const code = money.currency.toUpperCase();
  if ((payout || code === 'ISK') && WHOLE_UNIT_PAYOUTS.has(code) && money.amount % 100 !== 0)
    throw new InvalidRequestError(`Stripe moves ${code} in whole units only: ${amount} ${asset} is not`);
  return money;
}

/** The payment a transfer or payout answer stands for, mapped as polling maps its balance transaction. */
function written(
  object: { id: string; amount: number; currency: string; created: number; balance_transaction?: unknown },
  kind: 'transfer' | 'payout',
  account: string | null | undefined,
): PspPayment {
  const bt = object.balance_transaction;
  const mapped = toPayment(
    {
      id: typeof bt === 'string' ? bt : `${kind}:${object.id}`,
      object: 'balance_transaction',
      type: kind,
      created: object.created,
      amount: -object.amount,
      currency: object.currency,
      source: object,
    },
    account ?? '',
  );
  if (!('item' in mapped)) throw new UpstreamError(`the ${kind} answer is unreadable: ${mapped.skip}`);
  return mapped.item;
}
