// Increase deliveries: both signing schemes verify with the subscription's secret, forgeries and stale ones are refused, and translation re-reads the object.
import { readFileSync } from 'node:fs';
import Increase from 'increase';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { standaloneContext } from '../sdk/context.js';
import type { WebhookConfig } from '../sdk/contract.js';
import { InvalidRequestError, WebhookVerificationError } from '../sdk/errors.js';
import { FakePsp } from '../sdk/testing/fake-psp.js';
import { IncreaseConnector } from './connector.js';
import { configFor, newWorld, serveIncrease, type IncreaseWorld } from './fake.js';
import { increaseHeader, standardHeaders } from './test-support.js';
import { EVENT_CATEGORIES, verifyDelivery } from './webhooks.js';

const body = readFileSync(new URL('./fixtures/event.json', import.meta.url));
const SECRET = 'a-shared-secret-generated-at-install';
const config: WebhookConfig = {
  name: 'events',
  urlPath: '/events',
  metadata: { subscriptionId: 'x', secret: SECRET },
};

const delivery = (headers: Record<string, string>, sent = body) => ({
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]])),
  queryValues: {},
  body: sent,
});
const verify = (headers: Record<string, string>, receivedAt = new Date(), sent = body) =>
  verifyDelivery({ webhook: delivery(headers, sent), config, receivedAt });

describe('Increase webhook verification', () => {
  it('accepts what the standardwebhooks library signs with the secret as the official SDK keys it', () => {
    const now = new Date();
    const library = new Webhook(`whsec_${Buffer.from(SECRET).toString('base64')}`);
    const signature = library.sign('msg_2a', now, body.toString('utf8'));
    const headers = {
      'webhook-id': 'msg_2a',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': `v1,AAAA v0,x ${signature}`,
    };
    expect(verify(headers, now)).toEqual({ idempotencyKey: 'event_001dzz0r20rzr4zrhrr1364hy80' });
  });

  it('signs in tests exactly as the official SDK’s unwrap verifies', () => {
    const sdk = new Increase({ apiKey: 'unused', webhookSecret: SECRET, logLevel: 'off' });
    const headers = standardHeaders(SECRET, body, new Date());
    expect(sdk.events.unwrap(body.toString('utf8'), { headers }).id).toBe(
      'event_001dzz0r20rzr4zrhrr1364hy80',
    );
    expect(() =>
      sdk.events.unwrap(body.toString('utf8'), { headers: standardHeaders('other', body, new Date()) }),
    ).toThrow();
  });

  it('accepts Increase-Webhook-Signature (t=…,v1=hex HMAC of t.body), with the event id as key', () => {
    const now = new Date();
    expect(verify(increaseHeader(SECRET, body, now), now).idempotencyKey).toBe(
      'event_001dzz0r20rzr4zrhrr1364hy80',
    );
  });

  it.each([
    ['a wrong secret (standard)', () => verify(standardHeaders('not-it', body, new Date()))],
    ['a wrong secret (Increase header)', () => verify(increaseHeader('not-it', body, new Date()))],
    [
      'a tampered body',
      () => verify(increaseHeader(SECRET, body, new Date()), new Date(), Buffer.from(`${body} `)),
    ],
    ['a timestamp 301 s old', () => verify(increaseHeader(SECRET, body, new Date(Date.now() - 301_000)))],
    ['a timestamp 301 s ahead', () => verify(standardHeaders(SECRET, body, new Date(Date.now() + 301_000)))],
    ['no signature', () => verify({})],
    ['a v1 with no t', () => verify({ 'Increase-Webhook-Signature': 'v1=00' })],
  ])('refuses %s', (_name, run) => {
    expect(run).toThrow(WebhookVerificationError);
  });

  it('subscribes to the events of the objects it reads', () => {
    expect(EVENT_CATEGORIES).toContain('transaction.created');
    expect(EVENT_CATEGORIES).toContain('pending_transaction.updated');
    expect(EVENT_CATEGORIES).toContain('declined_transaction.created');
  });
});

describe('Increase webhook subscription and translation', () => {
  let psp: FakePsp;
  let world: IncreaseWorld;
  let connector: IncreaseConnector;
  beforeEach(async () => {
    psp = await FakePsp.start();
    world = newWorld();
    serveIncrease(psp, world);
    connector = new IncreaseConnector(
      { apiKey: configFor(psp).apiKey ?? '', endpoint: psp.url },
      standaloneContext({
        connectorId: 'webhooks-test',
        logger: pino({ level: 'silent' }),
        fetch: psp.fetch,
      }),
    );
  });
  afterEach(() => psp.stop());

  it('creates one subscription with a fresh secret kept only in the webhook config, replacing one left at the same URL', async () => {
    const base = 'https://paybridge.example/webhooks/c1';
    const first = await connector.createWebhooks({ webhookBaseUrl: base });
    const second = await connector.createWebhooks({ webhookBaseUrl: base });
    const active = world.eventSubscriptions.filter((s) => s.status === 'active');
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({
      url: `${base}/events`,
      id: second.configs[0]?.metadata.subscriptionId,
    });
    expect(active[0]?.shared_secret).toBe(second.configs[0]?.metadata.secret);
    expect(second.configs[0]?.metadata.secret).not.toBe(first.configs[0]?.metadata.secret);
    expect(String(second.configs[0]?.metadata.secret).length).toBeGreaterThanOrEqual(40);
    const [create] = psp.requestsTo('POST', '/event_subscriptions');
    expect(create?.headers['idempotency-key']).toMatch(/^paybridge-subscription-/);
  });

  it('translates an event by reading its transaction back, mapped as polling maps it', async () => {
    const { responses } = await connector.translateWebhook({
      webhook: delivery({}),
      config,
      receivedAt: new Date(),
      name: 'events',
    });
    expect(psp.requestsTo('GET', '/transactions/:id').map((r) => r.params.id)).toEqual([
      'transaction_a1s3d5f7g9h1j3k5l7z9',
    ]);
    expect(responses).toMatchObject([
      { kind: 'payment', payment: { reference: 'ach_transfer_uoxatyh3lt5evrsdvo7q', status: 'SUCCEEDED' } },
    ]);
  });

  it('stores nothing for an event whose object Increase does not have', async () => {
    const forged = Buffer.from(
      body.toString('utf8').replace('transaction_a1s3d5f7g9h1j3k5l7z9', 'transaction_nope'),
    );
    await expect(
      connector.translateWebhook({
        webhook: delivery({}, forged),
        config,
        receivedAt: new Date(),
        name: 'events',
      }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('ignores events of objects it does not read', async () => {
    const other = Buffer.from(
      body
        .toString('utf8')
        .replace('transaction.created', 'card.created')
        .replace('"associated_object_type": "transaction"', '"associated_object_type": "card"'),
    );
    const { responses } = await connector.translateWebhook({
      webhook: delivery({}, other),
      config,
      receivedAt: new Date(),
      name: 'events',
    });
    expect(responses).toEqual([]);
    expect(psp.requests).toEqual([]);
  });
});
