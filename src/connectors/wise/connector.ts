// The Wise connector: each contract method hands over to the module that does that job.
import { BaseConnector } from '../sdk/base.js';
import type { ConnectorContext } from '../sdk/context.js';
import type * as C from '../sdk/contract.js';
import { WiseClient } from './client.js';
import { type WiseConfig, webhookKeyOf } from './config.js';
import { fetchAccounts, fetchBalances, fetchProfiles, fetchRecipients, fetchTransfers } from './listing.js';
import { Payouts } from './payouts.js';
import { createSubscriptions, deleteSubscriptions, translateEvent, WebhookVerifier } from './webhooks.js';
import { wiseWorkflow } from './workflow.js';

export class WiseConnector extends BaseConnector {
  private readonly client: WiseClient;
  private readonly payouts: Payouts;
  private readonly verifier: WebhookVerifier;

  constructor(
    config: WiseConfig,
    private readonly context: ConnectorContext,
  ) {
    super();
    this.client = new WiseClient(context.fetch, config.endpoint, config.apiKey);
    this.payouts = new Payouts(this.client);
    this.verifier = new WebhookVerifier(webhookKeyOf(config));
  }

  /** One cheap authenticated call: a wrong token fails the install with Wise's reason. */
  async install(): Promise<C.InstallResponse> {
    await this.client.get('/v2/profiles');
    return { workflow: wiseWorkflow() };
  }

  override async uninstall(request: C.UninstallRequest): Promise<void> {
    await deleteSubscriptions(this.client, request.webhookConfigs);
  }

  override fetchNextOthers(request: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspOther>> {
    return fetchProfiles(this.client, request);
  }

  override fetchNextAccounts(request: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspAccount>> {
    return fetchAccounts(this.client, request);
  }

  override fetchNextBalances(request: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspBalance>> {
    return fetchBalances(this.client, this.context.clock, request);
  }

  override fetchNextExternalAccounts(
    request: C.FetchNextRequest,
  ): Promise<C.FetchNextResponse<C.PspAccount>> {
    return fetchRecipients(this.client, request);
  }

  override fetchNextPayments(request: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspPayment>> {
    return fetchTransfers(this.client, this.context.clock, request);
  }

  override createPayout(request: C.CreateTransferRequest): Promise<C.CreateTransferResponse> {
    return this.payouts.create(request);
  }

  override pollPayoutStatus(request: C.PollTransferStatusRequest): Promise<C.PollTransferStatusResponse> {
    return this.payouts.poll(request.pollingId);
  }

  override reversePayout(request: C.ReverseTransferRequest): Promise<C.ReverseTransferResponse> {
    return this.payouts.reverse(request);
  }

  override createWebhooks(request: C.CreateWebhooksRequest): Promise<C.CreateWebhooksResponse> {
    return createSubscriptions(this.client, request.webhookBaseUrl, request.fromPayload?.id);
  }

  override async verifyWebhook(request: C.VerifyWebhookRequest): Promise<C.VerifyWebhookResponse> {
    return this.verifier.verify(request);
  }

  override async translateWebhook(
    request: C.VerifyWebhookRequest & { name: string },
  ): Promise<C.TranslateWebhookResponse> {
    return { responses: await translateEvent(this.client, this.payouts, request, this.context.clock.now()) };
  }
}
