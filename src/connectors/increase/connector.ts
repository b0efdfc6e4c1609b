// The Increase connector: accounts with balances, external accounts, transactions (posted, pending, declined) as payments, transfers and payouts with Idempotency-Key, and verified event webhooks.
import { z } from 'zod';
import { BaseConnector } from '../sdk/base.js';
import type { ConnectorContext } from '../sdk/context.js';
import type {
  CreateBankAccountRequest,
  CreateBankAccountResponse,
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
  SkippedRecord,
  TranslateWebhookResponse,
  UninstallRequest,
  VerifyWebhookRequest,
  VerifyWebhookResponse,
  WebhookTranslation,
} from '../sdk/contract.js';
import { MissingFromPayloadError } from '../sdk/errors.js';
import { documented, IncreaseClient, type ListKind } from './client.js';
import type { IncreaseConfig } from './config.js';
import { nextListPage, readListState } from './listing.js';
import { toAccount, toBalance, toExternalAccount, toPayment, type RowKind } from './mapping.js';
import {
  accountSchema,
  balanceLookupSchema,
  declinedTransactionSchema,
  externalAccountSchema,
  pendingTransactionSchema,
  transactionSchema,
} from './objects.js';
import {
  createAccountTransfer,
  createPayout,
  externalAccountBody,
  increaseKey,
  pollTransfer,
  transferPayment,
  writeAnswer,
} from './transfers.js';
import {
  createSubscription,
  deleteSubscriptions,
  eventOf,
  objectOfEvent,
  verifyDelivery,
} from './webhooks.js';
import { increaseWorkflow, PAYMENT_NODES } from './workflow.js';

const ROWS: Record<RowKind, z.ZodType<Parameters<typeof toPayment>[1]>> = {
  transaction: transactionSchema,
  pending_transaction: pendingTransactionSchema,
  declined_transaction: declinedTransactionSchema,
};

const ROW_OF_LIST: Record<(typeof PAYMENT_NODES)[keyof typeof PAYMENT_NODES], RowKind> = {
  transactions: 'transaction',
  pending_transactions: 'pending_transaction',
  declined_transactions: 'declined_transaction',
};

const accountPayload = z.object({
  reference: z.string().min(1),
  defaultAsset: z.string().optional(),
  raw: z
    .object({ currency: z.string().min(3) })
    .loose()
    .optional(),
});

const idOf = (raw: unknown, index: number) => {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id : `#${index}`;
};

export class IncreaseConnector extends BaseConnector {
  private readonly client: IncreaseClient;

  constructor(
    config: IncreaseConfig,
    private readonly context: Pick<ConnectorContext, 'fetch' | 'clock'>,
  ) {
    super();
    this.client = new IncreaseClient(config, context.fetch);
  }

  /** One cheap authenticated read (one account): a wrong key or endpoint fails the install with Increase's reason. */
  async install(): Promise<InstallResponse> {
    await this.client.list('accounts', { limit: 1 });
    return { workflow: increaseWorkflow() };
  }

  override async uninstall(request: UninstallRequest): Promise<void> {
    await deleteSubscriptions(this.client, request.webhookConfigs);
  }

