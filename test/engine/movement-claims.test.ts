// The payment-initiation table and the background-job table as queues: a batch claim takes each due row
// once however many workers claim at the same time, a dead worker's lease expires and its row is claimed
// again (no sweep job), the housekeeping runs once a minute across workers, and a PSP that answers a
// write more slowly than the lease never sees the write twice: the lease is renewed while it is in flight.
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineDeps } from '../../src/engine/deps.js';
import { backgroundJobSource, type JobHandlers } from '../../src/engine/execution/background-jobs.js';
import { runClaimLoop } from '../../src/engine/execution/loop.js';
import { Wakeups } from '../../src/engine/execution/wakeups.js';
import { runSchedule } from '../../src/engine/ingestion/sync-run.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import { initiationSource } from '../../src/engine/money-movement/initiation-runner.js';
import { initiatePayment } from '../../src/engine/money-movement/initiations.js';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { type MockPsp, startMockPsp } from '../../src/mock-psp/server.js';
import { claimJobs, endJob, requestJob } from '../../src/storage/background-jobs.js';
import { openDatabase, type OpenedDatabase } from '../../src/storage/db.js';
import {
  claimDueInitiations,
  insertInitiation,
  releaseInitiation,
} from '../../src/storage/payment-initiations.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { MockPspTenant } from '../support/mock-psp.js';
import { eventually } from '../support/service.js';

let engine: TestEngine;
let psp: MockPsp;
let sim: MockPspTenant;
let connectorId: string;
/** A second worker: its own connection pool and listener on the same database. */
let second: { opened: OpenedDatabase; wakeups: Wakeups };
let other: EngineDeps;
const accounts: string[] = [];

beforeAll(async () => {
  engine = await startTestEngine();
  psp = await startMockPsp({ port: 0 });
  sim = new MockPspTenant(psp.url, 'claims');
  const from = await sim.createAccount({ accountName: 'Main', currency: 'EUR', initialBalance: '100000' });
  const to = await sim.createAccount({ accountName: 'Reserve', currency: 'EUR', initialBalance: '0' });
  connectorId = await installConnector(engine.deps, 'generic', {
    name: 'claims',
    apiKey: sim.apiKey,
    endpoint: psp.url,
    pollingPeriod: '1h',
  });
  await runSchedule(engine.deps, scheduleId(connectorId, 'fetch_accounts', ''));
  for (const sim of [from, to])
    accounts.push(
      accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorId), reference: sim.id }),
    );
  const opened = await openDatabase({ url: engine.databaseUrl, dataDir: '' });
  second = { opened, wakeups: await Wakeups.start(opened, pino({ level: 'silent' })) };
  other = { ...engine.deps, db: opened.db, wakeups: second.wakeups };
});

afterAll(async () => {
  await second?.wakeups.stop();
  await second?.opened.close();
  await engine?.stop();
  await psp?.stop();
});

/** Due steps of the test's own, written as a worker would find them. */
async function dueSteps(prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const row = await insertInitiation(engine.deps.db, {
      id: `${prefix}-${i}`,
      connectorId,
      reference: `${prefix}-${i}`,
      scheduledAt: null,
      description: '',
      type: 'TRANSFER',
      sourceAccountId: null,
      destinationAccountId: null,
      amount: 1n,
      asset: 'EUR/2',
      metadata: {},
      status: 'PROCESSING',
    });
    ids.push(row.id);
  }
  await sql`UPDATE payment_initiations SET next_run_at = now(), attempt = 1
    WHERE id = ANY(${ids}::text[])`.execute(engine.deps.db);
  return ids;
}

async function parkSteps(ids: string[]): Promise<void> {
  await sql`UPDATE payment_initiations SET next_run_at = NULL, lease_until = NULL, lease_token = NULL
    WHERE id = ANY(${ids}::text[])`.execute(engine.deps.db);
}

