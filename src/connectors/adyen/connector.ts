// The Adyen connector: merchant accounts from the Management API, payments from standard notifications.
import { BaseConnector } from '../sdk/base.js';
import type { ConnectorContext } from '../sdk/context.js';
import type {
  CreateWebhooksRequest,
  CreateWebhooksResponse,
  FetchNextRequest,
  FetchNextResponse,
  InstallResponse,
  PspAccount,
  TranslateWebhookResponse,
  TrimWebhookResponse,
  UninstallRequest,
  VerifyWebhookRequest,
  VerifyWebhookResponse,
} from '../sdk/contract.js';
import { fetchMerchants } from './accounts.js';
import { AdyenClient } from './client.js';
import type { AdyenConfig } from './config.js';
import {
  createStandardWebhook,
  deleteWebhooks,
  splitNotification,
  translateNotification,
  verifyNotification,
} from './webhooks.js';
import { adyenWorkflow } from './workflow.js';

export class AdyenConnector extends BaseConnector {
  private readonly client: AdyenClient;

  constructor(
    private readonly config: AdyenConfig,
    private readonly context: ConnectorContext,
  ) {
    super();
    this.client = new AdyenClient(config, context.fetch);
  }

  /** One cheap authenticated call: a wrong key or a company the key cannot see is refused with Adyen's reason. */
  async install(): Promise<InstallResponse> {
    await this.client.company();
    return { workflow: adyenWorkflow() };
  }

  override async uninstall(request: UninstallRequest): Promise<void> {
    await deleteWebhooks(this.client, request.webhookConfigs);
  }

  override fetchNextAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    return fetchMerchants(this.client, this.context.clock, request.state, request.pageSize);
  }

  override createWebhooks(request: CreateWebhooksRequest): Promise<CreateWebhooksResponse> {
    return createStandardWebhook(this.client, this.config, this.context.connectorId, request.webhookBaseUrl);
  }

  override async verifyWebhook(request: VerifyWebhookRequest): Promise<VerifyWebhookResponse> {
    return verifyNotification(request, this.config);
  }

  override async trimWebhook(request: VerifyWebhookRequest): Promise<TrimWebhookResponse> {
    return { webhooks: splitNotification(request.webhook) };
  }

  override async translateWebhook(
    request: VerifyWebhookRequest & { name: string },
  ): Promise<TranslateWebhookResponse> {
    return translateNotification(request.webhook.body, this.context.logger);
  }
}
