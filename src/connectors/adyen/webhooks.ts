// Adyen's company webhook: created at install with its HMAC key, verified per item (HMAC and Basic auth), split per item, translated.
import { createHash, timingSafeEqual } from 'node:crypto';
import adyen from '@adyen/api-library';
import type { Logger } from 'pino';
import type { ZodError } from 'zod';
import { parseJson, stringifyJson } from '../../domain/json.js';
import type {
  CreateWebhooksResponse,
  TranslateWebhookResponse,
  VerifyWebhookRequest,
  VerifyWebhookResponse,
  Webhook,
  WebhookConfig,
} from '../sdk/contract.js';
import { InvalidRequestError, removeIfPresent, WebhookVerificationError } from '../sdk/errors.js';
import type { AdyenClient } from './client.js';
import type { AdyenConfig } from './config.js';
import { itemKey, type NotificationRequest, notificationRequest, toPayment } from './notifications.js';

// The package is CommonJS: Node's ESM loader sees only its default export.
const HmacValidator = adyen.hmacValidator;

/** The one webhook config: Adyen posts every standard notification of the company here. */
export const STANDARD_PATH = '/standard';
export const STANDARD_CONFIG = 'standard';

/** How the connector recognises its own webhook among the company's (a retried CREATE_WEBHOOKS reuses it). */
export const webhookDescription = (connectorId: string) => `Paybridge connector ${connectorId}`;

/**
 * Creates the company's standard webhook pointing at Paybridge (or finds the one an earlier, interrupted
 * attempt created: same description and URL), then generates its HMAC key. The key lives only in the
 * webhook config's metadata, which the engine seals at rest; Formance kept it in memory and lost it on
 * restart.
 */
export async function createStandardWebhook(
  client: AdyenClient,
  config: Pick<AdyenConfig, 'webhookUsername' | 'webhookPassword'>,
  connectorId: string,
  webhookBaseUrl: string,
): Promise<CreateWebhooksResponse> {
  const url = `${webhookBaseUrl.replace(/\/+$/, '')}${STANDARD_PATH}`;
  const description = webhookDescription(connectorId);
  const existing = (await client.webhooks()).find((w) => w.description === description && w.url === url);
  const { id } =
    existing ??
    (await client.createWebhook(
      {
        url,
        description,
        ...(config.webhookUsername ? { username: config.webhookUsername } : {}),
        ...(config.webhookPassword ? { password: config.webhookPassword } : {}),
      },
      `paybridge-webhook-${connectorId}`,
    ));
  const hmacKey = await client.generateHmac(id);
  return {
    configs: [{ name: STANDARD_CONFIG, urlPath: STANDARD_PATH, metadata: { webhookId: id, hmacKey } }],
    others: [],
  };
}

/** Deletes the webhooks the configs name; one Adyen no longer has is fine. */
export async function deleteWebhooks(client: AdyenClient, configs: WebhookConfig[]): Promise<void> {
  for (const config of configs) {
    const id = config.metadata.webhookId;
    if (!id) continue;
    await removeIfPresent(() => client.deleteWebhook(id));
  }
}

const describe = (error: ZodError) =>
  error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');

