// Stripe webhooks: two endpoints (platform and Connect) created at Stripe, verified with the SDK's signature check, translated through the polling mapping.
import type Stripe from 'stripe';
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
import type { StripeClient } from './client.js';
import { toBalances, toPayment } from './mapping.js';

/** Stripe's default and documented tolerance between a delivery's signed timestamp and its receipt. */
export const TOLERANCE_SECONDS = 300;

/** The events each endpoint subscribes to: payments, refunds, disputes, payouts, transfers, balances. */
export const EVENTS = [
  'balance.available',
  'charge.captured',
  'charge.expired',
  'charge.failed',
  'charge.pending',
  'charge.succeeded',
  'charge.updated',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
  'charge.refund.updated',
  'refund.created',
  'refund.updated',
  'refund.failed',
  'payment_intent.succeeded',
  'payment_intent.processing',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'payout.created',
  'payout.updated',
  'payout.paid',
  'payout.failed',
  'payout.canceled',
  'transfer.created',
  'transfer.updated',
  'transfer.reversed',
] as const satisfies readonly Stripe.WebhookEndpointCreateParams.EnabledEvent[];

export const ENDPOINTS = [
  { name: 'platform', urlPath: '/platform', connect: false },
  { name: 'connect', urlPath: '/connect', connect: true },
] as const;

/**
 * Creates both endpoints at Stripe, pointing at the webhook base URL, and keeps each one's id and
 * signing secret (`whsec_…`, only answered at creation) in its webhook config, with the platform
 * account's id (platform events name no account). Stripe has no idempotency for endpoint creation and
 * never shows a secret again, so an endpoint already at one of these URLs (left by a task retried after
 * a lost answer) cannot be reused: it is deleted first, and a retry leaves exactly two endpoints.
 */
export async function createWebhooks(
  client: StripeClient,
  webhookBaseUrl: string,
): Promise<CreateWebhooksResponse> {
  const platform = await client.platformAccount();
  const urls = new Set(ENDPOINTS.map((endpoint) => `${webhookBaseUrl}${endpoint.urlPath}`));
  for (const stale of await client.webhookEndpoints()) {
    if (urls.has(stale.url)) await client.deleteWebhookEndpoint(stale.id);
  }
  const configs: WebhookConfig[] = [];
  for (const endpoint of ENDPOINTS) {
    const created = await client.createWebhookEndpoint({
      url: `${webhookBaseUrl}${endpoint.urlPath}`,
      enabled_events: [...EVENTS],
      connect: endpoint.connect,
      description: `Paybridge (${endpoint.name})`,
    });
    if (!created.id || !created.secret)
      throw new UpstreamError('Stripe answered a webhook endpoint without its id or secret');
    configs.push({
      name: endpoint.name,
      urlPath: endpoint.urlPath,
      metadata: { endpointId: created.id, secret: created.secret, platformAccount: platform.id },
    });
  }
  return { configs, others: [] };
}

/** Deletes the endpoints named in the configs; one Stripe no longer has is fine. */
export async function deleteWebhooks(client: StripeClient, configs: WebhookConfig[]): Promise<void> {
  for (const config of configs) {
    const id = config.metadata.endpointId;
    if (!id) continue;
    await removeIfPresent(() => client.deleteWebhookEndpoint(id));
  }
}

const header = (headers: Record<string, string[]>, name: string) => headers[name]?.[0];

/**
 * The SDK's check of `Stripe-Signature` (HMAC-SHA256 of `t.body` with the endpoint's secret) with a
 * 300 s tolerance, measured from when Paybridge received the delivery; a timestamp more than the
 * tolerance in the future is refused too. The event id is the idempotency key.
 */
