// Webhooks: Wise's own signed sample, test notifications, subscriptions at install and uninstall, translation through re-reads.
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookVerificationError } from '../sdk/errors.js';
import type { WebhookConfig } from '../sdk/contract.js';
import { WISE_SANDBOX } from './config.js';
import { newKeyPair, signBody } from './fake.js';
import { startHarness, type Harness } from './test-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const config: WebhookConfig = {
  name: 'transfers-state-change-30000001',
  urlPath: '/profiles/30000001/transfers-state-change',
  metadata: { profileId: '30000001', subscriptionId: 's-1', eventType: 'transfers#state-change' },
};

// Wise's published sandbox example (transferwise/digital-signatures-examples): body and signature as sent.
const WISE_SAMPLE_BODY =
  '{"data":{"resource":{"id":49983981,"profile_id":16055450,"account_id":14124090,"type":"transfer"},"current_state":"incoming_payment_waiting","previous_state":null,"occurred_at":"2021-08-23T10:12:50Z"},"subscription_id":"90aa8e14-4ef1-4a56-861c-f3c9cde097ea","event_type":"transfers#state-change","schema_version":"2.0.0","sent_at":"2021-08-23T10:12:50Z"}';
const WISE_SAMPLE_SIGNATURE =
  'wKcKCYXAzxNgiu7xmoDm943NUni7Rz33QN8JkEA9dWSGebgndonabgSj18Y4C08OrwVmueGsED2s00M7DtJVcYKOS1i3G4TMVx+mgM3aL9djMBkQtiYNBFUd6wrPI7ZUNHv/TrlKSjTMc+6JFvUvJ7owY3z85e3I4jLRLJowMFvO8kvCJ60+1pY9wDwZvtZ//WS93LrwGjk9Dvwzpmu0w+P4J75tETT5qC3Uv0y5G2yO8SEoO3yNP/tg/BOli02niHb53vEOUWUb9bly6thnfMoXoiV/osoGxgF20R58RlvkAmezyyl1Sv542TfS2DpiwVnmjjjkCyXeSUcKookYLQ==';

const event = (sentAt: Date, fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    data: {
      resource: { type: 'transfer', id: 50000002, profile_id: 30000001, account_id: 40000002 },
      current_state: 'processing',
      previous_state: 'incoming_payment_waiting',
      occurred_at: sentAt.toISOString(),
    },
    subscription_id: 's-1',
    event_type: 'transfers#state-change',
    schema_version: '2.0.0',
    sent_at: sentAt.toISOString(),
    ...fields,
  });

const delivery = (body: string, headers: Record<string, string>) => ({
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]])),
  queryValues: {},
  body: Buffer.from(body),
});

