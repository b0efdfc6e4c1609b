// Reset: the same config under a new connector id, a CONNECTOR_RESET event, and the old connector removed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import { UpstreamError } from '../../src/connectors/sdk/errors.js';
import { registerConnector } from '../../src/connectors/sdk/registry.js';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { resetConnector, runRemoval, uninstallConnector } from '../../src/engine/lifecycle/removal.js';
import { runSchedule } from '../../src/engine/ingestion/sync-run.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

// A connector whose PSP-side cleanup always fails, as with revoked credentials.
class RevokedConnector extends BaseConnector {
  async install() {
    return { workflow: [] };
  }
  override async uninstall(): Promise<void> {
    throw new UpstreamError('401 Unauthorized: API key revoked', 401);
  }
}
registerConnector({
  provider: 'revoked',
  capabilities: [],
  config: z.object({}),
  pageSize: 10,
  create: () => new RevokedConnector(),
});

let engine: TestEngine;
let deps: EngineDeps;
let dir: string;

beforeAll(async () => {
  engine = await startTestEngine();
  deps = engine.deps;
  dir = await mkdtemp(join(tmpdir(), 'pb-reset-'));
  await writeDummyPayDirectory(dir, { accounts: 5, payments: 10, seed: 2 });
});
afterAll(async () => {
  await engine?.stop();
  await rm(dir, { recursive: true, force: true });
});

const task = (id: string) =>
  deps.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const connectors = () => deps.db.selectFrom('connectors').select(['id', 'name']).execute();

it('resets a connector under a new id with the same config, once, and emits CONNECTOR_RESET', async () => {
  const oldId = await installConnector(deps, 'dummypay', {
    name: 'resettable',
    directory: dir,
    pollingPeriod: '1m',
  });
  await runSchedule(deps, scheduleId(oldId, 'fetch_accounts', ''));
  const taskId = await resetConnector(deps, oldId);
  expect(await resetConnector(deps, oldId)).toBe(taskId); // asking twice is the same task

  const job = { connectorId: oldId, taskId, reinstall: true };
  await runRemoval(deps, job);
  await runRemoval(deps, job); // a retried task must not create a second connector
  const done = await task(taskId);
  expect(done.status).toBe('SUCCEEDED');
  const newId = done.created_object_id as string;
  expect(newId).not.toBe(oldId);
  expect(await connectors()).toEqual([{ id: newId, name: 'resettable' }]);
  const oldAccounts = await deps.db
    .selectFrom('accounts')
    .select('id')
    .where('connector_id', '=', oldId)
    .execute();
  expect(oldAccounts).toHaveLength(0);
  const roots = await deps.db
    .selectFrom('schedules')
    .select('node_path')
    .where('connector_id', '=', newId)
    .execute();
  expect(roots.map((r) => r.node_path).sort()).toEqual([
    'fetch_accounts',
    'fetch_conversions',
    'fetch_external_accounts',
    'fetch_orders',
    'fetch_payments',
  ]);
  const reset = await deps.db
    .selectFrom('outbox_events')
    .select(['payload', 'connector_id'])
    .where('type', '=', 'CONNECTOR_RESET')
    .execute();
  expect(reset).toEqual([
    { connector_id: newId, payload: { connectorID: oldId, createdAt: expect.any(String) } },
  ]);
});

it('completes an uninstall whose PSP cleanup fails, and records a warning on the task', async () => {
  const id = await installConnector(deps, 'revoked', { name: 'revoked-creds' });
  const taskId = await uninstallConnector(deps, id);
  await runRemoval(deps, { connectorId: id, taskId, reinstall: false });
  const done = await task(taskId);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.error).toContain('API key revoked');
  expect((await connectors()).map((c) => c.id)).not.toContain(id);
});

it('keeps the old connector, and fails the task, when its config no longer installs', async () => {
  const gone = await mkdtemp(join(tmpdir(), 'pb-reset-gone-'));
  const id = await installConnector(deps, 'dummypay', {
    name: 'unresettable',
    directory: gone,
    pollingPeriod: '1m',
  });
  await rm(gone, { recursive: true, force: true });
  const taskId = await resetConnector(deps, id);
  await runRemoval(deps, { connectorId: id, taskId, reinstall: true });
  const done = await task(taskId);
  expect(done.status).toBe('FAILED');
  expect(done.error).toContain('does not exist');
  const row = await deps.db
    .selectFrom('connectors')
    .select('scheduled_for_deletion')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  expect(row.scheduled_for_deletion).toBe(false);
});
