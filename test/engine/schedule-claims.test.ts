// Schedules are the queue: batch claims from concurrent connections, an expired lease claimed again, and
// group commits (a run that lost its lease writes nothing; one bad run falls back without failing the rest).
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import type { TaskNode } from '../../src/connectors/sdk/contract.js';
import { registerConnector } from '../../src/connectors/sdk/registry.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { ScheduleRuns } from '../../src/engine/ingestion/group-commit.js';
import { mapPage } from '../../src/engine/ingestion/items.js';
import {
  commitPages,
  type PageCommit,
  type RunningSchedule,
} from '../../src/engine/ingestion/page-commit.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import { connectorIdCodec } from '../../src/domain/ids.js';
import { openDatabase, type OpenedDatabase } from '../../src/storage/db.js';
import { claimSchedules, startRun, upsertSchedules } from '../../src/storage/schedules.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

const NODES: TaskNode[] = [
  { type: 'FETCH_ACCOUNTS', name: 'one', periodic: true, children: [] },
  { type: 'FETCH_ACCOUNTS', name: 'two', periodic: true, children: [] },
];
// Never run by a worker here: the tests claim and commit by hand.
class Idle extends BaseConnector {
  async install() {
    return { workflow: NODES };
  }
}
registerConnector({
  provider: 'claimtest',
  capabilities: ['FETCH_ACCOUNTS'],
  config: z.object({}),
  pageSize: 10,
  create: () => new Idle(),
});

let engine: TestEngine;
let deps: EngineDeps;
let second: OpenedDatabase;

beforeAll(async () => {
  engine = await startTestEngine();
  deps = engine.deps;
  second = await openDatabase({ url: engine.databaseUrl, dataDir: '' });
});
afterAll(async () => {
  await second?.close();
  await engine?.stop();
});

const stateOf = async (id: string) =>
  (await deps.db.selectFrom('schedules').select('state').where('id', '=', id).executeTakeFirstOrThrow())
    .state;
const accountRefs = async (connectorId: string) =>
  (await deps.db.selectFrom('accounts').select('reference').where('connector_id', '=', connectorId).execute())
    .map((r) => r.reference)
    .sort();

/** A run of `node` that took its schedule's lease by id (as `runSchedule` does). */
async function leasedRun(connectorId: string, node: TaskNode, instanceId: string): Promise<RunningSchedule> {
  const id = scheduleId(connectorId, node.name, '');
  expect(await startRun(deps.db, id, instanceId, deps.leaseMs)).toBeDefined();
  return {
    scheduleId: id,
    instanceId,
    connectorId,
    connector: connectorIdCodec.decode(connectorId),
    nodePath: node.name,
    node,
  };
}

const accountsPage = (run: RunningSchedule, references: string[], cursor: string): PageCommit => ({
  writes: mapPage(
    run.connector,
    'FETCH_ACCOUNTS',
    references.map((reference) => ({ reference, createdAt: new Date('2024-01-01T00:00:00Z'), raw: {} })),
  ),
  pages: 1,
  newState: { cursor },
  leaseMs: deps.leaseMs,
});

/** `n` periodic balances schedules under the root, one per parent item. */
const kids = (connectorId: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: scheduleId(connectorId, 'one.kids', `item-${i}`),
    connectorId,
    nodePath: 'one.kids',
    parentId: `item-${i}`,
    parentScheduleId: scheduleId(connectorId, 'one', ''),
    taskType: 'FETCH_BALANCES',
    periodic: true,
    fromPayload: { id: `item-${i}` },
  }));

