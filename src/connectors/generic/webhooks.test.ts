// The Generic connector's webhook verification and translation, on deliveries signed the Standard Webhooks way.
import { randomBytes } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { VerifyWebhookRequest } from '../sdk/contract.js';
import { InvalidRequestError, WebhookVerificationError } from '../sdk/errors.js';
import { GenericClient } from './client.js';
import type { GenericConfig } from './config.js';
import { translateWebhook, unregisterWebhooks, verifyWebhook } from './webhooks.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const config = { name: 'events', urlPath: '/events', metadata: { secret, webhookId: 'wh_1' } };

function delivery(
  body: string,
  options: { at?: Date; id?: string; signWith?: string; receivedAt?: Date } = {},
) {
  const at = options.at ?? new Date();
  const id = options.id ?? 'msg_1';
  const signature = new StandardWebhook(options.signWith ?? secret).sign(id, at, body);
  const request: VerifyWebhookRequest = {
    webhook: {
      headers: {
        'webhook-id': [id],
        'webhook-timestamp': [String(Math.floor(at.getTime() / 1000))],
        'webhook-signature': [signature],
      },
      queryValues: {},
      body: Buffer.from(body),
    },
    config,
    receivedAt: options.receivedAt ?? new Date(),
  };
  return request;
}

const transaction = {
  id: 'txn_1',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:05Z',
  currency: 'EUR/2',
  type: 'PAYIN',
  status: 'SUCCEEDED',
  amount: '1250',
  metadata: {},
};
const event = JSON.stringify({
  type: 'transaction.updated',
  createdAt: '2026-01-01T00:00:05Z',
  data: transaction,
});

describe('verifyWebhook', () => {
  it('accepts a valid signature and answers the message id as idempotency key', () => {
    expect(verifyWebhook(delivery(event, { id: 'msg_42' }))).toEqual({ idempotencyKey: 'msg_42' });
  });

  it('checks the timestamp against the time of receipt, not the time of verification', () => {
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    // Received ten minutes ago, verified now (a queued job): still valid.
    expect(() =>
      verifyWebhook(delivery(event, { at: tenMinutesAgo, receivedAt: tenMinutesAgo })),
    ).not.toThrow();
    // Signed ten minutes before it was received: stale.
    expect(() => verifyWebhook(delivery(event, { at: tenMinutesAgo }))).toThrow(WebhookVerificationError);
  });

  it('refuses a wrong secret, a changed body and missing headers', () => {
    const wrong = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => verifyWebhook(delivery(event, { signWith: wrong }))).toThrow(WebhookVerificationError);
    const tampered = delivery(event);
    tampered.webhook.body = Buffer.from(event.replace('1250', '9999'));
    expect(() => verifyWebhook(tampered)).toThrow(WebhookVerificationError);
    const bare = delivery(event);
    bare.webhook.headers = {};
    expect(() => verifyWebhook(bare)).toThrow(WebhookVerificationError);
  });
});

describe('translateWebhook', () => {
  it('maps a transaction event as polling maps the transaction', () => {
    const [response] = translateWebhook(Buffer.from(event));
    expect(response).toMatchObject({
      kind: 'payment',
      payment: { reference: 'txn_1', type: 'PAY-IN', status: 'SUCCEEDED', amount: 1250n, asset: 'EUR/2' },
    });
  });

  it('maps balances to the account the event names, ignores unknown types and refuses malformed objects', () => {
    const balances = JSON.stringify({
      type: 'balance.changed',
      createdAt: '2026-01-01T00:00:05Z',
      data: {
        id: 'b1',
        accountID: 'acc_1',
        at: '2026-01-01T00:00:05Z',
        balances: [{ amount: '42', currency: 'EUR/2' }],
      },
    });
    expect(translateWebhook(Buffer.from(balances))).toMatchObject([
      { kind: 'balance', balance: { accountReference: 'acc_1', amount: 42n, asset: 'EUR/2' } },
    ]);
    expect(translateWebhook(Buffer.from(JSON.stringify({ type: 'invoice.paid', data: {} })))).toEqual([]);
    const broken = JSON.stringify({ type: 'transaction.created', data: { ...transaction, amount: 'lots' } });
    expect(() => translateWebhook(Buffer.from(broken))).toThrow(InvalidRequestError);
    expect(() => translateWebhook(Buffer.from('not json'))).toThrow(InvalidRequestError);
  });
});

describe('Generic webhook unregistration', () => {
  const registration = (webhookId: string) => ({
    name: 'events',
    urlPath: '/events',
    metadata: { webhookId },
  });
  const client = (answers: Record<string, number>) =>
    new GenericClient({ apiKey: 'k', endpoint: 'http://generic.test' } as GenericConfig, (input) => {
      const id = String(input).split('/').pop() ?? '';
      return Promise.resolve(
        new Response(answers[id] === 204 ? null : '{"message":"nope"}', { status: answers[id] }),
      );
    });

  it('accepts a registration already gone at the service (404)', async () => {
    await expect(
      unregisterWebhooks(client({ wh_1: 204, wh_2: 404 }), [registration('wh_1'), registration('wh_2')]),
    ).resolves.toBeUndefined();
  });

  it('passes on any other refusal, whatever its message says', async () => {
    const refused = await unregisterWebhooks(client({ wh_1: 400 }), [registration('wh_1')]).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(InvalidRequestError);
    expect((refused as InvalidRequestError).status).toBe(400);
  });
});
