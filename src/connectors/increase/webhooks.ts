// Increase webhooks: one event subscription with a secret generated at install and kept sealed, deliveries verified locally, each event translated by re-reading its object.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type Increase from 'increase';
import { parseJson } from '../../domain/json.js';
import type {
  CreateWebhooksResponse,
  VerifyWebhookRequest,
  VerifyWebhookResponse,
  WebhookConfig,
} from '../sdk/contract.js';
import { removeIfPresent, UpstreamError, WebhookVerificationError } from '../sdk/errors.js';
import { documented, type IncreaseClient } from './client.js';
import { eventSchema, eventSubscriptionSchema, type IncreaseEvent } from './objects.js';

/** Seconds a signed timestamp may be away from the delivery's receipt, as Increase and Standard Webhooks document. */
export const TOLERANCE_SECONDS = 300;

/** The events the subscription selects: the objects the connector reads, re-read on each event. */
export const EVENT_CATEGORIES = [
  'account.created',
  'account.updated',
  'external_account.created',
  'external_account.updated',
  'transaction.created',
  'pending_transaction.created',
  'pending_transaction.updated',
  'declined_transaction.created',
] as const satisfies readonly Increase.EventSubscriptionCreateParams.SelectedEventCategory['event_category'][];

export const WEBHOOK_NAME = 'events';
export const WEBHOOK_PATH = '/events';

/**
 * Creates the event subscription at `<webhookBaseUrl>/events` with a fresh random shared secret, which
 * only the webhook config keeps (the engine seals it at rest; it is never shown). Increase shows no
 * secret twice, so a subscription already at that URL (left by a task retried after a lost answer) cannot
 * be reused: it is deleted first, and a retry leaves exactly one. The Idempotency-Key is derived from the
 * URL and the secret, so Increase's own replay of one attempt creates nothing twice.
 */
export async function createSubscription(
  client: IncreaseClient,
  webhookBaseUrl: string,
): Promise<CreateWebhooksResponse> {
  const url = `${webhookBaseUrl}${WEBHOOK_PATH}`;
  for (const raw of await client.eventSubscriptions()) {
    const existing = eventSubscriptionSchema.safeParse(raw);
    if (existing.success && existing.data.url === url && existing.data.status !== 'deleted') {
      await removeIfPresent(() => client.updateEventSubscription(existing.data.id, 'deleted'));
    }
  }
  const secret = randomBytes(32).toString('base64url');
  const key = `paybridge-subscription-${createHash('sha256').update(`${url}\n${secret}`).digest('hex').slice(0, 48)}`;
  const created = documented(
    eventSubscriptionSchema,
    await client.createEventSubscription(
      {
        url,
        shared_secret: secret,
        selected_event_categories: EVENT_CATEGORIES.map((event_category) => ({ event_category })),
      },
      key,
    ),
    'an event subscription',
  );
  const config: WebhookConfig = {
    name: WEBHOOK_NAME,
    urlPath: WEBHOOK_PATH,
    metadata: { subscriptionId: created.id, secret },
  };
  return { configs: [config], others: [] };
}

/** Deletes the subscriptions the configs name; one Increase no longer has is fine. */
export async function deleteSubscriptions(client: IncreaseClient, configs: WebhookConfig[]): Promise<void> {
  for (const config of configs) {
    const id = config.metadata.subscriptionId;
    if (id) await removeIfPresent(() => client.updateEventSubscription(id, 'deleted'));
  }
}

const header = (headers: Record<string, string[]>, name: string) => headers[name.toLowerCase()]?.[0];

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkAge(signedAtMs: number, receivedAt: Date): void {
  if (Number.isNaN(signedAtMs)) throw new WebhookVerificationError('the signed timestamp is not a time');
  if (Math.abs(receivedAt.getTime() - signedAtMs) > TOLERANCE_SECONDS * 1000) {
    throw new WebhookVerificationError(
      `the signed timestamp is more than ${TOLERANCE_SECONDS} s from the delivery`,
    );
  }
}