it('never hands one schedule to two claimers claiming at once from two connections', async () => {
  const connectorId = await installConnector(deps, 'claimtest', { name: 'crowded' });
  const children = kids(connectorId, 300);
  expect(await upsertSchedules(deps.db, children)).toHaveLength(300);

  const claimed: string[] = [];
  const claimer = async (db: EngineDeps['db']) => {
    for (;;) {
      const batch = await claimSchedules(db, 7, 60_000);
      if (batch.schedules.length === 0) return;
      claimed.push(...batch.schedules.map((s) => s.id));
    }
  };
  // Two pools (two sets of connections), two claimers each.
  await Promise.all([claimer(deps.db), claimer(second.db), claimer(deps.db), claimer(second.db)]);

  expect(new Set(claimed).size).toBe(claimed.length);
  // Every due schedule of the database (the 300 children and the 2 roots) was claimed, once.
  expect(claimed).toHaveLength(302);
  const instances = await sql<{ n: number }>`SELECT count(*)::int AS n FROM schedule_instances
    WHERE connector_id = ${connectorId}`.execute(deps.db);
  expect(instances.rows[0]?.n).toBe(302);
  const unleased = await sql<{ n: number }>`SELECT count(*)::int AS n FROM schedules
    WHERE connector_id = ${connectorId} AND (lease_until IS NULL OR lease_instance_id IS NULL)`.execute(
    deps.db,
  );
  expect(unleased.rows[0]?.n).toBe(0);
});

it('claims a schedule again once the lease of its dead run has expired, and the dead run can no longer commit', async () => {
  const connectorId = await installConnector(deps, 'claimtest', { name: 'abandoned' });
  const one = scheduleId(connectorId, 'one', '');
  const first = await claimSchedules(deps.db, 10, 60_000);
  const dead = first.schedules.find((s) => s.id === one);
  expect(dead).toBeDefined();
  // Held: claiming again finds nothing of this connector.
  expect((await claimSchedules(deps.db, 10, 60_000)).schedules.map((s) => s.id)).not.toContain(one);

  // Its worker died: the lease runs out (and the schedule is overdue, as it stays while a run holds it).
  await sql`UPDATE schedules SET lease_until = now() - interval '1 second' WHERE id = ${one}`.execute(
    deps.db,
  );
  const again = await claimSchedules(deps.db, 10, 60_000);
  const taken = again.schedules.find((s) => s.id === one);
  expect(taken?.instance_id).toBeDefined();
  expect(taken?.instance_id).not.toBe(dead?.instance_id);

  const deadRun: RunningSchedule = {
    scheduleId: one,
    instanceId: dead?.instance_id as string,
    connectorId,
    connector: connectorIdCodec.decode(connectorId),
    nodePath: 'one',
    node: NODES[0] as TaskNode,
  };
  expect(await commitPages(deps, [{ run: deadRun, page: accountsPage(deadRun, ['late'], 'x') }])).toEqual(
    new Set(),
  );
  expect(await accountRefs(connectorId)).toEqual([]);
});

