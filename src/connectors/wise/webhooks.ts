// Wise webhooks: subscriptions per profile, RSA-SHA256 signatures checked against Wise's public key, events re-read through the API.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type {
  CreateWebhooksResponse,
  PspOther,
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
import { describeZodProblem } from '../sdk/mapping.js';
import type { WiseClient } from './client.js';
import { profileSchema, toBalance, balanceSchema, wiseTime } from './mapping.js';
import type { Payouts } from './payouts.js';

/** The events the connector subscribes to, with the schema version it reads and its path. */
export const EVENTS = [
  { trigger: 'transfers#state-change', version: '2.0.0', path: 'transfers-state-change' },
  { trigger: 'balances#update', version: '2.2.0', path: 'balances-update' },
] as const;

/**
 * How far `sent_at` (inside the signed body: Wise sends no signed timestamp header) may be from the
 * receipt. A replay of a captured delivery later than that is refused; Wise's own retries carry their
 * send time, and polling covers any event refused here.
 */
export const TOLERANCE_MS = 10 * 60 * 1000;

const subscriptionSchema = z.looseObject({
  id: z.string().min(1),
  trigger_on: z.string().nullish(),
  delivery: z.looseObject({ url: z.string().nullish() }).nullish(),
});

function profilesOf(body: unknown): { id: string }[] {
  if (!Array.isArray(body))
    throw new UpstreamError('Wise answered profiles with something other than a list');
  return body.flatMap((raw) => {
    const parsed = profileSchema.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  });
}

/**
 * Subscribes each profile (the one the task runs for, or every profile) to both events. A subscription
 * already there for the same URL and event is reused, so running the task again creates nothing twice.
 */
export async function createSubscriptions(
  client: WiseClient,
  webhookBaseUrl: string,
  profileId: string | undefined,
): Promise<CreateWebhooksResponse> {
  const profiles = profileId ? [{ id: profileId }] : profilesOf(await client.get('/v2/profiles'));
  const configs: WebhookConfig[] = [];
  const base = webhookBaseUrl.replace(/\/+$/, '');
  for (const profile of profiles) {
    const existing = await client.get(`/v3/profiles/${profile.id}/subscriptions`);
    const current = (Array.isArray(existing) ? existing : []).flatMap((raw) => {
      const parsed = subscriptionSchema.safeParse(raw);
      return parsed.success ? [parsed.data] : [];
    });
    for (const event of EVENTS) {
      const urlPath = `/profiles/${profile.id}/${event.path}`;
      const url = `${base}${urlPath}`;
      let id = current.find((s) => s.trigger_on === event.trigger && s.delivery?.url === url)?.id;
      if (!id) {
        const created = subscriptionSchema.safeParse(
          await client.send('POST', `/v3/profiles/${profile.id}/subscriptions`, {
            name: `Paybridge ${event.trigger}`,
            trigger_on: event.trigger,
            delivery: { version: event.version, url },
          }),
        );
        if (!created.success) {
          throw new UpstreamError(
            `Wise answered the subscription unreadably: ${describeZodProblem(created.error)}`,
          );
        }
        id = created.data.id;
      }
      configs.push({
        name: `${event.path}-${profile.id}`,
        urlPath,
        metadata: { profileId: profile.id, subscriptionId: id, eventType: event.trigger },
      });
    }
  }
  return { configs, others: [] satisfies PspOther[] };
}

/** Deletes the subscriptions the configs name; one Wise no longer has is fine. */
export async function deleteSubscriptions(client: WiseClient, configs: WebhookConfig[]): Promise<void> {
  for (const config of configs) {
    const { profileId, subscriptionId } = config.metadata;
    if (!profileId || !subscriptionId) continue;
    await removeIfPresent(() =>
      client.send('DELETE', `/v3/profiles/${profileId}/subscriptions/${subscriptionId}`),
    );
  }
}

const header = (headers: Record<string, string[]>, name: string) => {
  const wanted = name.toLowerCase();
  for (const [key, values] of Object.entries(headers)) if (key.toLowerCase() === wanted) return values[0];
  return undefined;
};

