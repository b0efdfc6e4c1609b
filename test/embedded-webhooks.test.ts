// Webhooks on the embedded database (PGlite): a delivery's raw body survives storage byte for byte, so a
// signed delivery lands, and a tampered one is refused at intake, as on PostgreSQL.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Paybridge, startPaybridge } from '../src/app.js';
import { readSettings } from '../src/settings.js';
import { paymentBody, registerHookPsp, signed } from './support/hook-psp.js';
import { eventually } from './support/service.js';

let root: string;
let paybridge: Paybridge;

beforeAll(async () => {
  registerHookPsp();
  root = await mkdtemp(join(tmpdir(), 'pb-embedded-hooks-'));
  const settings = readSettings({
    PAYBRIDGE_DATA_DIR: join(root, 'data'),
    PORT: '0',
    HOST: '127.0.0.1',
  });
  paybridge = await startPaybridge(settings, { api: true, worker: true }, pino({ level: 'silent' }));
});
afterAll(async () => {
  await paybridge?.stop();
  await rm(root, { recursive: true, force: true });
});

it('verifies and stores deliveries on PGlite', async () => {
  const url = paybridge.url as string;
  const installed = await fetch(`${url}/v3/connectors/install/hookpsp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'embedded-hooks' }),
  });
  const connectorID = ((await installed.json()) as { data: string }).data;
  const db = paybridge.deps.db;
  await eventually(async () =>
    (await db.selectFrom('webhook_configs').select('name').execute()).length === 1 ? true : undefined,
  );
  const deliver = (body: string, headers: Record<string, string>) =>
    fetch(`${url}/v3/connectors/webhooks/${connectorID}/payments`, { method: 'POST', headers, body });
  const good = paymentBody('embedded-pay', 'SUCCEEDED', '2026-01-01T00:00:01Z');
  expect((await deliver(good, signed(good))).status).toBe(200);
  // A local verifier refuses it at intake: nothing stored (before: stored, then REJECTED by the job).
  const tampered = paymentBody('embedded-tampered', 'SUCCEEDED', '2026-01-01T00:00:01Z');
  expect((await deliver(tampered.replace('500', '501'), signed(tampered))).status).toBe(401);
  const outcomes = await eventually(async () => {
    const rows = await db.selectFrom('webhooks').select('status').orderBy('sort_id').execute();
    return rows.every((r) => r.status !== 'RECEIVED') ? rows.map((r) => r.status) : undefined;
  });
  expect(outcomes).toEqual(['PROCESSED']);
  const payments = await db.selectFrom('payments').select(['reference', 'status']).execute();
  expect(payments).toEqual([{ reference: 'embedded-pay', status: 'SUCCEEDED' }]);
});