describe('payment initiation steps', () => {
  it('never gives one step to two claimers, however many claim at once', async () => {
    const ids = await dueSteps('batch', 60);
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        claimDueInitiations((i % 2 === 0 ? engine.deps : other).db, 10, 60_000, `claimer-${i}`),
      ),
    );
    const taken = claims.flatMap((c) => c.steps.map((s) => s.row.id)).filter((id) => ids.includes(id));
    expect(new Set(taken).size).toBe(taken.length);
    // Whatever the first round left, a second round takes; each step exactly once overall.
    const rest = await claimDueInitiations(other.db, 100, 60_000, 'claimer-rest');
    const all = [...taken, ...rest.steps.map((s) => s.row.id).filter((id) => ids.includes(id))];
    expect(all.sort()).toEqual([...ids].sort());
    const tokens = await sql<{ id: string; lease_token: string }>`
      SELECT id, lease_token FROM payment_initiations WHERE id = ANY(${ids}::text[])`.execute(engine.deps.db);
    const byClaim = new Map(
      [...claims, rest].flatMap((c) => c.steps.map((s) => [s.row.id, s.token] as const)),
    );
    for (const row of tokens.rows) expect(row.lease_token).toBe(byClaim.get(row.id));
    await parkSteps(ids);
  });

  it('claims a step again once the lease of the worker that took it has expired', async () => {
    const [id] = await dueSteps('expired', 1);
    const first = await claimDueInitiations(engine.deps.db, 10, 300, 'dead-worker');
    expect(first.steps.map((s) => s.row.id)).toEqual([id]);
    expect(first.steps[0]?.takenOver).toBe(false);
    // Held: nobody else gets it, and the claim says when to look again (at the lease's end).
    const meanwhile = await claimDueInitiations(other.db, 10, 300, 'live-worker');
    expect(meanwhile.steps).toEqual([]);
    expect(meanwhile.nextDueInMs).toBeDefined();
    // The first worker never comes back; its lease runs out.
    await eventually(async () => {
      const row = await sql<{ expired: boolean }>`
        SELECT lease_until < now() AS expired FROM payment_initiations WHERE id = ${id}`.execute(other.db);
      return row.rows[0]?.expired ? true : undefined;
    });
    const again = await claimDueInitiations(other.db, 10, 60_000, 'live-worker');
    expect(again.steps.map((s) => [s.row.id, s.takenOver])).toEqual([[id, true]]);
    // The dead worker's late commit is refused: its token no longer holds the step.
    expect(await releaseInitiation(engine.deps.db, id as string, 'dead-worker', {})).toBe(false);
    expect(await releaseInitiation(other.db, id as string, 'live-worker', {})).toBe(true);
    await parkSteps([id as string]);
  });

  it('renews the lease while a PSP write is slower than the lease: one write, though a second worker claims meanwhile', async () => {
    const leaseMs = 600;
    const a = initiationSource({ ...engine.deps, leaseMs });
    const b = initiationSource({ ...other, leaseMs });
    // The simulator makes the transfer, then holds its answer for several leases.
    await sim.setFaults({ answerDelayMs: 4 * leaseMs });
    // Two workers' loops, each looking for due steps every 50 ms (and at the end of any lease it sees).
    const logger = engine.deps.logger;
    const wakeups = [await Wakeups.start(undefined, logger), await Wakeups.start(undefined, logger)] as const;
    const loops = [
      runClaimLoop(a, { concurrency: 2, sweepMs: 50, wakeups: wakeups[0], logger }),
      runClaimLoop(b, { concurrency: 2, sweepMs: 50, wakeups: wakeups[1], logger }),
    ];
    try {
      const { id } = await initiatePayment(
        engine.deps,
        {
          reference: 'slow-transfer',
          connectorID: connectorId,
          type: 'TRANSFER',
          amount: 700n,
          asset: 'EUR/2',
          description: 'slower than the lease',
          sourceAccountID: accounts[0],
          destinationAccountID: accounts[1] as string,
          metadata: { test: 'slow' },
        },
        { noValidation: true },
      );
      await eventually(async () => (await sim.transactions()).find((t) => t.metadata?.test === 'slow'));
      // Wait until the leases were renewed three times (more than a whole lease since the call began),
      // then claim as a second worker would: the step is still held.
      await eventually(async () => (a.heartbeat.beats + b.heartbeat.beats >= 4 ? true : undefined));
      const meanwhile = await claimDueInitiations(other.db, 10, leaseMs, 'intruder');
      expect(meanwhile.steps.map((s) => s.row.id)).not.toContain(id);
      await eventually(
        async () => {
          const row = await engine.deps.db
            .selectFrom('payment_initiations')
            .select('status')
            .where('id', '=', id)
            .executeTakeFirst();
          return row?.status === 'PROCESSED' ? true : undefined;
        },
        30_000,
        'the slow transfer to be PROCESSED',
      );
      expect((await sim.stats()).byEndpoint['POST /transfers']).toBe(1);
      expect((await sim.transactions()).filter((t) => t.metadata?.test === 'slow')).toHaveLength(1);
    } finally {
      await sim.setFaults({});
      for (const w of wakeups) await w.stop();
      await Promise.all(loops);
    }
  });
});

