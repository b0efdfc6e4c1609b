// A worker process killed with SIGKILL in the middle of a multi-page ingestion, then restarted: the final
// rows equal those of a clean run, with nothing lost and nothing duplicated.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { assetFromCurrency } from '../../src/domain/assets.js';
import { type DummyPayData, writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { eventually } from '../support/service.js';
import { spawnWorker } from '../support/worker-process.js';

const PAYMENTS = 20_000;

let engine: TestEngine;
let dir: string;
let data: DummyPayData;
const children: ChildProcess[] = [];

function startWorker(databaseUrl: string): ChildProcess {
  // One commit per DummyPay page: many commits to die between.
  const child = spawnWorker(databaseUrl, { PAYBRIDGE_COMMIT_BATCH_ITEMS: '25' });
  children.push(child);
  return child;
}

beforeAll(async () => {
  engine = await startTestEngine();
  dir = await mkdtemp(join(tmpdir(), 'pb-crash-'));
  data = await writeDummyPayDirectory(dir, { accounts: 10, payments: PAYMENTS, seed: 11 });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await engine?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('loses and duplicates nothing when a worker is killed mid-run and another takes over', async () => {
  const { db } = engine.deps;
  const connectorId = await installConnector(engine.deps, 'dummypay', {
    name: 'crashy',
    directory: dir,
    pollingPeriod: '1h',
  });
  const payments = scheduleId(connectorId, 'fetch_payments', '');
  const count = async (table: 'payments' | 'payment_adjustments') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('connector_id', '=', connectorId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  const first = startWorker(engine.databaseUrl);
  await eventually(
    async () => ((await count('payments')) >= 2_000 ? true : undefined),
    60_000,
    'ingestion to start',
  );
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  const atCrash = await count('payments');
  expect(atCrash).toBeLessThan(PAYMENTS); // it really died mid-run

  // The dead run's lease (2 s) must run out before anyone may take over; then a worker's claim takes it.
  await eventually(
    async () => {
      const row = await db
        .selectFrom('schedules')
        .select((eb) => eb(eb.ref('lease_until'), '<', sql<string>`now()`).as('expired'))
        .where('id', '=', payments)
        .executeTakeFirstOrThrow();
      return row.expired ? true : undefined;
    },
    10_000,
    'the lease to expire',
  );
  startWorker(engine.databaseUrl);
  await eventually(
    async () => {
      const row = await db
        .selectFrom('schedules')
        .select(['lease_instance_id', 'state'])
        .where('id', '=', payments)
        .executeTakeFirstOrThrow();
      return row.lease_instance_id === null && (await count('payments')) === PAYMENTS ? true : undefined;
    },
    90_000,
    'the restarted worker to finish the run',
  );

  expect(await count('payments')).toBe(PAYMENTS);
  expect(await count('payment_adjustments')).toBe(PAYMENTS);
  const rows = await db
    .selectFrom('payments')
    .select(['reference', 'amount', 'asset', 'status'])
    .where('connector_id', '=', connectorId)
    .execute();
  const byReference = new Map(rows.map((r) => [r.reference, r]));
  for (const p of data.payments) {
    expect(byReference.get(p.reference)).toEqual({
      reference: p.reference,
      amount: p.amount.toString(),
      asset: assetFromCurrency(p.currency),
      status: p.status,
    });
  }
  // The killed run never finished; the one that took over did, from the last committed cursor.
  const runs = await db
    .selectFrom('schedule_instances')
    .select(['terminated', 'error', 'items'])
    .where('schedule_id', '=', payments)
    .orderBy('created_at')
    .execute();
  expect(runs[0]?.terminated).toBe(false);
  expect(runs.at(-1)).toMatchObject({ terminated: true, error: null });
  // Items are counted in the same transaction as their rows: the takeover resumed exactly where the
  // killed run's last commit left off, rather than starting the pass again.
  expect(runs.reduce((sum, r) => sum + r.items, 0)).toBe(PAYMENTS);
}, 240_000); // its own waits add up to 160 s on a loaded machine; the default 60 s is not a bound on them
