// Mangopay hooks: one per event type, registered at install and disabled at uninstall; a notification is an unsigned hint, checked and turned into data only by re-reading the resource from the API.
import type { WebhookConfig } from '../sdk/contract.js';
import { InvalidRequestError, WebhookVerificationError } from '../sdk/errors.js';
import type { ResourceKind } from './client.js';

/** The event types a hook is created for, and the resource each one names in RessourceId. */
export const HOOK_EVENTS: Readonly<Record<string, ResourceKind>> = {
  PAYIN_NORMAL_CREATED: 'payin',
  PAYIN_NORMAL_SUCCEEDED: 'payin',
  PAYIN_NORMAL_FAILED: 'payin',
  PAYOUT_NORMAL_CREATED: 'payout',
  PAYOUT_NORMAL_SUCCEEDED: 'payout',
  PAYOUT_NORMAL_FAILED: 'payout',
  INSTANT_PAYOUT_SUCCEEDED: 'payout',
  INSTANT_PAYOUT_FALLBACKED: 'payout',
  TRANSFER_NORMAL_CREATED: 'transfer',
  TRANSFER_NORMAL_SUCCEEDED: 'transfer',
  TRANSFER_NORMAL_FAILED: 'transfer',
  PAYIN_REFUND_CREATED: 'refund',
  PAYIN_REFUND_SUCCEEDED: 'refund',
  PAYIN_REFUND_FAILED: 'refund',
  PAYOUT_REFUND_CREATED: 'refund',
  PAYOUT_REFUND_SUCCEEDED: 'refund',
  PAYOUT_REFUND_FAILED: 'refund',
  TRANSFER_REFUND_CREATED: 'refund',
  TRANSFER_REFUND_SUCCEEDED: 'refund',
  TRANSFER_REFUND_FAILED: 'refund',
};

/**
 * How far a notification's Date may lie from when Paybridge received it. The hint is worthless after
 * that (polling, the safety net, has read the resource by then), and a replayed old URL is refused.
 */
export const HINT_TOLERANCE_MS = 30 * 60 * 1000;

export function urlPathOf(eventType: string): string {
  return `/${eventType.toLowerCase()}`;
}

export function hookConfig(eventType: string, hookId: string): WebhookConfig {
  return { name: eventType, urlPath: urlPathOf(eventType), metadata: { hookId } };
}

/** What a notification says: an event about a resource, at a time. */
export interface Hint {
  eventType: string;
  resourceId: string;
  /** Unix seconds, as Mangopay sends it. */
  date: number;
  kind: ResourceKind;
  /** EventType + RessourceId + Date: Mangopay's retries of one notification repeat all three. */
  idempotencyKey: string;
}

function single(query: Record<string, string[]>, name: string): string | undefined {
  const values = query[name];
  return values && values.length === 1 ? values[0] : undefined;
}

/**
 * The hint of a notification (`GET <url>?EventType=…&RessourceId=…&Date=…`, Mangopay's spelling), or a
 * WebhookVerificationError: a body, a missing or repeated parameter, an event type other than the one
 * the hook at this URL was created for, or a Date too far from `receivedAt`.
 */
export function readHint(
  webhook: { queryValues: Record<string, string[]>; body: Buffer },
  config: WebhookConfig,
  receivedAt: Date,
): Hint {
  if (webhook.body.length > 0) {
    throw new WebhookVerificationError('a Mangopay notification has no body; this one has');
  }
  const eventType = single(webhook.queryValues, 'EventType');
  const resourceId = single(webhook.queryValues, 'RessourceId');
  const date = single(webhook.queryValues, 'Date');
  if (!eventType || !resourceId || !date) {
    throw new WebhookVerificationError('a Mangopay notification carries EventType, RessourceId and Date');
  }
  if (eventType !== config.name) {
    throw new WebhookVerificationError(
      `event ${eventType.slice(0, 60)} arrived at the hook of ${config.name}`,
    );
  }
  const kind = HOOK_EVENTS[eventType];
  if (!kind) throw new WebhookVerificationError(`unknown Mangopay event type ${eventType.slice(0, 60)}`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(resourceId)) {
    throw new WebhookVerificationError('RessourceId is not a Mangopay id');
  }
  if (!/^\d{1,12}$/.test(date)) throw new WebhookVerificationError('Date is not a Unix time');
  const seconds = Number(date);
  if (Math.abs(receivedAt.getTime() - seconds * 1000) > HINT_TOLERANCE_MS) {
    throw new WebhookVerificationError(
      `the notification is dated ${new Date(seconds * 1000).toISOString()}, too far from its receipt`,
    );
  }
  return { eventType, resourceId, date: seconds, kind, idempotencyKey: `${eventType}-${resourceId}-${date}` };
}

/** A resource read back for a hint must be the one it names. */
export function checkResource(hint: Hint, resource: unknown): void {
  const id = (resource as { Id?: unknown } | null)?.Id;
  if (id !== hint.resourceId) {
    throw new InvalidRequestError(`Mangopay answered another resource than ${hint.resourceId}`);
  }
}
