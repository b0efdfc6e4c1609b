// Fan-out benchmark: one DummyPay connector with N accounts, each with its own balances schedule (the task
// tree fetch_accounts → fetch_balances per account), and what ONE polling cycle costs per account:
// database statements (pg-boss vs engine), jobs, schedule runs, wall time. Prints figures, asserts none.
//
//   npm run bench:fanout                         # 10 000 accounts
//   BENCH_ACCOUNTS=2000 npm run bench:fanout     # or: node dist/bench/fanout.js --accounts 2000
//   --cycles 1|2 (BENCH_CYCLES, default 2): cycle 2 brings every queued run forward to now, so each
//     schedule runs once more on the state cycle 1 left (the steady state: nothing new to create).
//   --workers N (BENCH_WORKERS, default 0: skipped): repeat the measurement with N spawned
//     `paybridge worker` processes (each with the default 4 job slots), to see how N balances
//     schedules spread over processes. Takes as long again.
//   --cycle-timeout 300 (BENCH_CYCLE_TIMEOUT): seconds one cycle may take before it is reported incomplete.
//
// The connector polls every hour, so each schedule should run exactly once per cycle; a cycle ends when
// every balances schedule and every root schedule has finished one more run. Runs beyond one per schedule
// are counted and shown ("ran twice"): the engine's sweeper can cause them when a cycle lasts over a minute.

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { SYNC_QUEUE } from '../src/engine/execution/jobs.js';
import { writeDummyPayDirectory } from '../test/support/dummypay-fixtures.js';
import {
  type BenchProcesses,
  type Counted,
  installDummyPay,
  startProcesses,
  type Topology,
} from './support/bench-service.js';
import {
  type Cleanup,
  fixed,
  flag,
  int,
  perSecond,
  positiveInt,
  runBenchmark,
  sleep,
  table,
} from './support/harness.js';
import { type QueryCounter, type StatementStats } from './support/query-counter.js';
import { benchWorkspace } from './support/workspace.js';
import { isQueueKind, totalCount } from './support/statement-kinds.js';

const BALANCES_PATH = 'fetch_accounts.fetch_balances';
const ROOT_PATHS = ['fetch_accounts', 'fetch_external_accounts', 'fetch_payments'];
// The progress query aggregates the cycle's run instances (tens of ms at 10 000): every 250 ms for the
// first 10 s (small N end within that), then once a second, which keeps the benchmark's own load on the
// database around 1 % and the end of a long cycle within 1 s (~1 % of it).
const pollMs = (elapsedMs: number) => (elapsedMs < 10_000 ? 250 : 1000);
/** Kinds listed by name in the per-kind table; the rest are summed into one line. */
const TOP_KINDS = 12;

// Formance Payments' design (reference/engine.md §12 item 1), NOT measured here: per parent run, 3
// activities for every periodic child of every fetched item (schedule row, polling-period read, schedule
// create), and per account a FetchBalances child workflow whose own run takes activities too.
const FORMANCE_ACTIVITIES_PER_ACCOUNT = 6;
const FORMANCE_CHILD_WORKFLOWS_PER_ACCOUNT = 1;

interface Options {
  accounts: number;
  cycles: number;
  workers: number;
  cycleTimeoutMs: number;
}

function readOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const cycles = positiveInt(flag(argv, 'cycles') ?? env.BENCH_CYCLES, 2, 'cycles');
  if (cycles > 2) throw new Error('cycles must be 1 or 2');
  const workersText = flag(argv, 'workers') ?? env.BENCH_WORKERS;
  return {
    accounts: positiveInt(flag(argv, 'accounts') ?? env.BENCH_ACCOUNTS, 10_000, 'accounts'),
    cycles,
    workers: workersText === '0' ? 0 : positiveInt(workersText, 0, 'workers'),
    cycleTimeoutMs:
      positiveInt(flag(argv, 'cycle-timeout') ?? env.BENCH_CYCLE_TIMEOUT, 300, 'cycle timeout (seconds)') *
      1000,
  };
}

