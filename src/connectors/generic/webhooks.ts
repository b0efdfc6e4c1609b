// Contract v0.2 push webhooks: register at the integration service, verify the Standard Webhooks
// signature, and translate each event with the same mapping as polling.
import { timingSafeEqual } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { z } from 'zod';
import type {
  CreateWebhooksResponse,
  VerifyWebhookRequest,
  VerifyWebhookResponse,
  WebhookConfig,
  WebhookTranslation,
} from '../sdk/contract.js';
import {
  InvalidRequestError,
  removeIfPresent,
  UpstreamError,
  WebhookVerificationError,
} from '../sdk/errors.js';
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
    await removeIfPresent(() => client.deleteWebhook(id));
  }
}

const first = (headers: Record<string, string[]>, name: string) => headers[name]?.[0] ?? '';

/** The tolerance of the Standard Webhooks spec between a delivery's timestamp and its receipt. */
const TOLERANCE_SECONDS = 5 * 60;

/**
 * Checks `webhook-timestamp` within five minutes of when Paybridge received the delivery (verification
 * runs later, in a job), and `webhook-signature` against the config's secret over the exact body: the
 * library computes the expected signature, compared in constant time with each one sent. The message
 * id is the idempotency key, so a redelivery of the same message is a no-op.
 */
export function verifyWebhook(request: VerifyWebhookRequest): VerifyWebhookResponse {
  const secret = request.config.metadata.secret;
  if (!secret) throw new WebhookVerificationError('the webhook config has no signing secret');
  const headers = request.webhook.headers;
  const id = first(headers, 'webhook-id');
  const timestamp = Number(first(headers, 'webhook-timestamp'));
  const signatures = first(headers, 'webhook-signature').split(' ').filter(Boolean);
  if (!id || !Number.isInteger(timestamp) || signatures.length === 0) {
    throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature');
  }
  if (Math.abs(request.receivedAt.getTime() / 1000 - timestamp) > TOLERANCE_SECONDS) {
    throw new WebhookVerificationError('webhook-timestamp is more than 5 minutes from the time of receipt');
  }
  let expected: Buffer;
  try {
    expected = Buffer.from(
      new StandardWebhook(secret).sign(id, new Date(timestamp * 1000), request.webhook.body.toString('utf8')),
    );
  } catch (error) {
    throw new WebhookVerificationError(`cannot sign with the stored secret: ${(error as Error).message}`);
  }
  const matches = signatures.some((given) => {
    const candidate = Buffer.from(given);
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
  if (!matches) throw new WebhookVerificationError('no webhook-signature matches the secret');
  return { idempotencyKey: id };
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