  /** One page of a newest-first list, each record parsed and mapped; unparseable ones reported skipped. */
  private async walk<T>(
    kind: ListKind,
    request: FetchNextRequest,
    map: (raw: unknown, warnings: string[]) => T,
  ): Promise<FetchNextResponse<T>> {
    const page = await nextListPage(
      (params) => this.client.list(kind, params),
      readListState(request.state),
      request.pageSize,
    );
    const items: T[] = [];
    const warnings: string[] = [];
    const skipped: SkippedRecord[] = page.unreadable.map(({ index, reason }) => ({
      reference: `#${index}`,
      reason,
    }));
    page.records.forEach((raw, index) => {
      try {
        items.push(map(raw, warnings));
      } catch (error) {
        skipped.push({
          reference: idOf(raw, index),
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    });
    return {
      items,
      newState: page.state,
      hasMore: page.hasMore,
      ...(skipped.length ? { skipped } : {}),
      ...(warnings.length ? { warnings: [...new Set(warnings)] } : {}),
    };
  }

  override fetchNextAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    return this.walk('accounts', request, (raw) => toAccount(documented(accountSchema, raw, 'an account')));
  }

  override async fetchNextBalances(request: FetchNextRequest): Promise<FetchNextResponse<PspBalance>> {
    const parent = accountPayload.safeParse(request.fromPayload?.payload);
    if (!parent.success) throw new MissingFromPayloadError();
    const currency = parent.data.raw?.currency ?? parent.data.defaultAsset?.split('/')[0] ?? 'USD';
    const lookup = documented(
      balanceLookupSchema,
      await this.client.balance(parent.data.reference),
      'a balance lookup',
    );
    return { items: [toBalance(lookup, currency, this.context.clock.now())], newState: null, hasMore: false };
  }

  override fetchNextExternalAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    return this.walk('external_accounts', request, (raw) =>
      toExternalAccount(documented(externalAccountSchema, raw, 'an external account')),
    );
  }

  override fetchNextPayments(request: FetchNextRequest): Promise<FetchNextResponse<PspPayment>> {
    const list = Object.hasOwn(PAYMENT_NODES, request.name)
      ? PAYMENT_NODES[request.name as keyof typeof PAYMENT_NODES]
      : 'transactions';
    const kind = ROW_OF_LIST[list];
    return this.walk(list, request, (raw, warnings) =>
      toPayment(kind, documented(ROWS[kind], raw, `a ${kind}`), warnings),
    );
  }

  // ---- Writes ----

  override async createTransfer(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    return writeAnswer(
      await createAccountTransfer(this.client, request.paymentInitiation, request.idempotencyKey),
    );
  }

  override async createPayout(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    return writeAnswer(await createPayout(this.client, request.paymentInitiation, request.idempotencyKey));
  }

  override async pollTransferStatus(request: PollTransferStatusRequest): Promise<PollTransferStatusResponse> {
    const payment = transferPayment(await pollTransfer(this.client, request.pollingId));
    return payment ? { payment } : {};
  }

  override pollPayoutStatus(request: PollTransferStatusRequest): Promise<PollTransferStatusResponse> {
    return this.pollTransferStatus(request);
  }

  override async createBankAccount(request: CreateBankAccountRequest): Promise<CreateBankAccountResponse> {
    const body = externalAccountBody(request.bankAccount);
    const created = documented(
      externalAccountSchema,
      await this.client.createExternalAccount(body, increaseKey(request.idempotencyKey)),
      'an external account',
    );
    return { relatedAccount: toExternalAccount(created) };
  }

  // ---- Webhooks ----

  override createWebhooks(request: CreateWebhooksRequest): Promise<CreateWebhooksResponse> {
    return createSubscription(this.client, request.webhookBaseUrl);
  }

  override async verifyWebhook(request: VerifyWebhookRequest): Promise<VerifyWebhookResponse> {
    return verifyDelivery(request);
  }

  /** Re-reads the object the event names (the event carries no data) and maps it as polling does. */
  override async translateWebhook(
    request: VerifyWebhookRequest & { name: string },
  ): Promise<TranslateWebhookResponse> {
    const event = eventOf(request.webhook.body);
    const kind = objectOfEvent(event);
    if (!kind) return { responses: [] };
    const raw = await this.client.get(kind, event.associated_object_id);
    const warnings: string[] = [];
    let response: WebhookTranslation;
    switch (kind) {
      case 'account':
        response = { kind: 'account', account: toAccount(documented(accountSchema, raw, 'an account')) };
        break;
      case 'external_account':
        response = {
          kind: 'externalAccount',
          account: toExternalAccount(documented(externalAccountSchema, raw, 'an external account')),
        };
        break;
      default:
        response = {
          kind: 'payment',
          payment: toPayment(kind, documented(ROWS[kind], raw, `a ${kind}`), warnings),
        };
    }
    return { responses: [response] };
  }
}
