// The webhook pipeline with a connector that signs the Standard Webhooks way (a local verifier):
// deliveries are verified at intake, stored and acknowledged at once, translated by a worker, de-duplicated,
// never roll a payment back, and survive a worker that is not there when they arrive.
import { randomBytes, randomUUID } from 'node:crypto';
import { SDK } from '@formance/formance-sdk';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Paybridge, startPaybridge } from '../../src/app.js';
import type { CreateWebhooksRequest } from '../../src/connectors/sdk/contract.js';
import { UpstreamError } from '../../src/connectors/sdk/errors.js';
import { registerConnector } from '../../src/connectors/sdk/registry.js';
import { connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import { claimAndProcess, deleteOldWebhooks } from '../../src/engine/webhooks/webhooks.js';
import { readSettings } from '../../src/settings.js';
import { HookPsp, paymentBody, registerHookPsp, SECRET, signed, uninstalled } from '../support/hook-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { present } from './sdk-helpers.js';

registerHookPsp();

// A PSP whose webhook registration fails twice (an outage), then works.
let registrationAttempts = 0;
class FlakyHookPsp extends HookPsp {
  override async createWebhooks(request: CreateWebhooksRequest) {
    registrationAttempts += 1;
    if (registrationAttempts <= 2) throw new UpstreamError('registration endpoint unavailable', 503);
    return super.createWebhooks(request);
  }
}
registerConnector({
  provider: 'flakyhookpsp',
  capabilities: ['CREATE_WEBHOOKS', 'TRANSLATE_WEBHOOKS'],
  config: z.object({}),
  pageSize: 10,
  create: () => new FlakyHookPsp(),
});

// The same PSP, but it wants its own acknowledgement body (as Adyen wants `[accepted]`).
registerConnector({
  provider: 'ackhookpsp',
  capabilities: ['CREATE_WEBHOOKS', 'TRANSLATE_WEBHOOKS'],
  config: z.object({}),
  pageSize: 10,
  webhooks: { verification: 'local', acknowledgement: { contentType: 'text/plain', body: '[accepted]' } },
  create: () => new HookPsp(),
});

let service: TestService;
/** The durability test replaces the service's process by a new one on the same database. */
let replacement: Paybridge | undefined;
let sdk: SDK;
let connectorID: string;

beforeAll(async () => {
  service = await startTestService({ PAYBRIDGE_WEBHOOK_MAX_BYTES: '4096' });
  sdk = new SDK({ serverURL: service.url });
  const installed = await fetch(`${service.url}/v3/connectors/install/hookpsp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'hooks' }),
  });
  connectorID = ((await installed.json()) as { data: string }).data;
  // The CREATE_WEBHOOKS task registers the endpoint in the background.
  await eventually(async () => {
    const rows = await service.paybridge.deps.db.selectFrom('webhook_configs').selectAll().execute();
    return rows.length === 1 ? rows : undefined;
  });
});

afterAll(async () => {
  if (replacement) {
    await replacement.stop();
    await service.database.drop();
  } else await service?.stop();
});

async function deliver(baseUrl: string, body: string, headers: Record<string, string>, path = '/payments') {
  return fetch(`${baseUrl}/api/payments/v3/connectors/webhooks/${connectorID}${path}`, {
    method: 'POST',
    headers,
    body,
  });
}

const paymentId = (reference: string) =>
  paymentIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference, type: 'PAY-IN' });

async function webhooks(status?: string) {
  const query = status
    ? `?query=${encodeURIComponent(JSON.stringify({ $match: { status } }))}&pageSize=100`
    : '?pageSize=100';
  const response = await fetch(`${service.url}/v3/connectors/${connectorID}/webhooks${query}`);
  return ((await response.json()) as { cursor: { data: { id: string; status: string; error?: string }[] } })
    .cursor.data;
}

async function paymentStatus(reference: string) {
  const row = await service.paybridge.deps.db
    .selectFrom('payments')
    .select(['status', 'amount'])
    .where('id', '=', paymentId(reference))
    .executeTakeFirst();
  return row;
}

describe('signatures', () => {
  it('lands a validly signed delivery, acknowledged before it is processed', async () => {
    const body = paymentBody('pay-valid', 'SUCCEEDED', '2026-01-01T00:00:01Z');
    const response = await deliver(service.url, body, signed(body));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    const payment = await eventually(async () => paymentStatus('pay-valid'));
    expect(payment).toEqual({ status: 'SUCCEEDED', amount: '500' });
    const listed = await webhooks('PROCESSED');
    expect(listed.length).toBeGreaterThanOrEqual(1);
    // The signing secret is sealed at rest.
    const configs = await sql<{
      row: string;
    }>`SELECT row_to_json(w)::text AS row FROM webhook_configs w`.execute(service.paybridge.deps.db);
    expect(configs.rows).toHaveLength(1);
    expect(configs.rows[0]?.row).not.toContain(SECRET.slice(6, 30));
  });

  it("answers a stored delivery with the connector's acknowledgement body, and a refused one with the error envelope", async () => {
    const installed = await fetch(`${service.url}/v3/connectors/install/ackhookpsp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ack-hooks' }),
    });
    const ackID = ((await installed.json()) as { data: string }).data;
    await eventually(async () => {
      const rows = await service.paybridge.deps.db
        .selectFrom('webhook_configs')
        .select('name')
        .where('connector_id', '=', ackID)
        .execute();
      return rows.length === 1 ? true : undefined;
    });
    const body = paymentBody('pay-acknowledged', 'SUCCEEDED', '2026-01-01T00:00:01Z');
    const url = `${service.url}/api/payments/v3/connectors/webhooks/${ackID}/payments`;
    const accepted = await fetch(url, { method: 'POST', headers: signed(body), body });
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await accepted.text()).toBe('[accepted]');
    const forged = await fetch(url, {
      method: 'POST',
      headers: signed(body, { secret: 'whsec_Zm9yZ2Vk' }),
      body,
    });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { errorCode: string }).errorCode).toBe('VALIDATION');
  });

  it('refuses a bad signature, a stale timestamp, a wrong secret and a tampered body with 401, storing nothing; none becomes data', async () => {
    // hookpsp verifies locally, so a delivery that fails is refused at intake (before: stored, then REJECTED).
    const before = (await webhooks()).length;
    const cases: [string, Record<string, string>][] = [];
    const bad = paymentBody('pay-bad-sig', 'SUCCEEDED', '2026-01-01T00:00:01Z');
    cases.push([
      bad,
      { ...signed(bad), 'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
    ]);
    const stale = paymentBody('pay-stale', 'SUCCEEDED', '2026-01-01T00:00:01Z');
    cases.push([stale, signed(stale, { at: new Date(Date.now() - 6 * 60_000) })]);
    const wrong = paymentBody('pay-wrong-secret', 'SUCCEEDED', '2026-01-01T00:00:01Z');
    cases.push([wrong, signed(wrong, { secret: `whsec_${randomBytes(32).toString('base64')}` })]);
    const tampered = paymentBody('pay-tampered', 'SUCCEEDED', '2026-01-01T00:00:01Z');
    cases.push([tampered.replace('500', '50000'), signed(tampered)]);
    for (const [body, headers] of cases) expect((await deliver(service.url, body, headers)).status).toBe(401);
    expect((await webhooks()).length).toBe(before);
    for (const reference of ['pay-bad-sig', 'pay-stale', 'pay-wrong-secret', 'pay-tampered']) {
      expect(await paymentStatus(reference)).toBeUndefined();
    }
  });

  it('answers 413 above the size limit and 404 for an unknown connector or path, storing nothing', async () => {
    const before = (await webhooks()).length;
    const big = JSON.stringify({ padding: 'x'.repeat(5000) });
    expect((await deliver(service.url, big, signed(big))).status).toBe(413);
    const other = connectorIdCodec.encode({ provider: 'hookpsp', reference: randomUUID() });
    const unknown = await fetch(`${service.url}/v3/connectors/webhooks/${other}/payments`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(unknown.status).toBe(404);
    expect((await deliver(service.url, '{}', signed('{}'), '/elsewhere')).status).toBe(404);
    expect((await webhooks()).length).toBe(before);
  });
});

