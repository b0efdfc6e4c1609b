// Repeated failures pause a schedule visibly; a resume or a config update restarts it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  installConnector,
  resumeSchedule,
  updateConnectorConfig,
} from '../../src/engine/lifecycle/connectors.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { runSchedule } from '../../src/engine/ingestion/sync-run.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { presentSchedule } from '../../src/api/v3/presenters.js';
import { claimSchedules, schedulesQuery } from '../../src/storage/schedules.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
let deps: EngineDeps;
let dir: string;

beforeAll(async () => {
  engine = await startTestEngine(); // pauses after 3 consecutive failures
  deps = engine.deps;
  dir = await mkdtemp(join(tmpdir(), 'pb-pause-'));
});
afterAll(async () => {
  await engine?.stop();
  await rm(dir, { recursive: true, force: true });
});

const schedule = (id: string) =>
  deps.db
    .selectFrom('schedules')
    .select(['paused_at', 'paused_reason', 'consecutive_failures', 'next_run_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
const instances = (id: string) =>
  deps.db.selectFrom('schedule_instances').select(['error']).where('schedule_id', '=', id).execute();
/** 1 when the schedule is due now (a worker's claim would take it), 0 otherwise. */
const queued = async (id: string) =>
  (
    await sql<{ n: number }>`SELECT count(*)::int AS n FROM schedules
      WHERE id = ${id} AND paused_at IS NULL AND next_run_at <= now() AND lease_until IS NULL`.execute(
      deps.db,
    )
  ).rows[0]?.n;

it('pauses after consecutive failures, stays paused, and resumes on request or on a config update', async () => {
  await writeFile(join(dir, 'payments.json'), '[{"reference": "broken"'); // malformed: every run fails
  const id = await installConnector(deps, 'dummypay', {
    name: 'fragile',
    directory: dir,
    pollingPeriod: '1m',
  });
  const payments = scheduleId(id, 'fetch_payments', '');

  await runSchedule(deps, payments);
  await runSchedule(deps, payments);
  expect((await schedule(payments)).paused_at).toBeNull();
  await runSchedule(deps, payments);
  const paused = await schedule(payments);
  expect(paused.paused_at).not.toBeNull();
  expect(paused.paused_reason).toMatch(
    /paused after 3 consecutive failed runs; last error: .*payments\.json/,
  );
  expect(paused.next_run_at).toBeNull();
  expect(await instances(payments)).toHaveLength(3);
  expect((await instances(payments)).every((i) => i.error?.includes('not valid JSON'))).toBe(true);
  // The API's schedule view carries the same health: paused, failures in a row, the newest run's error.
  const view = presentSchedule(
    await schedulesQuery(deps.db).where('schedules.id', '=', payments).executeTakeFirstOrThrow(),
  );
  expect(view).toMatchObject({ taskType: 'FETCH_PAYMENTS', consecutiveFailures: 3 });
  expect(view.pausedReason).toContain('paused after 3');
  expect(view.lastRun?.error).toContain('not valid JSON');
  expect(view.nextRunAt).toBeUndefined();

  // A paused schedule does not run, and a worker's claim leaves it alone even when it is overdue.
  await sql`UPDATE schedules SET next_run_at = now() - interval '1 minute' WHERE id = ${payments}`.execute(
    deps.db,
  );
  await runSchedule(deps, payments);
  expect(await instances(payments)).toHaveLength(3);
  const claimed = await claimSchedules(deps.db, 100, deps.leaseMs);
  expect(claimed.schedules.map((s) => s.id)).not.toContain(payments);
  expect(await queued(payments)).toBe(0);

  // An explicit resume unpauses it and queues a run, which succeeds once the file is fixed.
  await writeFile(join(dir, 'payments.json'), '[]');
  await resumeSchedule(deps, id, payments);
  expect(await schedule(payments)).toMatchObject({
    paused_at: null,
    paused_reason: null,
    consecutive_failures: 0,
  });
  expect(await queued(payments)).toBe(1);
  await runSchedule(deps, payments);
  expect((await instances(payments)).filter((i) => i.error === null)).toHaveLength(1);

  // Break it again until it pauses; a config update resumes every paused schedule of the connector.
  await writeFile(join(dir, 'payments.json'), '{');
  for (let i = 0; i < 3; i++) await runSchedule(deps, payments);
  expect((await schedule(payments)).paused_at).not.toBeNull();
  await updateConnectorConfig(deps, id, { name: 'fragile', directory: dir, pollingPeriod: '1m' });
  expect((await schedule(payments)).paused_at).toBeNull();
  expect(await queued(payments)).toBe(1);
});
