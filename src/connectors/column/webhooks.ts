// Column webhooks: one endpoint for the transfer events of every rail, HMAC-SHA256 of the raw body in Column-Signature, events translated as polling maps transfers.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
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
import { describeZodProblem } from '../sdk/mapping.js';
import type { ColumnClient } from './client.js';
import { readTransfer } from './listing.js';
import { toPayment, transferSchema, type Rail } from './mapping.js';

/** The rail of each event-type prefix Column sends for transfers. */
const RAIL_OF_PREFIX: Record<string, Rail> = {
  book: 'book',
  ach: 'ach',
  wire: 'wire',
  swift: 'international_wire',
  realtime: 'realtime',
};

/** The event types the endpoint subscribes to: every state change of a transfer, per rail. */
export const EVENT_TYPES = [
  'book.transfer.completed',
  'book.transfer.canceled',
  'book.transfer.updated',
  'book.transfer.hold_created',
  'ach.outgoing_transfer.initiated',
  'ach.outgoing_transfer.manual_review',
  'ach.outgoing_transfer.submitted',
  'ach.outgoing_transfer.settled',
  'ach.outgoing_transfer.completed',
  'ach.outgoing_transfer.returned',
  'ach.outgoing_transfer.canceled',
  'ach.outgoing_transfer.return_dishonored',
  'ach.outgoing_transfer.return_contested',
  'ach.incoming_transfer.scheduled',
  'ach.incoming_transfer.settled',
  'ach.incoming_transfer.completed',
  'ach.incoming_transfer.returned',
  'ach.incoming_transfer.return_dishonored',
  'ach.incoming_transfer.return_contested',
  'wire.outgoing_transfer.initiated',
  'wire.outgoing_transfer.submitted',
  'wire.outgoing_transfer.completed',
  'wire.outgoing_transfer.rejected',
  'wire.outgoing_transfer.manual_review',
  'wire.incoming_transfer.completed',
  'swift.outgoing_transfer.initiated',
  'swift.outgoing_transfer.manual_review',
  'swift.outgoing_transfer.submitted',
  'swift.outgoing_transfer.completed',
  'swift.outgoing_transfer.pending_return',
  'swift.outgoing_transfer.returned',
  'swift.outgoing_transfer.cancellation_requested',
  'swift.outgoing_transfer.cancellation_accepted',
  'swift.outgoing_transfer.cancellation_rejected',
  'swift.incoming_transfer.initiated',
  'swift.incoming_transfer.completed',
  'swift.incoming_transfer.pending_return',
  'swift.incoming_transfer.returned',
  'realtime.outgoing_transfer.initiated',
  'realtime.outgoing_transfer.manual_review',
  'realtime.outgoing_transfer.manual_review_approved',
  'realtime.outgoing_transfer.manual_review_rejected',
  'realtime.outgoing_transfer.rejected',
  'realtime.outgoing_transfer.completed',
  'realtime.incoming_transfer.completed',
] as const;

/** The one webhook config: all events arrive at this path under the connector's webhook URL. */
export const EVENTS_PATH = '/events';
export const WEBHOOK_NAME = 'column-events';

export const HTTPS_REQUIRED_WARNING =
  'Column webhooks are OFF: Column only delivers to https:// URLs and PAYBRIDGE_PUBLIC_URL is not one ' +
  '(or is unset); no webhook endpoint was created. Polling keeps every transfer up to date at the ' +
  "connector's polling period. Set PAYBRIDGE_PUBLIC_URL to an https:// URL and reset the connector to " +
  'receive webhooks.';

const endpointSchema = z.looseObject({
  id: z.string().min(1),
  url: z.string().nullish(),
  secret: z.string().nullish(),
});

/**
 * Creates the webhook endpoint at `POST /webhook-endpoints`. A root task has no parent item, and none is
 * needed (Formance refused to run without one, so its webhooks were never created). Column sends an
 * event type to one endpoint only, so an endpoint already at this URL (a previous install's) is deleted
 * first. Without an https:// base URL nothing is created: the warning says so and polling carries on.
 */