/** The body as a notification request; a body that is not one cannot be verified. */
export function parseNotification(body: Buffer): NotificationRequest {
  let json: unknown;
  try {
    json = parseJson(body.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('the body is not JSON');
  }
  const parsed = notificationRequest.safeParse(json);
  if (!parsed.success) {
    throw new WebhookVerificationError(`the body is not an Adyen notification: ${describe(parsed.error)}`);
  }
  return parsed.data;
}

const sameText = (a: string, b: string) => {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
};

/** The Basic auth credentials of a delivery, from the contract's field or the Authorization header. */
function basicAuthOf(webhook: Webhook): { username: string; password: string } | undefined {
  if (webhook.basicAuth) return webhook.basicAuth;
  const header = Object.entries(webhook.headers).find(
    ([name]) => name.toLowerCase() === 'authorization',
  )?.[1]?.[0];
  const match = header ? /^Basic\s+(\S+)$/i.exec(header) : null;
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const validator = new HmacValidator();

/**
 * Local verification, while Adyen's request is open: Basic auth when the config sets a username or
 * password, then the HMAC signature (additionalData.hmacSignature) of EVERY item with the key generated
 * at creation. One bad item refuses the whole delivery (Formance skipped it and stored the rest). Adyen
 * signs no timestamp, so age cannot be checked; a replay carries the same items, whose key makes it a
 * duplicate. The key is the item's pspReference, originalReference, eventCode and success (Adyen's own
 * duplicate rule), joined for a batch.
 */
export function verifyNotification(
  request: VerifyWebhookRequest,
  config: Pick<AdyenConfig, 'webhookUsername' | 'webhookPassword'>,
): VerifyWebhookResponse {
  if (config.webhookUsername !== undefined || config.webhookPassword !== undefined) {
    const given = basicAuthOf(request.webhook);
    if (!given) throw new WebhookVerificationError('Basic auth is configured and the delivery has none');
    const userOk = sameText(given.username, config.webhookUsername ?? '');
    const passwordOk = sameText(given.password, config.webhookPassword ?? '');
    if (!userOk || !passwordOk) throw new WebhookVerificationError('the Basic auth credentials do not match');
  }
  const key = request.config.metadata.hmacKey;
  if (!key) throw new WebhookVerificationError('the webhook config has no HMAC key');
  const notification = parseNotification(request.webhook.body);
  const keys: string[] = [];
  for (const [i, wrapper] of notification.notificationItems.entries()) {
    const item = wrapper.NotificationRequestItem;
    const signature = item.additionalData?.hmacSignature;
    if (typeof signature !== 'string' || signature === '') {
      throw new WebhookVerificationError(`notification item ${i} has no hmacSignature`);
    }
    // The SDK signs amount.value as text; a bigint (beyond 2^53) prints its exact digits too.
    const signed = { ...item, amount: { ...item.amount, value: item.amount.value.toString() } };
    if (!validator.validateHMAC(signed as never, key)) {
      throw new WebhookVerificationError(`notification item ${i} has an invalid HMAC signature`);
    }
    keys.push(itemKey(item));
  }
  const idempotencyKey =
    keys.length === 1 ? keys[0] : createHash('sha256').update(keys.join('\n')).digest('hex');
  return idempotencyKey === undefined ? {} : { idempotencyKey };
}

/** One delivery part per NotificationRequestItem, each a notification request of its own. */
export function splitNotification(webhook: Webhook): Webhook[] {
  const notification = parseNotification(webhook.body);
  if (notification.notificationItems.length === 1) return [webhook];
  return notification.notificationItems.map((item) => ({
    ...webhook,
    body: Buffer.from(stringifyJson({ live: notification.live, notificationItems: [item] })),
  }));
}

/** Each item mapped as a payment or an adjustment; informational events and no-op failures are logged and left out. */
export function translateNotification(body: Buffer, logger?: Logger): TranslateWebhookResponse {
  let notification: NotificationRequest;
  try {
    notification = parseNotification(body);
  } catch (error) {
    throw new InvalidRequestError((error as Error).message);
  }
  const responses: TranslateWebhookResponse['responses'] = [];
  for (const { NotificationRequestItem: item } of notification.notificationItems) {
    let outcome: ReturnType<typeof toPayment>;
    try {
      outcome = toPayment(item, notification.live);
    } catch (error) {
      // An amount that cannot be held exactly (a currency Adyen does not list): that item is left out
      // and logged; the other items of the delivery still count.
      logger?.error(
        { pspReference: item.pspReference, eventCode: item.eventCode, reason: (error as Error).message },
        'Adyen notification item skipped',
      );
      continue;
    }
    if (outcome.kind === 'ignored') {
      logger?.info({ pspReference: item.pspReference, eventCode: item.eventCode }, outcome.reason);
      continue;
    }
    if (outcome.warning) logger?.warn({ pspReference: item.pspReference }, outcome.warning);
    responses.push({ kind: 'payment', payment: outcome.payment });
  }
  return { responses };
}