interface CycleResult {
  cycle: number;
  complete: boolean;
  ms: number;
  /** Cycle start → the accounts run ended (every balances schedule exists and is queued). */
  accountsRunMs: number | undefined;
  balancesRuns: number;
  failedRuns: number;
  /** Run instances opened during the cycle, every schedule included. */
  instances: number;
  /** Schedules that ran more than once during the cycle (each should run exactly once). */
  ranTwice: number;
  /** paybridge-sync jobs (pgboss.job + pgboss.archive) created, and completed, during the cycle. */
  jobsCreated: number;
  jobsCompleted: number;
  /** Queued runs the benchmark brought forward to start the cycle (cycle 2). */
  broughtForward: number;
  counted: Counted;
}

/** The runs opened since the cycle started (`from`, the database's clock), by node path. */
interface Progress {
  /** Schedules that finished a run this cycle. */
  schedulesDone: Map<string, number>;
  /** Finished runs this cycle (a schedule that ran twice counts twice). */
  runsDone: Map<string, number>;
  failed: number;
}

async function progress(observer: pg.Client, connectorId: string, from: string): Promise<Progress> {
  const { rows } = await observer.query<{
    node_path: string;
    schedules: string;
    runs: string;
    failed: string;
  }>(
    `SELECT s.node_path, count(DISTINCT i.schedule_id) FILTER (WHERE i.terminated) AS schedules,
            count(*) FILTER (WHERE i.terminated) AS runs, count(*) FILTER (WHERE i.error IS NOT NULL) AS failed
     FROM schedule_instances i JOIN schedules s ON s.id = i.schedule_id
     WHERE i.connector_id = $1 AND i.created_at >= $2 GROUP BY s.node_path`,
    [connectorId, from],
  );
  return {
    schedulesDone: new Map(rows.map((r) => [r.node_path, Number(r.schedules)])),
    runsDone: new Map(rows.map((r) => [r.node_path, Number(r.runs)])),
    failed: rows.reduce((sum, r) => sum + Number(r.failed), 0),
  };
}

/** A cycle is over when every balances schedule and every root schedule has finished a run in it. */
function cycleOver(p: Progress, accounts: number): boolean {
  return (
    (p.schedulesDone.get(BALANCES_PATH) ?? 0) >= accounts &&
    ROOT_PATHS.every((path) => (p.schedulesDone.get(path) ?? 0) >= 1)
  );
}

const databaseNow = async (observer: pg.Client) =>
  (await observer.query<{ now: string }>('SELECT now()::text AS now')).rows[0]?.now ?? '';

/**
 * Starts the next cycle now instead of in an hour: every queued run of the sync queue (one per schedule,
 * created by its previous run) becomes due, as if the period had elapsed. The schedules' next_run_at
 * follows, so that the sweeper sees what it would see after an hour.
 */
async function bringRunsForward(observer: pg.Client, connectorId: string): Promise<number> {
  const { rowCount } = await observer.query(
    `UPDATE pgboss.job SET start_after = now() WHERE name = $1 AND state = 'created'`,
    [SYNC_QUEUE],
  );
  await observer.query('UPDATE schedules SET next_run_at = now() WHERE connector_id = $1', [connectorId]);
  return rowCount ?? 0;
}

async function jobsDuring(observer: pg.Client, from: string, to: string) {
  const { rows } = await observer.query<{ created: string; completed: string }>(
    `SELECT count(*) FILTER (WHERE created_on >= $2 AND created_on <= $3) AS created,
            count(*) FILTER (WHERE state = 'completed' AND completed_on >= $2 AND completed_on <= $3) AS completed
     FROM (SELECT created_on, state, completed_on FROM pgboss.job WHERE name = $1
           UNION ALL SELECT created_on, state, completed_on FROM pgboss.archive WHERE name = $1) j`,
    [SYNC_QUEUE, from, to],
  );
  return { created: Number(rows[0]?.created ?? 0), completed: Number(rows[0]?.completed ?? 0) };
}

