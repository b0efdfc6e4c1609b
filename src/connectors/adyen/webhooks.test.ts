// The company webhook at the fake Adyen, and deliveries verified per item (HMAC, Basic auth), split per item and translated.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../domain/json.js';
import { standaloneContext } from '../sdk/context.js';
import type { Webhook, WebhookConfig } from '../sdk/contract.js';
import { AuthenticationError, WebhookVerificationError } from '../sdk/errors.js';
import { FakePsp } from '../sdk/testing/index.js';
import { adyenConfig } from './config.js';
import { AdyenConnector } from './connector.js';
import {
  type AdyenFake,
  fixture,
  type NotificationFixture,
  serveAdyen,
  signNotification,
  TEST_API_KEY,
  TEST_COMPANY,
} from './fake.js';
import { webhookDescription } from './webhooks.js';

const BASE = 'https://paybridge.example/api/payments/v3/connectors/webhooks/conn-1';
const notifications = fixture<NotificationFixture[]>('notifications.json');
const named = (name: string) => {
  const found = notifications.find((n) => n.name.startsWith(name));
  if (!found) throw new Error(`no fixture ${name}`);
  return found.body;
};

let psp: FakePsp;
let fake: AdyenFake;

beforeEach(async () => {
  psp = await FakePsp.start();
  fake = serveAdyen(psp);
});
afterEach(async () => psp.stop());

function connector(extra: Record<string, string> = {}) {
  const config = adyenConfig.parse({
    apiKey: TEST_API_KEY,
    companyID: TEST_COMPANY,
    endpoint: `${psp.url}/v3`,
    ...extra,
  });
  return new AdyenConnector(
    config,
    standaloneContext({ connectorId: 'conn-1', logger: pino({ level: 'silent' }) }),
  );
}

const delivery = (body: unknown, headers: Record<string, string> = {}): Webhook => ({
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
  queryValues: {},
  body: Buffer.from(stringifyJson(body)),
});
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

async function installedWebhook(c: AdyenConnector): Promise<WebhookConfig> {
  const { configs } = await c.createWebhooks({ webhookBaseUrl: BASE });
  const config = configs[0];
  if (!config) throw new Error('no webhook config');
  return config;
}

describe('the company webhook', () => {
  it('is created as a standard JSON webhook for all merchant accounts at the base URL, with its HMAC key kept in the config', async () => {
    const c = connector({ webhookUsername: 'adyen', webhookPassword: 'pw' });
    const config = await installedWebhook(c);
    const [webhook] = fake.webhooks;
    expect(webhook).toMatchObject({
      url: `${BASE}/standard`,
      type: 'standard',
      communicationFormat: 'json',
      filterMerchantAccountType: 'allAccounts',
      active: true,
      username: 'adyen',
      password: 'pw',
      description: webhookDescription('conn-1'),
    });
    expect(config).toEqual({
      name: 'standard',
      urlPath: '/standard',
      metadata: { webhookId: webhook?.id, hmacKey: webhook?.hmacKey },
    });
    psp.assertRequests('POST', '/v3/companies/:companyId/webhooks', {
      headers: { 'x-api-key': TEST_API_KEY, 'idempotency-key': 'paybridge-webhook-conn-1' },
    });
  });

  it('a retried creation reuses the webhook an interrupted attempt left, with a fresh key', async () => {
    const c = connector();
    const first = await installedWebhook(c);
    const second = await installedWebhook(c);
    expect(fake.webhooks).toHaveLength(1);
    expect(second.metadata.webhookId).toBe(first.metadata.webhookId);
    expect(second.metadata.hmacKey).toBe(fake.webhooks[0]?.hmacKey);
  });

  it('is deleted at uninstall, and one already gone is fine', async () => {
    const c = connector();
    const config = await installedWebhook(c);
    await c.uninstall({ webhookConfigs: [config] });
    expect(fake.webhooks).toEqual([]);
    await expect(c.uninstall({ webhookConfigs: [config] })).resolves.toBeUndefined();
  });
});

describe('verification', () => {
  it('accepts a delivery whose every item carries a valid HMAC; the key is the item key', async () => {
    const c = connector();
    const config = await installedWebhook(c);
    const body = signNotification(named('authorisation'), config.metadata.hmacKey ?? '');
    const answer = await c.verifyWebhook({ webhook: delivery(body), config, receivedAt: new Date() });
    expect(answer.idempotencyKey).toBe('QFQTPCQ8HXSKGK82::AUTHORISATION:true');
    expect(psp.requestsTo('GET', '/v3/companies/:companyId')).toHaveLength(0);
  });

  it('refuses the whole delivery when one item of a batch is forged (Formance kept the others)', async () => {
    const c = connector();
    const config = await installedWebhook(c);
    const good = signNotification(named('capture-and-refund'), config.metadata.hmacKey ?? '');
    const forgedSecond = signNotification(named('capture-and-refund'), 'AB'.repeat(32));
    const mixed = {
      ...good,
      notificationItems: [good.notificationItems[0], forgedSecond.notificationItems[1]],
    };
    await expect(
      c.verifyWebhook({ webhook: delivery(mixed), config, receivedAt: new Date() }),
    ).rejects.toThrow(/item 1 has an invalid HMAC/);
  });

  it('refuses a signed item whose amount was changed, an unsigned item, and a body that is not a notification', async () => {
    const c = connector();
    const config = await installedWebhook(c);
    const body = signNotification(named('authorisation'), config.metadata.hmacKey ?? '');
    const raised = parseJson(stringifyJson(body)) as typeof body;
    const first = raised.notificationItems[0]?.NotificationRequestItem as { amount: { value: number } };
    first.amount.value = 999999;
    const verify = (b: unknown) => c.verifyWebhook({ webhook: delivery(b), config, receivedAt: new Date() });
    await expect(verify(raised)).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(verify(named('authorisation'))).rejects.toThrow(/no hmacSignature/);
    await expect(verify({ hello: 'world' })).rejects.toThrow(/not an Adyen notification/);
  });

  it('with Basic auth configured, refuses a delivery without it or with the wrong password', async () => {
    const c = connector({ webhookUsername: 'adyen', webhookPassword: 'pw' });
    const config = await installedWebhook(c);
    const body = signNotification(named('authorisation'), config.metadata.hmacKey ?? '');
    const verify = (headers: Record<string, string>) =>
      c.verifyWebhook({ webhook: delivery(body, headers), config, receivedAt: new Date() });
    await expect(verify({})).rejects.toThrow(/has none/);
    await expect(verify(basic('adyen', 'nope'))).rejects.toThrow(/do not match/);
    await expect(verify(basic('adyen', 'pw'))).resolves.toHaveProperty('idempotencyKey');
  });

  it('a batch gets one key from all its items, the same on redelivery', async () => {
    const c = connector();
    const config = await installedWebhook(c);
    const body = signNotification(named('capture-and-refund'), config.metadata.hmacKey ?? '');
    const verify = () => c.verifyWebhook({ webhook: delivery(body), config, receivedAt: new Date() });
    const key = (await verify()).idempotencyKey;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect((await verify()).idempotencyKey).toBe(key);
  });
});