export async function createEndpoint(
  client: ColumnClient,
  logger: Logger,
  webhookBaseUrl: string,
): Promise<CreateWebhooksResponse> {
  if (!/^https:\/\//i.test(webhookBaseUrl)) {
    logger.warn({ webhookBaseUrl }, HTTPS_REQUIRED_WARNING);
    return { configs: [], others: [], warnings: [HTTPS_REQUIRED_WARNING] };
  }
  const url = `${webhookBaseUrl.replace(/\/+$/, '')}${EVENTS_PATH}`;
  const listed = await client.get('/webhook-endpoints', { limit: 100 });
  const existing = (listed as { webhook_endpoints?: unknown } | undefined)?.webhook_endpoints;
  for (const raw of Array.isArray(existing) ? existing : []) {
    const endpoint = endpointSchema.safeParse(raw);
    if (endpoint.success && endpoint.data.url === url) {
      await removeIfPresent(() =>
        client.send('DELETE', `/webhook-endpoints/${encodeURIComponent(endpoint.data.id)}`),
      );
    }
  }
  const created = endpointSchema.safeParse(
    await client.send('POST', '/webhook-endpoints', {
      url,
      enabled_events: EVENT_TYPES,
      description: 'Paybridge: transfer events of every rail',
    }),
  );
  if (!created.success || !created.data.secret) {
    throw new UpstreamError(
      `Column answered the webhook endpoint without ${created.success ? 'its secret' : describeZodProblem(created.error)}`,
    );
  }
  return {
    configs: [
      {
        name: WEBHOOK_NAME,
        urlPath: EVENTS_PATH,
        // Stored sealed with the webhook config; never returned by the API.
        metadata: { webhookEndpointId: created.data.id, secret: created.data.secret },
      },
    ],
    others: [],
  };
}

/** Deletes the endpoints the configs name; one Column no longer has is fine. */
export async function deleteEndpoints(client: ColumnClient, configs: WebhookConfig[]): Promise<void> {
  for (const config of configs) {
    const id = config.metadata.webhookEndpointId;
    if (!id) continue;
    await removeIfPresent(() => client.send('DELETE', `/webhook-endpoints/${encodeURIComponent(id)}`));
  }
}

const header = (headers: Record<string, string[]>, name: string) => {
  for (const [key, values] of Object.entries(headers)) if (key.toLowerCase() === name) return values[0];
  return undefined;
};

/** The signature Column sends for `body` under `secret`: HMAC-SHA256 of the raw body, hex. */
export function signatureOf(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

const eventSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  created_at: z.string().nullish(),
  data: z.unknown().optional(),
});

function parseEvent(body: Buffer): z.infer<typeof eventSchema> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('the body is not JSON');
  }
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success)
    throw new WebhookVerificationError(`not a Column event: ${describeZodProblem(parsed.error)}`);
  return parsed.data;
}

/**
 * Column-Signature must be the HMAC-SHA256 of the exact body under the endpoint's secret. Column's
 * documentation does not name the encoding; it is hex in practice (Formance's connector checks hex), and
 * base64 is accepted too, since either is the full 32-byte MAC. Column signs no timestamp, so the age of
 * a delivery cannot be checked: a replay is a duplicate, caught by the event id (the idempotency key).
 */
export function verifyDelivery(request: VerifyWebhookRequest): VerifyWebhookResponse {
  const secret = request.config.metadata.secret;
  if (!secret) throw new WebhookVerificationError('the webhook config holds no secret');
  const signature = header(request.webhook.headers, 'column-signature')?.trim();
  if (!signature) throw new WebhookVerificationError('missing Column-Signature');
  const expected = createHmac('sha256', secret).update(request.webhook.body).digest();
  const given = /^[0-9a-f]{64}$/i.test(signature)
    ? Buffer.from(signature, 'hex')
    : Buffer.from(signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new WebhookVerificationError('Column-Signature does not match the body');
  }
  return { idempotencyKey: parseEvent(request.webhook.body).id };
}

/**
 * A transfer event becomes a payment through the mapping polling uses. Its `data` is the rail's
 * transfer object; when it is missing or partial, the transfer is read again from Column. Events of
 * other kinds (and transfers Column no longer has) give nothing.
 */
export async function translateEvent(
  client: ColumnClient,
  logger: Logger,
  request: VerifyWebhookRequest,
): Promise<WebhookTranslation[]> {
  const event = parseEvent(request.webhook.body);
  const rail = RAIL_OF_PREFIX[event.type.split('.')[0] ?? ''];
  if (!rail || !/_?transfer\./.test(event.type)) return [];
  let parsed = transferSchema.safeParse(event.data);
  if (!parsed.success) {
    const id = (event.data as { id?: unknown } | null | undefined)?.id;
    if (typeof id !== 'string' || id === '') {
      throw new InvalidRequestError(`the ${event.type} event names no transfer`);
    }
    const raw = await readTransfer(client, rail, id);
    if (raw === undefined) return [];
    parsed = transferSchema.safeParse(raw);
    if (!parsed.success) {
      throw new UpstreamError(`Column answered the transfer unreadably: ${describeZodProblem(parsed.error)}`);
    }
  }
  const warnings: string[] = [];
  const payment = toPayment(parsed.data, warnings, rail);
  if (warnings.length > 0) logger.warn({ warnings, event: event.id }, 'Column event mapped with warnings');
  return [{ kind: 'payment', payment }];
}
