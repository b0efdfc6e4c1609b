// A config update refreshes the task tree: new root nodes get a schedule and a first run, gone ones are dropped.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import type { TaskNode } from '../../src/connectors/sdk/contract.js';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import { registerConnector } from '../../src/connectors/sdk/registry.js';
import { installConnector, updateConnectorConfig } from '../../src/engine/lifecycle/connectors.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

// A connector whose task tree depends on its config; it is never run, so it fetches nothing.
class ShapeShifter extends BaseConnector {
  constructor(private readonly withPayments: boolean) {
    super();
  }
  async install() {
    const accounts: TaskNode = { type: 'FETCH_ACCOUNTS', name: 'accounts', periodic: true, children: [] };
    const payments: TaskNode = { type: 'FETCH_PAYMENTS', name: 'payments', periodic: true, children: [] };
    return { workflow: this.withPayments ? [accounts, payments] : [accounts] };
  }
}
registerConnector({
  provider: 'shapeshifter',
  capabilities: ['FETCH_ACCOUNTS', 'FETCH_PAYMENTS'],
  config: z.object({ withPayments: z.boolean() }),
  pageSize: 10,
  create: (config) => new ShapeShifter(config.withPayments),
});

let engine: TestEngine;
let deps: EngineDeps;

beforeAll(async () => {
  engine = await startTestEngine();
  deps = engine.deps;
});
afterAll(async () => {
  await engine?.stop();
});

it('adds and drops root schedules when the task tree changes with the config', async () => {
  const id = await installConnector(deps, 'shapeshifter', { name: 'shifty', withPayments: false });
  const paths = async () =>
    (await deps.db.selectFrom('schedules').select('node_path').where('connector_id', '=', id).execute())
      .map((r) => r.node_path)
      .sort();
  expect(await paths()).toEqual(['accounts']);

  await updateConnectorConfig(deps, id, { name: 'shifty', withPayments: true });
  expect(await paths()).toEqual(['accounts', 'payments']);
  // The new root schedule is due now (its first run), with no run holding it.
  const due = await sql<{ id: string }>`SELECT id FROM schedules
    WHERE id = ${`${id}-payments`} AND next_run_at <= now() AND lease_until IS NULL AND paused_at IS NULL`.execute(
    deps.db,
  );
  expect(due.rows).toHaveLength(1);

  await updateConnectorConfig(deps, id, { name: 'shifty', withPayments: false });
  expect(await paths()).toEqual(['accounts']);
});

it('brings the next runs forward when the polling period gets shorter', async () => {
  const id = await installConnector(deps, 'shapeshifter', {
    name: 'slow',
    withPayments: false,
    pollingPeriod: '1h',
  });
  const key = `${id}-accounts`;
  // Stand in for a finished run whose next run is an hour away.
  await sql`UPDATE schedules SET next_run_at = now() + interval '1 hour' WHERE id = ${key}`.execute(deps.db);

  await updateConnectorConfig(deps, id, { name: 'slow', withPayments: false, pollingPeriod: '2m' });
  const schedule = await sql<{
    seconds: number;
  }>`SELECT extract(epoch FROM next_run_at - now())::float AS seconds
    FROM schedules WHERE id = ${key}`.execute(deps.db);
  expect(schedule.rows[0]?.seconds).toBeLessThanOrEqual(120);
});
