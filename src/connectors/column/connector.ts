// The Column connector: each contract method hands over to the module that does that job.
import { BaseConnector } from '../sdk/base.js';
import type { ConnectorContext } from '../sdk/context.js';
import type * as C from '../sdk/contract.js';
import { ColumnClient } from './client.js';
import type { ColumnConfig } from './config.js';
import { fetchBalances, fetchBankAccounts, fetchCounterparties, fetchTransfers } from './listing.js';
import { createEndpoint, deleteEndpoints, translateEvent, verifyDelivery } from './webhooks.js';
import { columnWorkflow } from './workflow.js';
import { Writes } from './writes.js';

export class ColumnConnector extends BaseConnector {
  private readonly client: ColumnClient;
  private readonly writes: Writes;

  constructor(
    config: ColumnConfig,
    private readonly context: ConnectorContext,
  ) {
    super();
    this.client = new ColumnClient(context.fetch, config.endpoint, config.apiKey);
    this.writes = new Writes(this.client);
  }

  /** One cheap authenticated call (one bank account): a wrong key fails the install with Column's reason. */
  async install(): Promise<C.InstallResponse> {
    await this.client.get('/bank-accounts', { limit: 1 });
    return { workflow: columnWorkflow() };
  }

  override async uninstall(request: C.UninstallRequest): Promise<void> {
    await deleteEndpoints(this.client, request.webhookConfigs);
  }

  override fetchNextAccounts(request: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspAccount>> {
    return fetchBankAccounts(this.client, request);
  }

  override fetchNextBalances(request: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspBalance>> {
    return fetchBalances(this.client, this.context.clock, request);
  }

  override fetchNextExternalAccounts(
    request: C.FetchNextRequest,
  ): Promise<C.FetchNextResponse<C.PspAccount>> {
    return fetchCounterparties(this.client, request);
  }

  override fetchNextPayments(request: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspPayment>> {
    return fetchTransfers(this.client, request);
  }

  override createTransfer(request: C.CreateTransferRequest): Promise<C.CreateTransferResponse> {
    return this.writes.transfer(request);
  }

  override createPayout(request: C.CreateTransferRequest): Promise<C.CreateTransferResponse> {
    return this.writes.payout(request);
  }

  override async pollTransferStatus(
    request: C.PollTransferStatusRequest,
  ): Promise<C.PollTransferStatusResponse> {
    const payment = await this.writes.poll(request.pollingId);
    return payment ? { payment } : {};
  }

  override async pollPayoutStatus(
    request: C.PollTransferStatusRequest,
  ): Promise<C.PollTransferStatusResponse> {
    const payment = await this.writes.poll(request.pollingId);
    return payment ? { payment } : {};
  }

  override reversePayout(request: C.ReverseTransferRequest): Promise<C.ReverseTransferResponse> {
    return this.writes.reverse(request);
  }

  override createBankAccount(request: C.CreateBankAccountRequest): Promise<C.CreateBankAccountResponse> {
    return this.writes.bankAccount(request);
  }

  override createWebhooks(request: C.CreateWebhooksRequest): Promise<C.CreateWebhooksResponse> {
    return createEndpoint(this.client, this.context.logger, request.webhookBaseUrl);
  }

  override async verifyWebhook(request: C.VerifyWebhookRequest): Promise<C.VerifyWebhookResponse> {
    return verifyDelivery(request);
  }

  override async translateWebhook(
    request: C.VerifyWebhookRequest & { name: string },
  ): Promise<C.TranslateWebhookResponse> {
    return { responses: await translateEvent(this.client, this.context.logger, request) };
  }
}