describe('webhook verification', () => {
  it("accepts Wise's own signed sandbox sample with the default sandbox key", async () => {
    // No webhookPublicKey: the endpoint is the sandbox, so Wise's published sandbox key applies.
    h = await startHarness({ config: { webhookPublicKey: undefined, endpoint: WISE_SANDBOX } });
    const answer = await h.connector.verifyWebhook({
      webhook: delivery(WISE_SAMPLE_BODY, {
        'X-Signature-SHA256': WISE_SAMPLE_SIGNATURE,
        'X-Delivery-Id': 'd-1',
      }),
      config,
      receivedAt: new Date('2021-08-23T10:12:51Z'),
    });
    expect(answer).toEqual({ idempotencyKey: 'd-1' });
  });

  it('refuses an X-Test-Notification whose signature does not verify, and accepts one that does', async () => {
    h = await startHarness();
    const now = new Date();
    const body = event(now);
    const forged = signBody(body, newKeyPair().privateKey);
    const test = { 'X-Test-Notification': 'true', 'X-Delivery-Id': 'd-2' };
    await expect(
      h.connector.verifyWebhook({
        webhook: delivery(body, { ...test, 'X-Signature-SHA256': forged }),
        config,
        receivedAt: now,
      }),
    ).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(
      h.connector.verifyWebhook({ webhook: delivery(body, test), config, receivedAt: now }),
    ).rejects.toBeInstanceOf(WebhookVerificationError);
    const signed = signBody(body, h.world.privateKey);
    await expect(
      h.connector.verifyWebhook({
        webhook: delivery(body, { ...test, 'X-Signature-SHA256': signed }),
        config,
        receivedAt: now,
      }),
    ).resolves.toEqual({ idempotencyKey: 'd-2' });
  });

  it('refuses a correctly signed delivery sent more than ten minutes before it arrived', async () => {
    h = await startHarness();
    const now = new Date();
    const body = event(new Date(now.getTime() - 11 * 60_000));
    await expect(
      h.connector.verifyWebhook({
        webhook: delivery(body, { 'X-Signature-SHA256': signBody(body, h.world.privateKey) }),
        config,
        receivedAt: now,
      }),
    ).rejects.toThrow(/sent_at/);
  });

  it('keys a delivery without X-Delivery-Id by its body', async () => {
    h = await startHarness();
    const now = new Date();
    const body = event(now);
    const answer = await h.connector.verifyWebhook({
      webhook: delivery(body, { 'X-Signature-SHA256': signBody(body, h.world.privateKey) }),
      config,
      receivedAt: now,
    });
    expect(answer.idempotencyKey).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('webhook translation', () => {
  it('re-reads the transfer of a state change and maps it as polling does', async () => {
    h = await startHarness();
    const now = new Date();
    const body = event(now);
    const { responses } = await h.connector.translateWebhook({
      webhook: delivery(body, {}),
      config,
      receivedAt: now,
      name: config.name,
    });
    expect(responses).toEqual([
      expect.objectContaining({
        kind: 'payment',
        payment: expect.objectContaining({
          reference: '50000002',
          status: 'PENDING',
          amount: 1234n,
          asset: 'EUR/2',
        }),
      }),
    ]);
    h.psp.assertRequests('GET', '/v1/transfers/50000002', {});
  });

  it('reads the balance a balances#update names', async () => {
    h = await startHarness();
    const now = new Date();
    const body = JSON.stringify({
      data: {
        resource: { id: 9000001, profile_id: 30000001, type: 'balance-account' },
        amount: 10,
        balance_id: 200001,
        currency: 'EUR',
        transaction_type: 'credit',
        occurred_at: now.toISOString(),
        post_transaction_balance_amount: 1533.45,
      },
      subscription_id: 's-2',
      event_type: 'balances#update',
      schema_version: '2.2.0',
      sent_at: now.toISOString(),
    });
    const { responses } = await h.connector.translateWebhook({
      webhook: delivery(body, {}),
      config,
      receivedAt: now,
      name: 'x',
    });
    expect(responses).toEqual([
      {
        kind: 'balance',
        balance: expect.objectContaining({ accountReference: '200001', amount: 152345n, asset: 'EUR/2' }),
      },
    ]);
  });

  it('gives nothing for a verified test notification about a transfer Wise does not have', async () => {
    h = await startHarness();
    const now = new Date();
    const body = event(now, {
      data: {
        resource: { type: 'transfer', id: 111, profile_id: 30000001 },
        current_state: 'processing',
        occurred_at: now.toISOString(),
      },
    });
    const { responses } = await h.connector.translateWebhook({
      webhook: delivery(body, { 'X-Test-Notification': 'true' }),
      config,
      receivedAt: now,
      name: config.name,
    });
    expect(responses).toEqual([]);
  });
});

describe('subscriptions', () => {
  it('subscribes every profile to both events once, however often the task runs, and uninstall deletes them', async () => {
    h = await startHarness();
    const base = 'https://paybridge.example/api/payments/v3/connectors/webhooks/c1';
    const first = await h.connector.createWebhooks({ webhookBaseUrl: base });
    const again = await h.connector.createWebhooks({ webhookBaseUrl: base });
    expect(again.configs).toEqual(first.configs);
    expect(first.configs.map((c) => c.urlPath).sort()).toEqual([
      '/profiles/30000001/balances-update',
      '/profiles/30000001/transfers-state-change',
      '/profiles/30000002/balances-update',
      '/profiles/30000002/transfers-state-change',
    ]);
    const created = h.psp.requestsTo('POST', '/v3/profiles/:p/subscriptions').map((r) => r.json());
    expect(created).toHaveLength(4);
    expect(created).toContainEqual({
      name: 'Paybridge transfers#state-change',
      trigger_on: 'transfers#state-change',
      delivery: { version: '2.0.0', url: `${base}/profiles/30000001/transfers-state-change` },
    });
    await h.connector.uninstall({ webhookConfigs: first.configs });
    await h.connector.uninstall({ webhookConfigs: first.configs });
    expect(Object.values(h.world.subscriptions).flat()).toEqual([]);
  });

  it('subscribes only the profile its task runs for', async () => {
    h = await startHarness();
    const { configs } = await h.connector.createWebhooks({
      webhookBaseUrl: 'https://p.example/w',
      fromPayload: { id: '30000002', payload: {} },
    });
    expect(configs.map((c) => c.metadata.profileId)).toEqual(['30000002', '30000002']);
  });
});