const envelope = z.looseObject({
  event_type: z.string(),
  sent_at: z.string(),
  data: z.looseObject({
    resource: z.looseObject({
      id: z.union([z.number(), z.bigint(), z.string()]).transform(String),
      profile_id: z.union([z.number(), z.bigint(), z.string()]).transform(String).nullish(),
      type: z.string().nullish(),
    }),
    current_state: z.string().nullish(),
    balance_id: z.union([z.number(), z.bigint()]).transform(String).nullish(),
  }),
});

export class WebhookVerifier {
  private readonly key: KeyObject;

  constructor(publicKeyPem: string) {
    this.key = createPublicKey(publicKeyPem);
  }

  /**
   * RSA PKCS#1 v1.5 over SHA-256 of the exact body, base64 in X-Signature-SHA256, then `sent_at` within
   * TOLERANCE_MS of receipt. A test notification (X-Test-Notification: true) goes through the same
   * check: Formance skipped it for them, so anyone could post "tests" as data. The idempotency key is
   * X-Delivery-Id (a retry of one delivery keeps it), else a hash of the body.
   */
  verify(request: VerifyWebhookRequest): VerifyWebhookResponse {
    const { webhook } = request;
    const signature = header(webhook.headers, 'x-signature-sha256');
    if (!signature) throw new WebhookVerificationError('missing X-Signature-SHA256');
    let valid = false;
    try {
      valid = verify('sha256', webhook.body, this.key, Buffer.from(signature, 'base64'));
    } catch {
      valid = false;
    }
    if (!valid) throw new WebhookVerificationError("X-Signature-SHA256 does not match Wise's public key");
    const parsed = parseEnvelope(webhook.body);
    const sentAt = wiseTime(parsed.sent_at);
    if (!sentAt || Math.abs(request.receivedAt.getTime() - sentAt.getTime()) > TOLERANCE_MS) {
      throw new WebhookVerificationError('sent_at is more than 10 minutes from the time of receipt');
    }
    const deliveryId = header(webhook.headers, 'x-delivery-id');
    return {
      idempotencyKey: deliveryId ?? `sha256:${createHash('sha256').update(webhook.body).digest('hex')}`,
    };
  }
}

function parseEnvelope(body: Buffer): z.infer<typeof envelope> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('the body is not JSON');
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success)
    throw new WebhookVerificationError(`not a Wise event: ${describeZodProblem(parsed.error)}`);
  return parsed.data;
}

export function isTestNotification(headers: Record<string, string[]>): boolean {
  return header(headers, 'x-test-notification')?.toLowerCase() === 'true';
}

/**
 * An event becomes data the way polling reads it: the transfer or balance is read again from Wise
 * (events carry only ids and states). Other event types are ignored. A verified test notification
 * naming something Wise does not have gives nothing.
 */
export async function translateEvent(
  client: WiseClient,
  payouts: Payouts,
  request: VerifyWebhookRequest,
  now: Date,
): Promise<WebhookTranslation[]> {
  const event = parseEnvelope(request.webhook.body);
  const profileId = event.data.resource.profile_id ?? request.config.metadata.profileId;
  if (!profileId) throw new InvalidRequestError('the event names no profile');
  try {
    switch (event.event_type) {
      case 'transfers#state-change': {
        const transfer = await payouts.readTransfer(event.data.resource.id);
        return [{ kind: 'payment', payment: await payouts.paymentOf(transfer, profileId) }];
      }
      case 'balances#update': {
        const balanceId = event.data.balance_id ?? event.data.resource.id;
        const body = await client.get(`/v4/profiles/${profileId}/balances/${balanceId}`);
        const balance = balanceSchema.safeParse(body);
        if (!balance.success) {
          throw new UpstreamError(
            `Wise answered the balance unreadably: ${describeZodProblem(balance.error)}`,
          );
        }
        return [{ kind: 'balance', balance: toBalance(balance.data, now) }];
      }
      default:
        return [];
    }
  } catch (error) {
    if (
      isTestNotification(request.webhook.headers) &&
      error instanceof InvalidRequestError &&
      error.status === 404
    ) {
      return [];
    }
    throw error;
  }
}
