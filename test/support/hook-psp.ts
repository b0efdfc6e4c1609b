// A test PSP that pushes payments by webhook, signed the Standard Webhooks way, for the webhook pipeline's
// tests: one endpoint (`/payments`), the message id as idempotency key, a tiny JSON payment per delivery.
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import type {
  CreateWebhooksRequest,
  UninstallRequest,
  VerifyWebhookRequest,
  WebhookConfig,
} from '../../src/connectors/sdk/contract.js';
import { WebhookVerificationError } from '../../src/connectors/sdk/errors.js';
import { findConnector, registerConnector } from '../../src/connectors/sdk/registry.js';

export const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
export const uninstalled: WebhookConfig[][] = [];

// A PSP that pushes payments: one endpoint, Standard Webhooks signatures, the message id as key.
export class HookPsp extends BaseConnector {
  async install() {
    return {
      workflow: [
        { type: 'CREATE_WEBHOOKS' as const, name: 'create_webhooks', periodic: false, children: [] },
      ],
    };
  }
  override async createWebhooks(_request: CreateWebhooksRequest) {
    return {
      configs: [{ name: 'payments', urlPath: '/payments', metadata: { secret: SECRET } }],
      others: [],
    };
  }
  override async uninstall(request: UninstallRequest) {
    uninstalled.push(request.webhookConfigs);
  }
  override async verifyWebhook(request: VerifyWebhookRequest) {
    const header = (name: string) => request.webhook.headers[name]?.[0] ?? '';
    const headers = {
      'webhook-id': header('webhook-id'),
      'webhook-timestamp': header('webhook-timestamp'),
      'webhook-signature': header('webhook-signature'),
    };
    try {
      new StandardWebhook(request.config.metadata.secret as string).verify(
        request.webhook.body.toString(),
        headers,
      );
    } catch (error) {
      throw new WebhookVerificationError((error as Error).message);
    }
    return { idempotencyKey: headers['webhook-id'] };
  }
  override async translateWebhook(request: VerifyWebhookRequest & { name: string }) {
    const p = JSON.parse(request.webhook.body.toString()) as {
      id: string;
      status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
      amount: number;
      updatedAt: string;
    };
    return {
      responses: [
        {
          kind: 'payment' as const,
          payment: {
            reference: p.id,
            createdAt: new Date('2026-01-01T00:00:00Z'),
            updatedAt: new Date(p.updatedAt),
            type: 'PAY-IN' as const,
            amount: BigInt(p.amount),
            asset: 'EUR/2',
            scheme: 'OTHER' as const,
            status: p.status,
            raw: p,
          },
        },
      ],
    };
  }
}
/** Registers `hookpsp` (once per process). */
export function registerHookPsp(): void {
  if (findConnector('hookpsp')) return;
  registerConnector({
    provider: 'hookpsp',
    capabilities: ['CREATE_WEBHOOKS', 'TRANSLATE_WEBHOOKS'],
    config: z.object({}),
    pageSize: 10,
    // Standard Webhooks signatures against the config's secret: verified at intake.
    webhooks: { verification: 'local' },
    create: () => new HookPsp(),
  });
}

/** The headers of a delivery of `body`, signed with `secret` (the PSP's by default) at `at`. */
export function signed(body: string, options: { id?: string; secret?: string; at?: Date } = {}) {
  const id = options.id ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  const signature = new StandardWebhook(options.secret ?? SECRET).sign(id, at, body);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

/** A delivery's body: one payment in one status, as of `updatedAt`. */
export const paymentBody = (id: string, status: string, updatedAt: string, amount = 500) =>
  JSON.stringify({ id, status, amount, updatedAt });