async function instancesDuring(observer: pg.Client, connectorId: string, from: string, to: string) {
  const { rows } = await observer.query<{ n: string; twice: string; accounts_ended: string | null }>(
    `WITH runs AS (
       SELECT i.schedule_id, s.node_path, i.terminated_at
       FROM schedule_instances i JOIN schedules s ON s.id = i.schedule_id
       WHERE i.connector_id = $1 AND i.created_at >= $2 AND i.created_at <= $3)
     SELECT (SELECT count(*) FROM runs) AS n,
            (SELECT count(*) FROM (SELECT 1 FROM runs GROUP BY schedule_id HAVING count(*) > 1) d) AS twice,
            (SELECT max(EXTRACT(EPOCH FROM terminated_at - $2::timestamptz) * 1000) FROM runs
             WHERE node_path = 'fetch_accounts') AS accounts_ended`,
    [connectorId, from, to],
  );
  const accountsEnded = rows[0]?.accounts_ended;
  return {
    instances: Number(rows[0]?.n ?? 0),
    ranTwice: Number(rows[0]?.twice ?? 0),
    accountsRunMs: accountsEnded === null || accountsEnded === undefined ? undefined : Number(accountsEnded),
  };
}

/**
 * One polling cycle: the install (cycle 1) or bringing the queued runs forward (later cycles) starts it,
 * then the benchmark waits until every schedule has finished a run in it. Counters cover that window.
 */
async function measureCycle(
  processes: BenchProcesses,
  connector: { id: string | undefined; install: () => Promise<string> },
  cycle: number,
  options: Options,
): Promise<CycleResult & { connectorId: string }> {
  const { observer } = processes;
  await processes.resetCounters();
  const from = await databaseNow(observer);
  const started = performance.now();
  let broughtForward = 0;
  let connectorId = connector.id;
  if (connectorId === undefined) connectorId = await connector.install();
  else broughtForward = await bringRunsForward(observer, connectorId);

  let p: Progress;
  for (;;) {
    p = await progress(observer, connectorId, from);
    if (cycleOver(p, options.accounts)) break;
    if (performance.now() - started > options.cycleTimeoutMs) break;
    await sleep(pollMs(performance.now() - started));
  }
  const ms = performance.now() - started;
  const counted = await processes.collect();
  const to = await databaseNow(observer);
  const jobs = await jobsDuring(observer, from, to);
  const instances = await instancesDuring(observer, connectorId, from, to);
  return {
    connectorId,
    cycle,
    complete: cycleOver(p, options.accounts),
    ms,
    accountsRunMs: instances.accountsRunMs,
    balancesRuns: p.runsDone.get(BALANCES_PATH) ?? 0,
    failedRuns: p.failed,
    instances: instances.instances,
    ranTwice: instances.ranTwice,
    jobsCreated: jobs.created,
    jobsCompleted: jobs.completed,
    broughtForward,
    counted,
  };
}

/** Every cycle of one topology on a fresh database; the connector is installed by cycle 1. */
async function measureTopology(
  topology: Topology,
  directory: string,
  dataDir: string,
  options: Options,
  counter: QueryCounter,
  cleanup: Cleanup,
  interrupted: () => boolean,
): Promise<{ describe: string; cycles: CycleResult[] }> {
  const processes = await startProcesses(topology, dataDir, counter, cleanup);
  console.log(`\n${processes.describe}:`);
  const cycles: CycleResult[] = [];
  let connectorId: string | undefined;
  for (let cycle = 1; cycle <= options.cycles && !interrupted(); cycle++) {
    const result = await measureCycle(
      processes,
      { id: connectorId, install: () => installDummyPay(processes.url, directory, 'bench-fanout') },
      cycle,
      options,
    );
    connectorId = result.connectorId;
    cycles.push(result);
    console.log(describeCycle(result, options.accounts));
    if (!result.complete) break; // a next cycle would start on top of an unfinished one
  }
  await processes.stop();
  return { describe: processes.describe, cycles };
}