describe('background jobs', () => {
  it('runs the housekeeping once a minute, whichever of two workers claims it', async () => {
    const db = engine.deps.db;
    await sql`UPDATE background_jobs SET run_at = now() - interval '1 second' WHERE id = 'housekeeping'`.execute(
      db,
    );
    const claims = await Promise.all([
      claimJobs(db, 10, 60_000),
      claimJobs(other.db, 10, 60_000),
      claimJobs(db, 10, 60_000),
      claimJobs(other.db, 10, 60_000),
    ]);
    const housekeeping = claims.flatMap((c) => c.jobs).filter((j) => j.kind === 'housekeeping');
    expect(housekeeping).toHaveLength(1);
    const [run] = housekeeping;
    if (!run) throw new Error('unreachable');
    expect(await endJob(db, run, { again: 'next-minute' })).toBe(true);
    const next = await sql<{ on_minute: boolean; later: boolean; within_minute: boolean }>`
      SELECT run_at = date_trunc('minute', run_at) AS on_minute, run_at > now() AS later,
        run_at <= now() + interval '1 minute' AS within_minute
      FROM background_jobs WHERE id = 'housekeeping'`.execute(db);
    expect(next.rows[0]).toEqual({ on_minute: true, later: true, within_minute: true });
    // Until then neither worker gets it, and each knows to look again within the minute.
    for (const claim of await Promise.all([claimJobs(db, 10, 60_000), claimJobs(other.db, 10, 60_000)])) {
      expect(claim.jobs.filter((j) => j.kind === 'housekeeping')).toEqual([]);
      expect(claim.nextDueInMs).toBeLessThanOrEqual(60_000);
    }
  });

  it('retries a job that throws, keeps finished jobs out of the queue, and reclaims an expired lease', async () => {
    const db = engine.deps.db;
    const runs: string[] = [];
    const handlers: JobHandlers = {
      'bank-account-forward': async () => undefined,
      'psu-connector-deletion': async () => undefined,
      'psu-deletion': async (job) => {
        runs.push(`${job.psuId}:${job.tries}`);
        if (job.tries === 0) throw new Error('database hiccup');
      },
      removal: async () => undefined,
      housekeeping: async () => undefined,
    };
    const source = backgroundJobSource(
      { ...engine.deps, initiations: { ...engine.deps.initiations, retryMaxMs: 1 } },
      handlers,
    );
    await requestJob(db, { kind: 'psu-deletion', id: 'task-retried', psuId: 'psu-1' });
    const take = async () => (await claimJobs(db, 10, 60_000)).jobs.filter((j) => j.id === 'task-retried');
    const [first] = await take();
    if (!first) throw new Error('the job was not claimed');
    await source.handle(first);
    const retried = await sql<{ tries: number; last_error: string; finished: boolean }>`
      SELECT tries, last_error, finished_at IS NOT NULL AS finished FROM background_jobs WHERE id = 'task-retried'`.execute(
      db,
    );
    expect(retried.rows[0]).toEqual({ tries: 1, last_error: 'database hiccup', finished: false });
    const [second] = await eventually(async () => {
      const jobs = await take();
      return jobs.length > 0 ? jobs : undefined;
    });
    if (!second) throw new Error('unreachable');
    // A worker that took it dies: its lease (short here) expires and another claims it again.
    await sql`UPDATE background_jobs SET lease_until = now() - interval '1 second' WHERE id = 'task-retried'`.execute(
      db,
    );
    const [reclaimed] = (await claimJobs(other.db, 10, 60_000)).jobs.filter((j) => j.id === 'task-retried');
    expect(reclaimed?.leaseToken).not.toBe(second.leaseToken);
    expect(await endJob(db, second, { finished: true })).toBe(false); // the dead worker's lease is gone
    await source.handle(reclaimed as typeof second);
    expect(runs).toEqual(['psu-1:0', 'psu-1:1']);
    expect(await take()).toEqual([]);
    const done = await sql<{ finished: boolean }>`
      SELECT finished_at IS NOT NULL AS finished FROM background_jobs WHERE id = 'task-retried'`.execute(db);
    expect(done.rows[0]?.finished).toBe(true);
  });
});
