// The only module that speaks HTTP to Adyen: the official SDK's Management API, its requests sent through the engine's fetch.
// The package is CommonJS: Node's ESM loader sees only its default export (vitest would hide that).
import adyen, { type Config, type ManagementAPI } from '@adyen/api-library';
import type { PspFetch } from '../sdk/context.js';
import { InvalidRequestError, UpstreamError } from '../sdk/errors.js';
import { errorFromAnswer, malformedJsonError } from '../sdk/http-errors.js';
import { pspExchange } from '../sdk/http.js';
import { ADYEN_TEST_ENDPOINT, type AdyenConfig, managementEndpoint } from './config.js';

/** What the SDK hands its HTTP client besides the URL and body (IRequest.Options, the fields we honour). */
interface SdkRequestOptions {
  method?: string;
  headers?: unknown;
  params?: ConstructorParameters<typeof URLSearchParams>[0];
  idempotencyKey?: string;
}

const TIMEOUT_MS = 30_000;
const { Client, EnvironmentEnum, Types } = adyen;
const Webhook = Types.management.CreateCompanyWebhookRequest;

/**
 * The SDK's HTTP client interface, implemented over `context.fetch` so every call goes through the
 * engine's outbound policy, call budget, metrics and capture. The SDK only knows Adyen's fixed hosts and
 * speaks HTTPS through node:https, so each URL it builds is moved onto the configured endpoint; a URL
 * outside the Management API is refused rather than sent with the key. Answers that are not 2xx become
 * the kit's typed errors (401/403 AuthenticationError with Adyen's message, 429 with Retry-After, …).
 * Nothing here logs: the key travels only in the X-API-Key header.
 */
export class FetchHttpClient {
  private readonly base: string;

  constructor(
    private readonly fetch: PspFetch,
    endpoint: string,
  ) {
    this.base = endpoint.replace(/\/+$/, '');
  }

  /** The SDK's URL on the configured endpoint. */
  target(sdkUrl: string, params?: SdkRequestOptions['params']): string {
    if (!sdkUrl.startsWith(ADYEN_TEST_ENDPOINT)) {
      throw new InvalidRequestError(
        `the Adyen SDK asked for ${new URL(sdkUrl).host}, not the Management API`,
      );
    }
    const query = params === undefined ? '' : new URLSearchParams(params).toString();
    return `${this.base}${sdkUrl.slice(ADYEN_TEST_ENDPOINT.length)}${query ? `?${query}` : ''}`;
  }

  async request(
    endpoint: string,
    json: string | Buffer,
    config: Config,
    _isApiKeyRequired: boolean,
    requestOptions: SdkRequestOptions = {},
  ): Promise<string> {
    const url = this.target(endpoint, requestOptions.params);
    const method = (requestOptions.method ?? 'POST').toUpperCase();
    const headers: Record<string, string> = {
      'x-api-key': config.apiKey ?? '',
      accept: 'application/json',
    };
    if (requestOptions.idempotencyKey) headers['idempotency-key'] = requestOptions.idempotencyKey;
    const hasBody = method !== 'GET' && method !== 'DELETE' && json.length > 0;
    if (hasBody) headers['content-type'] = 'application/json';
    const response = await pspExchange(this.fetch, url, {
      method,
      headers,
      ...(hasBody ? { body: typeof json === 'string' ? json : new Uint8Array(json) } : {}),
      timeoutMs: TIMEOUT_MS,
    });
    const { body: text, host } = response;
    const refusal = errorFromAnswer(response);
    if (refusal) throw refusal;
    // The SDK would keep a body that is not JSON as a string (and warn on the console): refuse it here.
    if (text.trim() !== '') {
      try {
        JSON.parse(text);
      } catch {
        throw malformedJsonError(response.status, host);
      }
    }
    return text;
  }
}

export interface MerchantPage {
  data: unknown[];
  pagesTotal: number;
  itemsTotal: number;
}

/** The Management API calls the connector makes, nothing else. */
export class AdyenClient {
  private readonly management: ManagementAPI;

  constructor(
    private readonly config: Pick<AdyenConfig, 'apiKey' | 'companyID' | 'endpoint' | 'liveEndpointPrefix'>,
    fetch: PspFetch,
  ) {
    // TEST environment: the SDK then builds management-test URLs, which the HTTP client moves onto the
    // configured endpoint (management-live for a live install).
    const client = new Client({ apiKey: config.apiKey, environment: EnvironmentEnum.TEST });
    client.httpClient = new FetchHttpClient(fetch, managementEndpoint(config));
    this.management = new adyen.ManagementAPI(client);
  }

  /** GET /companies/{companyId}: one cheap call that checks both the key and its access to the company. */
  async company(): Promise<unknown> {
    return await this.management.AccountCompanyLevelApi.getCompanyAccount(this.config.companyID);
  }

  /** GET /companies/{companyId}/merchants?pageNumber&pageSize (pages count from 1). */
  async merchants(pageNumber: number, pageSize: number): Promise<MerchantPage> {
    const page = await this.management.AccountCompanyLevelApi.listMerchantAccounts(
      this.config.companyID,
      pageNumber,
      pageSize,
    );
    return { data: page.data ?? [], pagesTotal: page.pagesTotal, itemsTotal: page.itemsTotal };
  }

  /** GET /companies/{companyId}/webhooks, every page. */
  async webhooks(): Promise<{ id: string; url: string; description?: string }[]> {
    const all: { id: string; url: string; description?: string }[] = [];
    for (let page = 1; ; page++) {
      const answer = await this.management.WebhooksCompanyLevelApi.listAllWebhooks(
        this.config.companyID,
        page,
        100,
      );
      for (const webhook of answer.data ?? []) {
        if (webhook.id) {
          all.push({
            id: webhook.id,
            url: webhook.url,
            ...(webhook.description ? { description: webhook.description } : {}),
          });
        }
      }
      if (page >= (answer.pagesTotal ?? 1)) return all;
    }
  }

  /** POST /companies/{companyId}/webhooks: a standard webhook for every merchant account of the company. */
  async createWebhook(
    request: { url: string; description: string; username?: string; password?: string },
    idempotencyKey: string,
  ): Promise<{ id: string }> {
    const created = await this.management.WebhooksCompanyLevelApi.setUpWebhook(
      this.config.companyID,
      {
        type: 'standard',
        url: request.url,
        description: request.description,
        active: true,
        communicationFormat: Webhook.CommunicationFormatEnum.Json,
        filterMerchantAccountType: Webhook.FilterMerchantAccountTypeEnum.AllAccounts,
        filterMerchantAccounts: [],
        ...(request.username ? { username: request.username } : {}),
        ...(request.password ? { password: request.password } : {}),
      },
      { idempotencyKey },
    );
    if (!created.id) throw new UpstreamError('Adyen created a webhook without an id');
    return { id: created.id };
  }

  /** POST /companies/{companyId}/webhooks/{webhookId}/generateHmac: a new key (the previous one stops working). */
  async generateHmac(webhookId: string): Promise<string> {
    const answer = await this.management.WebhooksCompanyLevelApi.generateHmacKey(
      this.config.companyID,
      webhookId,
    );
    if (!answer.hmacKey) throw new UpstreamError('Adyen generated an empty HMAC key');
    return answer.hmacKey;
  }

  /** DELETE /companies/{companyId}/webhooks/{webhookId}. */
  async deleteWebhook(webhookId: string): Promise<void> {
    await this.management.WebhooksCompanyLevelApi.removeWebhook(this.config.companyID, webhookId);
  }
}