/**
 * Standard Webhooks, which the official SDK (`increase`, `events.unwrap`) verifies with the
 * `standardwebhooks` library and the subscription's shared secret as the key bytes: `webhook-signature`
 * holds `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, possibly several,
 * space-separated; `webhook-timestamp` is in Unix seconds.
 */
function verifyStandard(
  secret: string,
  request: VerifyWebhookRequest,
  id: string,
  timestamp: string,
  signatures: string,
): void {
  if (!/^\d+$/.test(timestamp)) throw new WebhookVerificationError('webhook-timestamp is not Unix seconds');
  checkAge(Number(timestamp) * 1000, request.receivedAt);
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${id}.${timestamp}.`)
    .update(request.webhook.body)
    .digest();
  const ok = signatures
    .split(' ')
    .map((part) => part.split(','))
    .some(
      ([version, value]) =>
        version === 'v1' && value !== undefined && sameBytes(Buffer.from(value, 'base64'), expected),
    );
  if (!ok) throw new WebhookVerificationError('no webhook-signature matches the body');
}

/**
 * Increase's own header, as its webhook guide documented it (and Formance verifies):
 * `Increase-Webhook-Signature: t=<ISO 8601>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
 */
function verifyIncrease(secret: string, request: VerifyWebhookRequest, value: string): void {
  const parts = new Map<string, string[]>();
  for (const part of value.split(',')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    parts.set(name, [...(parts.get(name) ?? []), part.slice(at + 1).trim()]);
  }
  const t = parts.get('t')?.[0];
  const signatures = parts.get('v1') ?? [];
  if (!t || signatures.length === 0)
    throw new WebhookVerificationError('Increase-Webhook-Signature lacks t= or v1=');
  checkAge(Date.parse(t), request.receivedAt);
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${t}.`)
    .update(request.webhook.body)
    .digest();
  if (!signatures.some((hex) => /^[0-9a-f]+$/i.test(hex) && sameBytes(Buffer.from(hex, 'hex'), expected))) {
    throw new WebhookVerificationError('Increase-Webhook-Signature does not match the body');
  }
}

/**
 * Checks a delivery against the subscription's secret, with either scheme Increase signs with (both
 * HMAC-SHA256 with the shared secret and a signed timestamp within 300 s of receipt), then reads the
 * event: its id is the idempotency key, so a delivery Increase repeats is stored once. No call out.
 */
export function verifyDelivery(request: VerifyWebhookRequest): VerifyWebhookResponse {
  const secret = request.config.metadata.secret;
  if (!secret) throw new WebhookVerificationError('the webhook config has no shared secret');
  const headers = request.webhook.headers;
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  const legacy = header(headers, 'increase-webhook-signature');
  if (id && timestamp && signatures) verifyStandard(secret, request, id, timestamp, signatures);
  else if (legacy) verifyIncrease(secret, request, legacy);
  else
    throw new WebhookVerificationError(
      'the delivery is not signed (no webhook-signature or Increase-Webhook-Signature)',
    );
  return { idempotencyKey: eventOf(request.webhook.body).id };
}

export function eventOf(body: Buffer): IncreaseEvent {
  let parsed: unknown;
  try {
    parsed = parseJson(body.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('the delivery is not JSON');
  }
  const event = eventSchema.safeParse(parsed);
  if (!event.success) throw new WebhookVerificationError('the delivery is not an Increase event');
  return event.data;
}

/** The object an event names, by the prefix of its category; undefined for events the connector ignores. */
export function objectOfEvent(
  event: IncreaseEvent,
):
  | 'account'
  | 'external_account'
  | 'transaction'
  | 'pending_transaction'
  | 'declined_transaction'
  | undefined {
  const prefix = event.category.slice(0, event.category.indexOf('.'));
  switch (prefix) {
    case 'account':
    case 'external_account':
    case 'transaction':
    case 'pending_transaction':
    case 'declined_transaction':
      if (event.associated_object_type !== prefix) {
        throw new UpstreamError(
          `an Increase ${event.category} event names a ${event.associated_object_type}`,
        );
      }
      return prefix;
    default:
      return undefined;
  }
}