describe('splitting and translation', () => {
  it('splits notificationItems into one part each, and translates each through the mapping', async () => {
    const c = connector();
    const config = await installedWebhook(c);
    const body = signNotification(named('capture-and-refund'), config.metadata.hmacKey ?? '');
    const webhook = delivery(body);
    const { webhooks: parts } = await c.trimWebhook({ webhook, config, receivedAt: new Date() });
    expect(parts).toHaveLength(2);
    const translated = [];
    for (const part of parts) {
      const { responses } = await c.translateWebhook({
        webhook: part,
        config,
        receivedAt: new Date(),
        name: 'standard',
      });
      translated.push(...responses);
    }
    expect(
      translated.map((r) =>
        r.kind === 'payment'
          ? [r.payment.reference, r.payment.parentReference, r.payment.status, r.payment.amount]
          : r.kind,
      ),
    ).toEqual([
      ['V4HZ4RBFJGXXGN82', 'QFQTPCQ8HXSKGK82', 'CAPTURE', 10000n],
      ['JDD6LKT8MBLZNN84', 'QFQTPCQ8HXSKGK82', 'REFUNDED', 2500n],
    ]);
    // Each part is still a verifiable notification with its item's own signature.
    for (const part of parts) {
      await expect(c.verifyWebhook({ webhook: part, config, receivedAt: new Date() })).resolves.toBeDefined();
    }
  });

  it('skips an item whose currency Adyen does not list, keeping the other items of the delivery', async () => {
    const c = connector();
    const config = await installedWebhook(c);
    const [capture, refund] = named('capture-and-refund').notificationItems;
    const odd = {
      NotificationRequestItem: { ...refund?.NotificationRequestItem, amount: { currency: 'XQQ', value: 1 } },
    };
    const body = { live: 'false', notificationItems: [capture, odd] };
    const { responses } = await c.translateWebhook({
      webhook: delivery(body),
      config,
      receivedAt: new Date(),
      name: 'standard',
    });
    expect(responses.map((r) => (r.kind === 'payment' ? r.payment.reference : r.kind))).toEqual([
      'V4HZ4RBFJGXXGN82',
    ]);
  });

  it('leaves out informational events and answers nothing for them', async () => {
    const c = connector();
    const config = await installedWebhook(c);
    const body = {
      live: 'false',
      notificationItems: [
        {
          NotificationRequestItem: {
            ...named('authorisation').notificationItems[0]?.NotificationRequestItem,
            eventCode: 'REPORT_AVAILABLE',
          },
        },
      ],
    };
    const { responses } = await c.translateWebhook({
      webhook: delivery(body),
      config,
      receivedAt: new Date(),
      name: 'standard',
    });
    expect(responses).toEqual([]);
  });
});

describe('install', () => {
  it('checks the key with one call and refuses a wrong key with Adyen’s reason', async () => {
    await expect(connector().install()).resolves.toHaveProperty('workflow');
    expect(psp.requests).toHaveLength(1);
    const wrong = new AdyenConnector(
      adyenConfig.parse({ apiKey: 'wrong', companyID: TEST_COMPANY, endpoint: `${psp.url}/v3` }),
      standaloneContext({ connectorId: 'conn-1', logger: pino({ level: 'silent' }) }),
    );
    const error: unknown = await wrong.install().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/000: HTTP Status Response - Unauthorized/);
    expect((error as Error).message).not.toContain('wrong');
  });

  it('refuses a company the key cannot see with Adyen’s reason', async () => {
    const other = new AdyenConnector(
      adyenConfig.parse({ apiKey: TEST_API_KEY, companyID: 'SomeoneElse', endpoint: `${psp.url}/v3` }),
      standaloneContext({ connectorId: 'conn-1', logger: pino({ level: 'silent' }) }),
    );
    await expect(other.install()).rejects.toThrow(/You do not have the required access rights/);
  });

  it('sends the SDK’s calls to the configured endpoint only, with the key in X-API-Key', async () => {
    await connector().install();
    const [request] = psp.requests;
    expect(request?.path).toBe(`/v3/companies/${TEST_COMPANY}`);
    expect(request?.headers['x-api-key']).toBe(TEST_API_KEY);
  });
});