describe('registration', () => {
  it('retries a failed CREATE_WEBHOOKS run with backoff and shows each failure on its schedule', async () => {
    const installed = await fetch(`${service.url}/v3/connectors/install/flakyhookpsp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'flaky-hooks' }),
    });
    const flakyID = ((await installed.json()) as { data: string }).data;
    await eventually(async () => {
      const rows = await service.paybridge.deps.db
        .selectFrom('webhook_configs')
        .select('name')
        .where('connector_id', '=', flakyID)
        .execute();
      return rows.length === 1 ? true : undefined;
    }, 30_000);
    const schedules = present(
      (await sdk.payments.v3.listConnectorSchedules({ connectorID: flakyID }))
        .v3ConnectorSchedulesCursorResponse,
      'schedules',
    ).cursor.data;
    expect(schedules).toHaveLength(1);
    const instances = present(
      (
        await sdk.payments.v3.listConnectorScheduleInstances({
          connectorID: flakyID,
          scheduleID: present(schedules[0], 'schedule').id,
        })
      ).v3ConnectorScheduleInstancesCursorResponse,
      'instances',
    ).cursor.data;
    expect(instances.map((i) => i.error ?? null).filter((e) => e !== null)).toHaveLength(2);
    expect(instances.filter((i) => i.terminated && !i.error)).toHaveLength(1);
    expect(registrationAttempts).toBe(3);
  });
});

describe('replays and ordering', () => {
  it('turns ten deliveries of one message into one row and one event', async () => {
    const body = paymentBody('pay-replayed', 'SUCCEEDED', '2026-01-01T00:00:05Z');
    const headers = signed(body, { id: 'msg_replayed' });
    // Earlier tests left deliveries of their own on this connector: wait on these ten only.
    const earlier = new Set((await webhooks()).map((w) => w.id));
    for (let i = 0; i < 10; i++) expect((await deliver(service.url, body, headers)).status).toBe(200);
    await eventually(async () => {
      const mine = (await webhooks()).filter((w) => !earlier.has(w.id));
      return mine.length === 10 && mine.every((w) => w.status === 'PROCESSED' || w.status === 'DUPLICATE')
        ? true
        : undefined;
    });
    const db = service.paybridge.deps.db;
    const rows = await db
      .selectFrom('payment_adjustments')
      .select('id')
      .where('payment_id', '=', paymentId('pay-replayed'))
      .execute();
    expect(rows).toHaveLength(1);
    const events = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_events
      WHERE type = 'SAVED_PAYMENT' AND entity_id = ${paymentId('pay-replayed')}`.execute(db);
    expect(events.rows[0]?.n).toBe(1);
    expect((await webhooks()).filter((w) => !earlier.has(w.id) && w.status === 'DUPLICATE')).toHaveLength(9);
  });

  it('never rolls a payment back when an older update arrives after a newer one', async () => {
    const newer = paymentBody('pay-ordered', 'SUCCEEDED', '2026-01-01T00:00:10Z');
    const older = paymentBody('pay-ordered', 'PENDING', '2026-01-01T00:00:05Z');
    await deliver(service.url, newer, signed(newer));
    await eventually(async () =>
      (await paymentStatus('pay-ordered'))?.status === 'SUCCEEDED' ? true : undefined,
    );
    await deliver(service.url, older, signed(older));
    await eventually(async () => {
      const n = await service.paybridge.deps.db
        .selectFrom('payment_adjustments')
        .select('id')
        .where('payment_id', '=', paymentId('pay-ordered'))
        .execute();
      return n.length === 2 ? true : undefined;
    });
    expect((await paymentStatus('pay-ordered'))?.status).toBe('SUCCEEDED');
  });
});

describe('durability', () => {
  it('keeps a delivery that arrives while no worker runs, and processes it once when one starts', async () => {
    const settings = readSettings({
      DATABASE_URL: service.database.url,
      PAYBRIDGE_ENCRYPTION_KEY: 'test-key-not-for-production',
      PAYBRIDGE_DEBUG: 'true',
      PORT: '0',
      HOST: '127.0.0.1',
    });
    const logger = pino({ level: 'silent' });
    const apiOnly: Paybridge = await startPaybridge(settings, { api: true, worker: false }, logger);
    // Stop the test service's worker so nothing processes deliveries meanwhile.
    await service.paybridge.stop();
    try {
      const body = paymentBody('pay-durable', 'SUCCEEDED', '2026-01-01T00:00:20Z');
      const response = await deliver(apiOnly.url as string, body, signed(body, { id: 'msg_durable' }));
      expect(response.status).toBe(200);
      // Verified at intake already (hookpsp verifies locally): the worker will only translate it.
      const stored = await apiOnly.deps.db
        .selectFrom('webhooks')
        .select(['status'])
        .where('verified_at', 'is not', null)
        .where('idempotency_key', '=', 'msg_durable')
        .where('status', '=', 'RECEIVED')
        .execute();
      expect(stored.length).toBeGreaterThanOrEqual(1);
      replacement = await startPaybridge(settings, { api: true, worker: true }, logger);
      service.paybridge = replacement;
      service.url = replacement.url as string;
      sdk = new SDK({ serverURL: service.url });
      await eventually(async () =>
        (await paymentStatus('pay-durable'))?.status === 'SUCCEEDED' ? true : undefined,
      );
      const adjustments = await apiOnly.deps.db
        .selectFrom('payment_adjustments')
        .select('id')
        .where('payment_id', '=', paymentId('pay-durable'))
        .execute();
      expect(adjustments).toHaveLength(1);
    } finally {
      await apiOnly.stop();
    }
  });
});

describe('competing claimers', () => {
  it('lets one of several claimers racing the worker for a delivery commit it, and marks it PROCESSED', async () => {
    const body = paymentBody('pay-contended', 'SUCCEEDED', '2026-01-01T00:00:40Z');
    expect((await deliver(service.url, body, signed(body, { id: 'msg_contended' }))).status).toBe(200);
    const db = service.paybridge.deps.db;
    const row = await eventually(async () =>
      db.selectFrom('webhooks').select('id').orderBy('sort_id', 'desc').limit(1).executeTakeFirst(),
    );
    // The worker's own loop races these three (each claims what is due and commits it).
    await Promise.all([1, 2, 3].map(() => claimAndProcess(service.paybridge.deps)));
    const stored = await eventually(async () => {
      const w = await db
        .selectFrom('webhooks')
        .select('status')
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow();
      return w.status === 'RECEIVED' ? undefined : w.status;
    });
    expect(stored).toBe('PROCESSED');
    const adjustments = await db
      .selectFrom('payment_adjustments')
      .select('id')
      .where('payment_id', '=', paymentId('pay-contended'))
      .execute();
    expect(adjustments).toHaveLength(1);
  });
});

describe('retention', () => {
  it('deletes deliveries and de-duplication keys older than the retention period, and keeps newer ones', async () => {
    const db = service.paybridge.deps.db;
    const before = await db.selectFrom('webhooks').select('id').where('status', '<>', 'RECEIVED').execute();
    expect(before.length).toBeGreaterThan(2);
    const [old, kept] = before;
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600_000).toISOString();
    await db
      .updateTable('webhooks')
      .set({ received_at: eightDaysAgo })
      .where('id', '=', present(old, 'old').id)
      .execute();
    await db
      .updateTable('webhook_keys')
      .set({ created_at: eightDaysAgo })
      .where('idempotency_key', '=', 'msg_replayed')
      .execute();
    await deleteOldWebhooks(service.paybridge.deps);
    const ids = (await db.selectFrom('webhooks').select('id').execute()).map((r) => r.id);
    expect(ids).not.toContain(present(old, 'old').id);
    expect(ids).toContain(present(kept, 'kept').id);
    const keys = (await db.selectFrom('webhook_keys').select('idempotency_key').execute()).map(
      (k) => k.idempotency_key,
    );
    expect(keys).not.toContain('msg_replayed');
    expect(keys.length).toBeGreaterThan(0);
  });
});

describe('uninstall', () => {
  it('hands the connector its webhook configs and refuses later deliveries', async () => {
    const task = present(
      (await sdk.payments.v3.uninstallConnector({ connectorID })).v3UninstallConnectorResponse,
      'uninstall',
    ).data.taskID;
    await eventually(async () => {
      const t = present((await sdk.payments.v3.getTask({ taskID: task })).v3GetTaskResponse, 'task').data;
      return t.status === 'SUCCEEDED' ? true : undefined;
    }, 30_000);
    expect(uninstalled.at(-1)).toEqual([
      { name: 'payments', urlPath: '/payments', metadata: { secret: SECRET } },
    ]);
    const body = paymentBody('pay-late', 'SUCCEEDED', '2026-01-01T00:00:30Z');
    expect((await deliver(service.url, body, signed(body))).status).toBe(404);
  });
});