function describeCycle(c: CycleResult, accounts: number): string {
  const trigger = c.cycle === 1 ? 'install' : `${int(c.broughtForward)} queued runs brought forward`;
  const accountsRun =
    c.accountsRunMs === undefined ? '' : `; accounts run ended at ${fixed(c.accountsRunMs / 1000, 1)} s`;
  const head = `  cycle ${c.cycle} (${trigger} → every schedule ran once): `;
  const failed = c.failedRuns > 0 ? `; ${int(c.failedRuns)} FAILED runs` : '';
  const twice = c.ranTwice > 0 ? `; ${int(c.ranTwice)} schedules ran twice` : '';
  return c.complete
    ? `${head}${int(c.balancesRuns)} balances runs in ${fixed(c.ms / 1000, 2)} s ` +
        `(${int(perSecond(accounts, c.ms))} accounts/s${accountsRun})${twice}${failed}`
    : `${head}INCOMPLETE after ${fixed(c.ms / 1000, 1)} s (timeout): ${int(c.balancesRuns)} of ${int(accounts)} ` +
        `balances runs${failed}; figures below are per finished balances run`;
}

/** Per-account figures of one cycle (per finished balances run when the cycle is incomplete). */
function perAccount(c: CycleResult, accounts: number) {
  const n = c.complete ? accounts : Math.max(c.balancesRuns, 1);
  const all = totalCount(c.counted.statements);
  const queue = totalCount(c.counted.statements, isQueueKind);
  return {
    statements: all / n,
    queue: queue / n,
    engine: (all - queue) / n,
    jobsCreated: c.jobsCreated / n,
    jobsCompleted: c.jobsCompleted / n,
    instances: c.instances / n,
    ranTwice: c.ranTwice / n,
    balancesCalls: (c.counted.pspCalls.FETCH_BALANCES ?? 0) / n,
    msPerAccount: c.ms / n,
  };
}

function summaryTable(runs: { label: string; cycle: CycleResult }[], accounts: number): string {
  const per = runs.map((r) => perAccount(r.cycle, accounts));
  const row = (label: string, pick: (p: ReturnType<typeof perAccount>) => string, formance = '') => [
    label,
    ...per.map(pick),
    formance,
  ];
  return table(
    [
      ['per account per cycle', ...runs.map((r) => r.label), 'Formance (its design, NOT measured)'],
      row('database statements, all', (p) => fixed(p.statements, 2)),
      row('  of which pg-boss (job queue)', (p) => fixed(p.queue, 2)),
      row('  of which engine (incl. BEGIN/COMMIT)', (p) => fixed(p.engine, 2)),
      row('jobs created (paybridge-sync)', (p) => fixed(p.jobsCreated, 2)),
      row('jobs completed (paybridge-sync)', (p) => fixed(p.jobsCompleted, 2)),
      row('schedule runs (instances), all schedules', (p) => fixed(p.instances, 3)),
      row('schedules that ran twice in the cycle', (p) => fixed(p.ranTwice, 4)),
      row('FETCH_BALANCES PSP calls', (p) => fixed(p.balancesCalls, 2)),
      row('wall time per account', (p) => `${fixed(p.msPerAccount, 2)} ms`),
      row('Temporal activities', () => '-', `~${FORMANCE_ACTIVITIES_PER_ACCOUNT}`),
      row('child workflows (FetchBalances)', () => '-', String(FORMANCE_CHILD_WORKFLOWS_PER_ACCOUNT)),
    ],
    [false, ...runs.map(() => true), true],
  );
}