it('commits a group in one go, leaving out the run that lost its lease', async () => {
  const connectorId = await installConnector(deps, 'claimtest', { name: 'grouped' });
  const kept = await leasedRun(connectorId, NODES[0] as TaskNode, 'kept-run');
  const lost = await leasedRun(connectorId, NODES[1] as TaskNode, 'lost-run');
  // Another worker took `lost` over after its lease ran out.
  await sql`UPDATE schedules SET lease_instance_id = 'thief' WHERE id = ${lost.scheduleId}`.execute(deps.db);

  const owned = await commitPages(deps, [
    { run: kept, page: accountsPage(kept, ['k1', 'k2'], 'k') },
    { run: lost, page: accountsPage(lost, ['l1'], 'l') },
  ]);
  expect(owned).toEqual(new Set([kept.scheduleId]));
  expect(await accountRefs(connectorId)).toEqual(['k1', 'k2']);
  expect(await stateOf(kept.scheduleId)).toEqual({ cursor: 'k' });
  expect(await stateOf(lost.scheduleId)).toBeNull();
  const events = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_events
    WHERE connector_id = ${connectorId}`.execute(deps.db);
  expect(events.rows[0]?.n).toBe(2);
});

it('falls back to one transaction per run when one run makes the group fail, and fails only that run', async () => {
  const connectorId = await installConnector(deps, 'claimtest', { name: 'fallback' });
  const good = await leasedRun(connectorId, NODES[0] as TaskNode, 'good-run');
  const bad = await leasedRun(connectorId, NODES[1] as TaskNode, 'bad-run');
  const badPage = accountsPage(bad, ['b1'], 'b');
  // A row the database refuses (the mappers would never let it through): the group's merged insert fails.
  badPage.writes.accounts = badPage.writes.accounts.map((a) => ({ ...a, createdAt: 'not a time' }));

  // A window no machine's hiccup can reach: the group starts when both runs are in it, not on a timer.
  const runs = new ScheduleRuns(deps, { windowMs: 600_000 });
  runs.started(good.scheduleId, good.instanceId);
  runs.started(bad.scheduleId, bad.instanceId);
  // Both pages wait in the same group: the second arrives before the first could commit alone.
  const [goodResult, badResult] = await Promise.allSettled([
    runs.commit(good, accountsPage(good, ['g1'], 'g')),
    runs.commit(bad, badPage),
  ]);
  runs.ended(good.scheduleId, good.instanceId);
  runs.ended(bad.scheduleId, bad.instanceId);

  expect(runs.stats.fallbacks).toBe(1);
  expect(goodResult).toEqual({ status: 'fulfilled', value: true });
  expect(badResult.status).toBe('rejected');
  expect(await accountRefs(connectorId)).toEqual(['g1']);
  expect(await stateOf(good.scheduleId)).toEqual({ cursor: 'g' });
  expect(await stateOf(bad.scheduleId)).toBeNull();
});

it('renews the leases of all running runs with one statement, and never a lease another run took', async () => {
  const connectorId = await installConnector(deps, 'claimtest', { name: 'renewed' });
  const slow = await leasedRun(connectorId, NODES[0] as TaskNode, 'slow-run');
  const gone = await leasedRun(connectorId, NODES[1] as TaskNode, 'gone-run');
  // Both leases about to run out; `gone` was meanwhile taken over by another worker.
  await sql`UPDATE schedules SET lease_until = now() + interval '1 second' WHERE connector_id = ${connectorId}`.execute(
    deps.db,
  );
  await sql`UPDATE schedules SET lease_instance_id = 'other-worker' WHERE id = ${gone.scheduleId}`.execute(
    deps.db,
  );
  const runs = new ScheduleRuns(deps);
  runs.started(slow.scheduleId, slow.instanceId);
  runs.started(gone.scheduleId, gone.instanceId);
  await runs.renewNow();
  runs.ended(slow.scheduleId, slow.instanceId);
  runs.ended(gone.scheduleId, gone.instanceId);

  const leases = await sql<{ id: string; instance: string; seconds: number }>`
    SELECT id, lease_instance_id AS instance, extract(epoch FROM lease_until - now())::float AS seconds
    FROM schedules WHERE connector_id = ${connectorId} ORDER BY id`.execute(deps.db);
  const byId = new Map(leases.rows.map((r) => [r.id, r]));
  // deps.leaseMs (60 s) from now: far beyond the second it had left.
  expect(byId.get(slow.scheduleId)?.seconds).toBeGreaterThan(30);
  expect(byId.get(slow.scheduleId)?.instance).toBe('slow-run');
  expect(byId.get(gone.scheduleId)?.seconds).toBeLessThanOrEqual(1);
  expect(byId.get(gone.scheduleId)?.instance).toBe('other-worker');
});

it('claims no more runs of a limited connector than it has free slots', async () => {
  const connectorId = await installConnector(deps, 'claimtest', { name: 'limited', maxConcurrentRuns: 3 });
  const children = kids(connectorId, 20);
  await upsertSchedules(deps.db, children);
  // One of the three slots is taken by a run already going.
  await leasedRun(connectorId, NODES[0] as TaskNode, 'going');

  const mine = async () =>
    (await claimSchedules(deps.db, 50, 60_000)).schedules.filter((s) => s.connector_id === connectorId);
  expect(await mine()).toHaveLength(2);
  expect(await mine()).toHaveLength(0);
  const held = await sql<{ n: number }>`SELECT count(*)::int AS n FROM schedules
    WHERE connector_id = ${connectorId} AND lease_until > now()`.execute(deps.db);
  expect(held.rows[0]?.n).toBe(3);
});
