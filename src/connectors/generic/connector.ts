// The Generic connector: polls a team's own integration service through the Generic contract, and sends it payouts and transfers.
import type { ConnectorContext } from '../sdk/context.js';
import { z } from 'zod';
import { BaseConnector } from '../sdk/base.js';
import type {
  CreateWebhooksRequest,
  CreateWebhooksResponse,
  TranslateWebhookResponse,
  VerifyWebhookRequest,
  VerifyWebhookResponse,
  CreateTransferRequest,
  CreateTransferResponse,
  FetchNextRequest,
  FetchNextResponse,
  InstallResponse,
  PollTransferStatusRequest,
  PollTransferStatusResponse,
  PspAccount,
  PspBalance,
  PspPayment,
  PspPaymentInitiation,
  SkippedRecord,
  UninstallRequest,
} from '../sdk/contract.js';
import { InvalidRequestError, MissingFromPayloadError, UpstreamError } from '../sdk/errors.js';
import { GenericClient, type MoneyMovementBody } from './client.js';
import type { GenericConfig } from './config.js';
import { fetchIncremental } from './listing.js';
import {
  balancesResponse,
  describeProblem,
  movementResponse,
  toAccount,
  toAsset,
  toBalance,
  toBeneficiary,
  toPayment,
  toPaymentStatus,
} from './mapping.js';
import { registerWebhooks, translateWebhook, unregisterWebhooks, verifyWebhook } from './webhooks.js';
import { genericWorkflow } from './workflow.js';

const parentAccount = z.object({ reference: z.string().min(1) });

export class GenericConnector extends BaseConnector {
  private readonly client: GenericClient;
  private readonly webhooks: boolean;

  constructor(config: GenericConfig, context: Pick<ConnectorContext, 'fetch'>) {
    super();
    this.client = new GenericClient(config, context.fetch);
    this.webhooks = config.webhooks ?? false;
  }

  // One authenticated read proves the endpoint and the key; nothing is created at the service here (a
  // CREATE_WEBHOOKS task registers the webhook endpoint).
  async install(): Promise<InstallResponse> {
    await this.client.check();
    return { workflow: genericWorkflow({ webhooks: this.webhooks }) };
  }

  override async uninstall(request: UninstallRequest): Promise<void> {
    await unregisterWebhooks(this.client, request.webhookConfigs);
  }

  override createWebhooks(request: CreateWebhooksRequest): Promise<CreateWebhooksResponse> {
    return registerWebhooks(this.client, request.webhookBaseUrl);
  }

  override async verifyWebhook(request: VerifyWebhookRequest): Promise<VerifyWebhookResponse> {
    return verifyWebhook(request);
  }

  override async translateWebhook(
    request: VerifyWebhookRequest & { name: string },
  ): Promise<TranslateWebhookResponse> {
    return { responses: translateWebhook(request.webhook.body) };
  }

  override fetchNextAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    return fetchIncremental(this.client, 'accounts', request.state, request.pageSize, toAccount);
  }

  override fetchNextExternalAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    return fetchIncremental(this.client, 'beneficiaries', request.state, request.pageSize, toBeneficiary);
  }

  override fetchNextPayments(request: FetchNextRequest): Promise<FetchNextResponse<PspPayment>> {
    return fetchIncremental(this.client, 'transactions', request.state, request.pageSize, toPayment);
  }

  /** One call per account, no paging. Balances belong to the account asked for, whatever the body says. */
  override async fetchNextBalances(request: FetchNextRequest): Promise<FetchNextResponse<PspBalance>> {
    const parent = parentAccount.safeParse(request.fromPayload?.payload);
    if (!parent.success) throw new MissingFromPayloadError();
    const reference = parent.data.reference;
    const body = balancesResponse.safeParse(await this.client.balances(reference));
    if (!body.success) {
      return {
        items: [],
        skipped: [{ reference, reason: `balances: ${describeProblem(body.error)}` }],
        newState: {},
        hasMore: false,
      };
    }
    const at = new Date(body.data.at);
    const items: PspBalance[] = [];
    const skipped: SkippedRecord[] = [];
    for (const entry of body.data.balances) {
      const mapped = toBalance(entry, reference, at);
      if ('item' in mapped) items.push(mapped.item);
      else skipped.push({ reference, reason: `balance: ${mapped.skip}` });
    }
    return { items, skipped, newState: {}, hasMore: false };
  }

  override async createPayout(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    const body = movementBody(request);
    return { payment: toMovementPayment(await this.client.createPayout(body), 'PAYOUT') };
  }

  override async createTransfer(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    const body = movementBody(request);
    return { payment: toMovementPayment(await this.client.createTransfer(body), 'TRANSFER') };
  }

  override async pollPayoutStatus(request: PollTransferStatusRequest): Promise<PollTransferStatusResponse> {
    return { payment: toMovementPayment(await this.client.getPayout(request.pollingId), 'PAYOUT') };
  }

  override async pollTransferStatus(request: PollTransferStatusRequest): Promise<PollTransferStatusResponse> {
    return { payment: toMovementPayment(await this.client.getTransfer(request.pollingId), 'TRANSFER') };
  }
}

/** Checks a payment initiation before anything is sent: a refusal here never reaches the service. */
function movementBody(request: CreateTransferRequest): MoneyMovementBody {
  const pi: PspPaymentInitiation = request.paymentInitiation;
  if (!request.idempotencyKey) throw new InvalidRequestError('an idempotency key is required');
  if (!pi.sourceAccount) throw new InvalidRequestError('a source account is required');
  if (!pi.destinationAccount) throw new InvalidRequestError('a destination account is required');
  if (pi.amount <= 0n) throw new InvalidRequestError('the amount must be greater than zero');
  if (!toAsset(pi.asset)) throw new InvalidRequestError(`"${pi.asset}" is not an asset`);
  return {
    idempotencyKey: request.idempotencyKey,
    amount: pi.amount.toString(),
    currency: pi.asset,
    sourceAccountId: pi.sourceAccount.reference,
    destinationAccountId: pi.destinationAccount.reference,
    description: pi.description,
    metadata: pi.metadata,
  };
}

function toMovementPayment(raw: unknown, type: 'PAYOUT' | 'TRANSFER'): PspPayment {
  const parsed = movementResponse.safeParse(raw);
  // The service accepted the request but its answer is unreadable: the outcome is unknown, not a refusal.
  if (!parsed.success) {
    throw new UpstreamError(
      `the ${type.toLowerCase()} answer is unreadable: ${describeProblem(parsed.error)}`,
    );
  }
  const r = parsed.data;
  const asset = toAsset(r.currency);
  if (!asset)
    throw new UpstreamError(`the ${type.toLowerCase()} answer has an invalid currency "${r.currency}"`);
  const payment: PspPayment = {
    reference: r.id,
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt ?? r.createdAt),
    type,
    amount: BigInt(r.amount),
    asset,
    scheme: 'OTHER',
    status: toPaymentStatus(r.status),
    metadata: r.metadata,
    raw,
  };
  if (r.sourceAccountId) payment.sourceAccountReference = r.sourceAccountId;
  if (r.destinationAccountId) payment.destinationAccountReference = r.destinationAccountId;
  return payment;
}
