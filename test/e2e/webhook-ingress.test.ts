// Webhook ingress as an attacker meets it, with the Generic connector (a local verifier): a forged or
// stale delivery is refused with 401 and only counted, a method other than POST is a 405, and nothing of
// either is stored; a valid delivery is stored verified and processed once, without verifying it again.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeIntegration, startFakeIntegration } from '../../bench/support/fake-integration.js';
import { type Paybridge, startPaybridge } from '../../src/app.js';
import { connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import { readSettings } from '../../src/settings.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { refusedCount } from '../support/webhook-ingress.js';

let integration: FakeIntegration;
let service: TestService;
let connectorID: string;
/** The worker test replaces the service's process by new ones on the same database. */
let replacement: Paybridge | undefined;

beforeAll(async () => {
  integration = await startFakeIntegration();
  service = await startTestService();
  const installed = await fetch(`${service.url}/v3/connectors/install/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'ingress',
      endpoint: integration.url,
      apiKey: 'test',
      pollingPeriod: '1h',
      webhooks: true,
    }),
  });
  expect(installed.status).toBe(202);
  connectorID = ((await installed.json()) as { data: string }).data;
  await eventually(async () => (integration.registration() ? true : undefined), 20_000, 'registration');
  await eventually(async () => {
    const rows = await service.paybridge.deps.db.selectFrom('webhook_configs').select('name').execute();
    return rows.length === 1 ? true : undefined;
  });
});

afterAll(async () => {
  if (replacement) {
    await replacement.stop();
    await service.database.drop();
  } else await service?.stop();
  await integration?.stop();
});

/** A `transaction.created` event of the Generic contract, signed with `secret` (the service's) at `at`. */
function transactionCreated(
  reference: string,
  options: { messageId?: string; secret?: string; at?: Date } = {},
) {
  const at = options.at ?? new Date();
  const messageId = options.messageId ?? `msg_${reference}`;
  const body = JSON.stringify({
    type: 'transaction.created',
    createdAt: at.toISOString(),
    data: {
      id: reference,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      currency: 'EUR/2',
      type: 'PAYIN',
      status: 'SUCCEEDED',
      amount: '1234',
      destinationAccountID: 'acc_main',
    },
  });
  const signer = new Webhook(options.secret ?? integration.secret);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signer.sign(messageId, at, body),
    },
  };
}

const deliver = (baseUrl: string, delivery: { body: string; headers: Record<string, string> }) =>
  fetch(`${baseUrl}/api/payments/v3/connectors/webhooks/${connectorID}/events`, {
    method: 'POST',
    ...delivery,
  });

async function storedDeliveries(): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhooks`.execute(
    service.paybridge.deps.db,
  );
  return rows[0]?.n ?? -1;
}

const paymentId = (reference: string) =>
  paymentIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference, type: 'PAY-IN' });

describe('refusals, with nothing stored', () => {
  it('answers a forged Generic delivery 401 in the v3 envelope, stores nothing and counts it', async () => {
    const before = await refusedCount(service.url, 'generic', 'verification_failed');
    const forged = transactionCreated('txn_forged', {
      secret: `whsec_${randomBytes(32).toString('base64')}`,
    });
    const response = await deliver(service.url, forged);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ errorCode: 'VALIDATION', errorMessage: expect.any(String) });
    const unsigned = await deliver(service.url, {
      body: forged.body,
      headers: { 'content-type': 'text/plain' },
    });
    expect(unsigned.status).toBe(401);
    expect(await storedDeliveries()).toBe(0);
    expect(await refusedCount(service.url, 'generic', 'verification_failed')).toBe(before + 2);
  });

  it('answers a validly signed delivery whose timestamp is more than five minutes old 401, and stores nothing', async () => {
    const stale = transactionCreated('txn_stale', { at: new Date(Date.now() - 6 * 60_000) });
    expect((await deliver(service.url, stale)).status).toBe(401);
    expect(await storedDeliveries()).toBe(0);
    expect(await service.paybridge.deps.db.selectFrom('payments').select('id').execute()).toEqual([]);
  });

  it('answers every method but POST on a webhook path 405 with Allow: POST, and stores nothing', async () => {
    const before = await refusedCount(service.url, 'generic', 'method_not_allowed');
    const url = `${service.url}/v3/connectors/webhooks/${connectorID}/events`;
    const valid = transactionCreated('txn_put');
    const methods = ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
    for (const method of methods) {
      const withBody = method === 'PUT' || method === 'PATCH';
      const response = await fetch(url, { method, ...(withBody ? valid : {}) });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow'), method).toBe('POST');
      if (method !== 'HEAD') {
        expect(((await response.json()) as { errorCode: string }).errorCode).toBe('VALIDATION');
      }
    }
    expect(await storedDeliveries()).toBe(0);
    expect(await refusedCount(service.url, 'generic', 'method_not_allowed')).toBe(before + methods.length);
  });

  it('answers 400 to a NUL byte in the path or the query of an otherwise valid delivery, and stores nothing', async () => {
    const valid = transactionCreated('txn_nul');
    const base = `${service.url}/v3/connectors/webhooks/${connectorID}`;
    for (const url of [`${base}/events%00`, `${base}/events?x=%00`, `${base}/events?x%00=1`]) {
      const response = await fetch(url, { method: 'POST', ...valid });
      expect(response.status, url).toBe(400);
      expect(((await response.json()) as { errorCode: string }).errorCode).toBe('VALIDATION');
    }
    expect(await storedDeliveries()).toBe(0);
  });
});

