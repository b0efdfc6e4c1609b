// Contract v0.2 push webhooks: register at the integration service, verify the Standard Webhooks
// signature, and translate each event with the same mapping as polling.
import { Webhook as StandardWebhook, WebhookVerificationError as SignatureError } from 'standardwebhooks';
import { z } from 'zod';
import type {
  CreateWebhooksResponse,
  VerifyWebhookRequest,
  VerifyWebhookResponse,
  WebhookConfig,
  WebhookTranslation,
} from '../sdk/contract.js';
import { InvalidRequestError, UpstreamError, WebhookVerificationError } from '../sdk/errors.js';
import type { GenericClient } from './client.js';
import {
  balancesResponse,
  describeProblem,
  type Mapped,
  toAccount,
  toBalance,
  toBeneficiary,
  toPayment,
} from './mapping.js';

/** The one endpoint the connector registers, under its webhook base URL. */
export const EVENTS_PATH = '/events';
const CONFIG_NAME = 'events';

const registration = z.object({ id: z.string().min(1), secret: z.string().min(1) });

/** Registers the endpoint (idempotent at the service) and keeps its id and signing secret in the config. */
export async function registerWebhooks(
  client: GenericClient,
  webhookBaseUrl: string,
): Promise<CreateWebhooksResponse> {
  const answer = registration.safeParse(await client.registerWebhook(`${webhookBaseUrl}${EVENTS_PATH}`));
  if (!answer.success) {
    throw new UpstreamError(
      `the webhook registration answer is unreadable: ${describeProblem(answer.error)}`,
    );
  }
  const config: WebhookConfig = {
    name: CONFIG_NAME,
    urlPath: EVENTS_PATH,
    metadata: { webhookId: answer.data.id, secret: answer.data.secret },
  };
  return { configs: [config], others: [] };
}

/** Deletes the registrations named in the configs; one already gone at the service is fine. */
export async function unregisterWebhooks(client: GenericClient, configs: WebhookConfig[]): Promise<void> {
  for (const config of configs) {
    const id = config.metadata.webhookId;
    if (!id) continue;
    try {
      await client.deleteWebhook(id);
    } catch (error) {
      if (!(error instanceof InvalidRequestError && /\(404\)/.test(error.message))) throw error;
    }
  }
}

const first = (headers: Record<string, string[]>, name: string) => headers[name]?.[0] ?? '';

/**
 * Checks `webhook-signature` against the config's secret over the exact body, and `webhook-timestamp`
 * within five minutes (the library's tolerance). The message id is the idempotency key, so a
 * redelivery of the same message is a no-op.
 */
export function verifyWebhook(request: VerifyWebhookRequest): VerifyWebhookResponse {
  const secret = request.config.metadata.secret;
  if (!secret) throw new WebhookVerificationError('the webhook config has no signing secret');
  const headers = {
    'webhook-id': first(request.webhook.headers, 'webhook-id'),
    'webhook-timestamp': first(request.webhook.headers, 'webhook-timestamp'),
    'webhook-signature': first(request.webhook.headers, 'webhook-signature'),
  };
  try {
    new StandardWebhook(secret).verify(request.webhook.body.toString('utf8'), headers);
  } catch (error) {
    if (error instanceof SignatureError) throw new WebhookVerificationError(error.message);
    throw new WebhookVerificationError(error instanceof Error ? error.message : String(error));
  }
  return { idempotencyKey: headers['webhook-id'] };
}

const event = z.object({ type: z.string(), data: z.unknown() });
const balancesEvent = balancesResponse.extend({ accountID: z.string().min(1) });

function item<T>(mapped: Mapped<T>, what: string): T {
  if ('skip' in mapped) throw new InvalidRequestError(`${what}: ${mapped.skip}`);
  return mapped.item;
}

/**
 * One event, mapped as polling maps the same object. An event type this version does not know is
 * ignored (the service may add types); a malformed object is refused, not retried.
 */
export function translateWebhook(body: Buffer): WebhookTranslation[] {
  let parsed: z.infer<typeof event>;
  try {
    parsed = event.parse(JSON.parse(body.toString('utf8')));
  } catch (error) {
    throw new InvalidRequestError(
      `the webhook body is not an event: ${error instanceof Error ? error.message : ''}`,
    );
  }
  switch (parsed.type) {
    case 'account.created':
      return [{ kind: 'account', account: item(toAccount(parsed.data), 'account') }];
    case 'beneficiary.created':
      return [{ kind: 'externalAccount', account: item(toBeneficiary(parsed.data), 'beneficiary') }];
    case 'transaction.created':
    case 'transaction.updated':
      return [{ kind: 'payment', payment: item(toPayment(parsed.data), 'transaction') }];
    case 'balance.changed': {
      const balances = balancesEvent.safeParse(parsed.data);
      if (!balances.success) throw new InvalidRequestError(`balances: ${describeProblem(balances.error)}`);
      const at = new Date(balances.data.at);
      return balances.data.balances.map((entry) => ({
        kind: 'balance' as const,
        balance: item(toBalance(entry, balances.data.accountID, at), 'balance'),
      }));
    }
    default:
      return [];
  }
}