export function verifyWebhook(sdk: Stripe, request: VerifyWebhookRequest): VerifyWebhookResponse {
  const secret = request.config.metadata.secret;
  if (!secret) throw new WebhookVerificationError('the webhook config has no signing secret');
  const signature = header(request.webhook.headers, 'stripe-signature');
  if (!signature) throw new WebhookVerificationError('the delivery has no Stripe-Signature header');
  let event: Stripe.Event;
  try {
    event = sdk.webhooks.constructEvent(
      request.webhook.body,
      signature,
      secret,
      TOLERANCE_SECONDS,
      undefined,
      request.receivedAt.getTime(),
    );
  } catch {
    // The SDK's message may quote the secret's prefix: say only that it failed.
    throw new WebhookVerificationError('the Stripe signature does not verify (or is older than 300 s)');
  }
  const signedAt = Number(/(?:^|,)t=(\d+)/.exec(signature)?.[1]);
  if (signedAt * 1000 - request.receivedAt.getTime() > TOLERANCE_SECONDS * 1000)
    throw new WebhookVerificationError('the Stripe signature is dated in the future');
  if (typeof event.id !== 'string' || event.id === '')
    throw new WebhookVerificationError('the event has no id');
  return { idempotencyKey: event.id };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The balance-transaction type an event's object moves the balance as, for the polling mapping. */
function transactionType(eventType: string, object: Obj): string | undefined {
  if (eventType.startsWith('charge.dispute.')) return 'adjustment';
  if (eventType.startsWith('charge.refund.') || eventType.startsWith('refund.'))
    return object.status === 'failed' ? 'refund_failure' : 'refund';
  if (eventType.startsWith('charge.')) return 'charge';
  if (eventType.startsWith('payout.')) return 'payout';
  if (eventType === 'transfer.reversed' || eventType.startsWith('transfer.')) return 'transfer';
  return undefined;
}

const PAYMENT_INTENT_STATUSES: Record<string, string> = {
  succeeded: 'succeeded',
  processing: 'pending',
  requires_capture: 'pending',
  canceled: 'failed',
  requires_payment_method: 'failed',
};

/**
 * An event as what polling would have produced: its object is wrapped as the `source` of a balance
 * transaction of the account the event belongs to (`account` for Connect events, the platform
 * otherwise) and mapped by the same code. A payment intent becomes its latest charge; one without a
 * charge yet has nothing to record. Unknown event types translate to nothing (polling still runs).
 */
export function translateWebhook(
  body: Buffer,
  config: WebhookConfig,
): { responses: WebhookTranslation[]; warnings: string[] } {
  let event: Obj;
  try {
    event = JSON.parse(body.toString('utf8')) as Obj;
  } catch {
    throw new InvalidRequestError('the webhook body is not JSON');
  }
  const type = typeof event.type === 'string' ? event.type : '';
  const data = isObj(event.data) ? event.data : {};
  const object = isObj(data.object) ? data.object : undefined;
  const account =
    (typeof event.account === 'string' && event.account) || config.metadata.platformAccount || '';
  if (!object || !account) return { responses: [], warnings: [] };
  const created = typeof event.created === 'number' ? event.created : Number(object.created);
  if (type === 'balance.available') {
    const responses: WebhookTranslation[] = [];
    for (const mapped of toBalances(object, account, new Date(created * 1000)))
      if ('item' in mapped) responses.push({ kind: 'balance', balance: mapped.item });
    return { responses, warnings: [] };
  }
  let source = object;
  let btType = transactionType(type, object);
  if (type.startsWith('payment_intent.')) {
    const charge = object.latest_charge;
    const chargeId = typeof charge === 'string' ? charge : isObj(charge) ? charge.id : undefined;
    if (typeof chargeId !== 'string') return { responses: [], warnings: [] };
    source = {
      ...object,
      id: chargeId,
      object: 'charge',
      status: PAYMENT_INTENT_STATUSES[String(object.status)] ?? object.status,
      payment_intent: object.id,
    };
    btType = 'charge';
  }
  if (!btType) return { responses: [], warnings: [] };
  const mapped = toPayment(
    {
      id:
        typeof source.balance_transaction === 'string'
          ? source.balance_transaction
          : `evt:${String(event.id)}`,
      object: 'balance_transaction',
      type: btType,
      // The observation's time is the event's: each state an event reports becomes one adjustment.
      created,
      amount: source.amount,
      currency: source.currency,
      source,
      event: event.id,
    },
    account,
  );
  if (!('item' in mapped)) return { responses: [], warnings: [mapped.skip] };
  return { responses: [{ kind: 'payment', payment: mapped.item }], warnings: mapped.warnings };
}