describe('valid deliveries', () => {
  it('stores a valid delivery verified and processes it once, even when its job runs after the signature tolerance; a redelivery is a DUPLICATE no-op', async () => {
    const settings = readSettings({
      DATABASE_URL: service.database.url,
      PAYBRIDGE_ENCRYPTION_KEY: 'test-key-not-for-production',
      PAYBRIDGE_DEBUG: 'true',
      PORT: '0',
      HOST: '127.0.0.1',
    });
    const logger = pino({ level: 'silent' });
    // No worker while the deliveries arrive: they wait, stored.
    const apiOnly = await startPaybridge(settings, { api: true, worker: false }, logger);
    await service.paybridge.stop();
    try {
      const delivery = transactionCreated('txn_valid', { messageId: 'msg_valid' });
      expect((await deliver(apiOnly.url as string, delivery)).status).toBe(200);
      expect((await deliver(apiOnly.url as string, delivery)).status).toBe(200);
      const db = apiOnly.deps.db;
      // A backlog: the worker takes them up more than five minutes after they were received (and signed).
      await db
        .updateTable('webhooks')
        .set({ received_at: new Date(Date.now() - 10 * 60_000).toISOString() })
        .execute();
      replacement = await startPaybridge(settings, { api: true, worker: true }, logger);
      service.paybridge = replacement;
      service.url = replacement.url as string;
      const outcomes = await eventually(async () => {
        const rows = await db.selectFrom('webhooks').select(['status', 'idempotency_key']).execute();
        return rows.length === 2 && rows.every((r) => r.status !== 'RECEIVED') ? rows : undefined;
      });
      expect(outcomes.map((r) => r.status).sort()).toEqual(['DUPLICATE', 'PROCESSED']);
      expect(outcomes.map((r) => r.idempotency_key)).toEqual(['msg_valid', 'msg_valid']);
      const adjustments = await db
        .selectFrom('payment_adjustments')
        .select(['status', 'amount'])
        .where('payment_id', '=', paymentId('txn_valid'))
        .execute();
      expect(adjustments).toEqual([{ status: 'SUCCEEDED', amount: '1234' }]);
      const events = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_events
        WHERE type = 'SAVED_PAYMENT' AND entity_id = ${paymentId('txn_valid')}`.execute(db);
      expect(events.rows[0]?.n).toBe(1);
    } finally {
      await apiOnly.stop();
    }
  });
});