/** The statement kinds of one cycle, most frequent first; the tail is summed into one line. */
function kindsTable(stats: Map<string, StatementStats>, accounts: number): string {
  const rows = [...stats].sort((a, b) => b[1].count - a[1].count);
  const shown = rows.slice(0, TOP_KINDS);
  const rest = rows.slice(TOP_KINDS).reduce((s, [, v]) => ({ count: s.count + v.count, ms: s.ms + v.ms }), {
    count: 0,
    ms: 0,
  });
  const total = rows.reduce((s, [, v]) => ({ count: s.count + v.count, ms: s.ms + v.ms }), {
    count: 0,
    ms: 0,
  });
  const line = (kind: string, v: StatementStats) => [
    `  ${kind}`,
    int(v.count),
    fixed(v.count / accounts, 3),
    v.count > 0 ? fixed(v.ms / v.count, 2) : '-',
  ];
  return table(
    [
      ['statement kind', 'count', 'per account', 'ms/stmt'],
      ...shown.map(([kind, v]) => line(kind, v)),
      ...(rest.count > 0 ? [line(`${rows.length - TOP_KINDS} other kinds`, rest)] : []),
      line('total', total),
    ],
    [false, true, true, true],
  );
}

function spreadLine(label: string, c: CycleResult): string {
  const calls = c.counted.pspCallsByProcess.map((p) => int(p.FETCH_BALANCES ?? 0));
  return `  ${label}: FETCH_BALANCES calls per process ${calls.join(' + ')}`;
}

await runBenchmark(async (cleanup, interrupted) => {
  const options = readOptions(process.argv.slice(2), process.env);
  const { counter, root } = await benchWorkspace(cleanup, 'paybridge-fanout-');
  const directory = join(root, 'dummypay');
  const fixture = await writeDummyPayDirectory(directory, {
    accounts: options.accounts,
    externalAccounts: 0,
    payments: 0,
  });
  console.log(
    `Paybridge fan-out benchmark: ${int(options.accounts)} DummyPay accounts ` +
      `(${int(fixture.balances.length)} balances), 0 payments, 0 external accounts; polling period 1h; ` +
      `PAYBRIDGE_WORKER_CONCURRENCY default (4) and PAYBRIDGE_COMMIT_BATCH_ITEMS default (500) in every ` +
      `process; node ${process.version}; ${availableParallelism()} CPUs; PostgreSQL on the same machine`,
  );

  const topologies: Topology[] = options.workers > 0 ? ['in-process', options.workers] : ['in-process'];
  const results: { topology: Topology; cycles: CycleResult[] }[] = [];
  for (const topology of topologies) {
    if (interrupted()) return;
    const dataDir = join(root, `data-${topology}`);
    const measured = await measureTopology(
      topology,
      directory,
      dataDir,
      options,
      counter,
      cleanup,
      interrupted,
    );
    results.push({ topology, cycles: measured.cycles });
  }
  if (interrupted()) return;

  const name = (t: Topology) => (t === 'in-process' ? '1 process' : `${t} workers`);
  const runs = results.flatMap(({ topology, cycles }) =>
    cycles.map((cycle) => ({ topology, label: `${name(topology)}, cycle ${cycle.cycle}`, cycle })),
  );
  console.log(`\nPer account per polling cycle (N = ${int(options.accounts)}):`);
  console.log(summaryTable(runs, options.accounts));
  console.log(
    `\n  Jobs created: cycle 1 creates each balances schedule's first-run job (in the accounts run's commit) ` +
      `and, in that run's last commit, its next-run job; later cycles create only the next-run job. ` +
      `Schedule runs include the 3 root schedules (accounts, external accounts, payments).`,
  );
  console.log(
    `  Formance's column is a figure from its design (reference/engine.md §12 item 1: "Stripe with 1,000 ` +
      `accounts is about 6,000 activities plus 1,000 FetchBalances workflows every 30 minutes"), not a ` +
      `measurement, and not in the same unit: an activity is a task Temporal schedules, runs and records ` +
      `in its own history, not one SQL statement.`,
  );
  if (results.length > 1) {
    console.log('\nWork split between processes:');
    for (const run of runs.filter((r) => r.topology !== 'in-process'))
      console.log(spreadLine(run.label, run.cycle));
  }
  for (const run of runs) {
    console.log(`\nStatements by kind, ${run.label} (every process of the measurement, install included):`);
    console.log(kindsTable(run.cycle.counted.statements, options.accounts));
  }
});
