// The atomic page commit, driven through real runs of DummyPay against a real PostgreSQL database.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { stringifyJson } from '../../src/domain/json.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import { runRemoval, uninstallConnector } from '../../src/engine/lifecycle/removal.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { runSchedule } from '../../src/engine/ingestion/sync-run.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { deleteOldRuns } from '../../src/storage/schedules.js';
import { type DummyPayData, writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
let deps: EngineDeps;
let dir: string;
let data: DummyPayData;

beforeAll(async () => {
  engine = await startTestEngine();
  deps = engine.deps;
  dir = await mkdtemp(join(tmpdir(), 'pb-commit-'));
  data = await writeDummyPayDirectory(dir, { accounts: 12, payments: 30, seed: 7 });
  // Used by triggers that simulate a crash inside a page transaction, after the PSP call.
  await sql`CREATE FUNCTION inject_failure() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'injected failure before commit'; END $$ LANGUAGE plpgsql`.execute(deps.db);
});

afterAll(async () => {
  await engine?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function install(name: string, pageSize = 10): Promise<string> {
  return installConnector(deps, 'dummypay', { name, directory: dir, pollingPeriod: '1m', pageSize });
}

/** What a connector ingested, without the ids that embed the connector. */
async function snapshot(connectorId: string) {
  const payments = await sql<{
    reference: string;
    amount: string;
    initial_amount: string;
    status: string;
    asset: string;
  }>`
    SELECT reference, amount::text, initial_amount::text, status, asset FROM payments
    WHERE connector_id = ${connectorId} ORDER BY reference`.execute(deps.db);
  const adjustments = await sql<{ reference: string; status: string; amount: string }>`
    SELECT reference, status, amount::text FROM payment_adjustments
    WHERE connector_id = ${connectorId} ORDER BY reference, status`.execute(deps.db);
  const schedule = await deps.db
    .selectFrom('schedules')
    .select(['state', 'lease_instance_id'])
    .where('id', '=', scheduleId(connectorId, 'fetch_payments', ''))
    .executeTakeFirstOrThrow();
  return { payments: payments.rows, adjustments: adjustments.rows, schedule };
}

async function countPayments(connectorId: string): Promise<number> {
  const row = await deps.db
    .selectFrom('payments')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('connector_id', '=', connectorId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('page commit', () => {
  it('leaves nothing half-written when the commit fails after the PSP call, and a retry converges', async () => {
    const clean = await install('clean run');
    await runSchedule(deps, scheduleId(clean, 'fetch_payments', ''));
    const expected = await snapshot(clean);
    expect(expected.payments).toHaveLength(30);

    const faulty = await install('faulty run');
    // The 15th payment of the file sits on the second page (page size 10). Its adjustment insert fails
    // inside the page transaction, after that page's payments statement already ran: a crash before commit.
    const victim = data.payments[14]?.reference as string;
    const firstPage = data.payments
      .slice(0, 10)
      .map((p) => p.reference)
      .sort();
    await sql`CREATE TRIGGER inject BEFORE INSERT ON payment_adjustments FOR EACH ROW
      WHEN (NEW.connector_id = ${sql.lit(faulty)} AND NEW.reference = ${sql.lit(victim)})
      EXECUTE FUNCTION inject_failure()`.execute(deps.db);

    await runSchedule(deps, scheduleId(faulty, 'fetch_payments', ''));
    const partial = await snapshot(faulty);
    // Only whole pages before the failing one exist; nothing of the failing page leaked.
    expect(partial.payments.map((p) => p.reference)).toEqual(firstPage);
    expect(partial.adjustments).toHaveLength(partial.payments.length);
    expect(partial.schedule.state).toEqual({ next: partial.payments.length });
    expect(partial.schedule.lease_instance_id).toBeNull();
    const failed = await deps.db
      .selectFrom('schedule_instances')
      .select(['error', 'terminated'])
      .where('schedule_id', '=', scheduleId(faulty, 'fetch_payments', ''))
      .execute();
    expect(failed).toEqual([{ error: expect.stringContaining('injected failure'), terminated: true }]);

    await sql`DROP TRIGGER inject ON payment_adjustments`.execute(deps.db);
    await runSchedule(deps, scheduleId(faulty, 'fetch_payments', ''));
    expect(await snapshot(faulty)).toEqual(expected);
  });

  it('commits consecutive pages together with the cursor of the last one, all or nothing', async () => {
    deps.commitBatchItems = 20; // pages of 10: pages 1 and 2 commit together, then page 3
    try {
      const id = await install('batched');
      const run = scheduleId(id, 'fetch_payments', '');
      const victim = data.payments[14]?.reference as string; // on page 2
      await sql`CREATE TRIGGER inject_batch BEFORE INSERT ON payment_adjustments FOR EACH ROW
        WHEN (NEW.connector_id = ${sql.lit(id)} AND NEW.reference = ${sql.lit(victim)})
        EXECUTE FUNCTION inject_failure()`.execute(deps.db);
      await runSchedule(deps, run);
      // Page 1 shared the failing transaction, so it is gone too and the cursor did not move.
      expect(await countPayments(id)).toBe(0);
      expect((await snapshot(id)).schedule.state).toBeNull();

      await sql`DROP TRIGGER inject_batch ON payment_adjustments`.execute(deps.db);
      await runSchedule(deps, run);
      expect(await countPayments(id)).toBe(30);
      const instances = await deps.db
        .selectFrom('schedule_instances')
        .select(['pages', 'items', 'error'])
        .where('schedule_id', '=', run)
        .orderBy('created_at')
        .execute();
      expect(instances[1]).toEqual({ pages: 3, items: 30, error: null });
    } finally {
      deps.commitBatchItems = 1;
    }
  });

  it('changes nothing when the same pages are ingested again', async () => {
    const id = await install('replayed', 25);
    const run = scheduleId(id, 'fetch_payments', '');
    await runSchedule(deps, run);
    const first = await snapshot(id);
    const stamps = await deps.db
      .selectFrom('payments')
      .select(['id', 'updated_at'])
      .where('connector_id', '=', id)
      .execute();
    await runSchedule(deps, run);
    expect(await snapshot(id)).toEqual(first);
    const again = await deps.db
      .selectFrom('payments')
      .select(['id', 'updated_at'])
      .where('connector_id', '=', id)
      .execute();
    // Unchanged rows are not rewritten.
    expect(again).toEqual(stamps);
  });

  it('spawns one balances schedule per account in the page transaction, without duplicates on re-runs', async () => {
    const id = await install('fan-out', 5);
    const accounts = scheduleId(id, 'fetch_accounts', '');
    await runSchedule(deps, accounts);
    await runSchedule(deps, accounts);
    const children = await deps.db
      .selectFrom('schedules')
      .select(['parent_id', 'from_payload', 'periodic'])
      .where('connector_id', '=', id)
      .where('node_path', '=', 'fetch_accounts.fetch_balances')
      .execute();
    expect(children).toHaveLength(12);
    for (const child of children) {
      expect(child.periodic).toBe(true);
      expect(child.from_payload).toMatchObject({
        id: child.parent_id,
        payload: { reference: child.parent_id },
      });
    }
    // Each new child schedule is due for its first run (its next_run_at is its place in the queue), with
    // no run holding it.
    const queued = await sql<{ n: string }>`
      SELECT count(*)::text AS n FROM schedules WHERE connector_id = ${id}
        AND node_path = 'fetch_accounts.fetch_balances' AND next_run_at <= now() AND lease_until IS NULL`.execute(
      deps.db,
    );
    expect(Number(queued.rows[0]?.n)).toBe(12);

    await runSchedule(
      deps,
      scheduleId(id, 'fetch_accounts.fetch_balances', children[0]?.parent_id as string),
    );
    const balances = await deps.db
      .selectFrom('balances')
      .selectAll()
      .where('connector_id', '=', id)
      .execute();
    expect(balances.length).toBeGreaterThan(0);
  });

  it('drops the child schedules of an account that left the PSP after a full listing', async () => {
    const own = await mkdtemp(join(tmpdir(), 'pb-prune-'));
    try {
      const written = await writeDummyPayDirectory(own, { accounts: 4, payments: 0, seed: 8 });
      const id = await installConnector(deps, 'dummypay', {
        name: 'pruned',
        directory: own,
        pollingPeriod: '1m',
      });
      const accounts = scheduleId(id, 'fetch_accounts', '');
      const balanceParents = async () =>
        (
          await deps.db
            .selectFrom('schedules')
            .select('parent_id')
            .where('connector_id', '=', id)
            .where('node_path', '=', 'fetch_accounts.fetch_balances')
            .execute()
        )
          .map((r) => r.parent_id)
          .sort();
      await runSchedule(deps, accounts);
      expect(await balanceParents()).toEqual(written.accounts.map((a) => a.id).sort());

      const gone = written.accounts[1]?.id as string;
      const remaining = written.accounts.filter((a) => a.id !== gone);
      await writeFile(join(own, 'accounts.json'), stringifyJson(remaining));
      await runSchedule(deps, accounts);
      expect(await balanceParents()).toEqual(remaining.map((a) => a.id).sort());
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('never runs one schedule twice at once', async () => {
    const id = await install('exclusive', 5);
    const run = scheduleId(id, 'fetch_payments', '');
    await Promise.all([runSchedule(deps, run), runSchedule(deps, run), runSchedule(deps, run)]);
    const instances = await deps.db
      .selectFrom('schedule_instances')
      .select('id')
      .where('schedule_id', '=', run)
      .execute();
    expect(instances).toHaveLength(1);
    expect(await countPayments(id)).toBe(30);
  });

  it('reads the polling period from the database at every run, so a changed period applies to the next one', async () => {
    const id = await install('period', 25);
    const run = scheduleId(id, 'fetch_payments', '');
    await deps.db
      .updateTable('connectors')
      .set({ polling_period_ms: 3_600_000 })
      .where('id', '=', id)
      .execute();
    const before = Date.now();
    await runSchedule(deps, run);
    const row = await deps.db
      .selectFrom('schedules')
      .select('next_run_at')
      .where('id', '=', run)
      .executeTakeFirstOrThrow();
    const next = new Date((row.next_run_at as string).replace(' ', 'T').replace(/\+00$/, 'Z')).getTime();
    expect(next - before).toBeGreaterThanOrEqual(3_600_000);
    expect(next - before).toBeLessThan(3_600_000 + 6 * 60_000);
  });

  it('forgets finished runs after the retention period, and keeps runs in progress', async () => {
    const id = await install('history', 25);
    const run = scheduleId(id, 'fetch_payments', '');
    await runSchedule(deps, run);
    await runSchedule(deps, run);
    const runs = await deps.db
      .selectFrom('schedule_instances')
      .select('id')
      .where('schedule_id', '=', run)
      .execute();
    expect(runs).toHaveLength(2);
    await deps.db
      .updateTable('schedule_instances')
      .set({ terminated_at: '2020-01-01T00:00:00Z' })
      .where('id', '=', runs[0]?.id as string)
      .execute();
    await deps.db
      .insertInto('schedule_instances')
      .values({ id: 'in-progress', schedule_id: run, connector_id: id, created_at: '2020-01-01T00:00:00Z' })
      .execute();
    await deleteOldRuns(deps.db, 24 * 3_600_000);
    const left = await deps.db
      .selectFrom('schedule_instances')
      .select('id')
      .where('schedule_id', '=', run)
      .execute();
    expect(left.map((r) => r.id).sort()).toEqual([runs[1]?.id as string, 'in-progress'].sort());
  });

  it('stops a run at its next commit once the connector is uninstalled, then deletes everything', async () => {
    const id = await install('uninstalled', 10);
    await runSchedule(deps, scheduleId(id, 'fetch_accounts', ''));
    const taskId = await uninstallConnector(deps, id);
    // A run that starts now finds the connector marked and does not take the lease.
    await runSchedule(deps, scheduleId(id, 'fetch_payments', ''));
    expect(await countPayments(id)).toBe(0);
    await runRemoval(deps, { connectorId: id, taskId, reinstall: false });
    const leftovers = await sql<{ n: string }>`
      SELECT (SELECT count(*) FROM accounts WHERE connector_id = ${id})
           + (SELECT count(*) FROM schedules WHERE connector_id = ${id})
           + (SELECT count(*) FROM connectors WHERE id = ${id}) AS n`.execute(deps.db);
    expect(Number(leftovers.rows[0]?.n)).toBe(0);
    const task = await deps.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', taskId)
      .executeTakeFirstOrThrow();
    expect(task.status).toBe('SUCCEEDED');
  });
});
