// Fan-out benchmark: one DummyPay connector with N accounts, each with its own balances schedule (the task
// tree fetch_accounts → fetch_balances per account), and what ONE polling cycle costs per account (per
// child run): database statements, claims, commit groups, schedule runs, wall time, and child runs per
// second as a ratio to a bare `SELECT 1` round-trip rate measured on the observer connection in the same
// run. Prints figures, asserts none.
//
//   npm run bench:fanout                         # 10 000 accounts
//   BENCH_ACCOUNTS=2000 npm run bench:fanout     # or: node dist/bench/fanout.js --accounts 2000
//   --cycles 1|2 (BENCH_CYCLES, default 2): cycle 2 makes every schedule due now (next_run_at = now() and
//     a NOTIFY), so each schedule runs once more on the state cycle 1 left (the steady state: nothing new
//     to create).
//   --workers N[,N…] (BENCH_WORKERS, default 0: skipped): repeat the measurement with N spawned
//     `paybridge worker` processes (default PAYBRIDGE_WORKER_CONCURRENCY each), once per N (e.g. 1,2,4 for
//     the scaling), to see how N balances schedules spread over processes. Each takes as long again.
//   --cycle-timeout 300 (BENCH_CYCLE_TIMEOUT): seconds one cycle may take before it is reported incomplete.
//
// The connector polls every hour, so each schedule should run exactly once per cycle; a cycle ends when
// every balances schedule and every root schedule has finished one more run. Runs beyond one per schedule
// are counted and shown ("ran twice"): it must stay 0 (a schedule is claimed under its lease, never twice).

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { readSettings } from '../src/settings.js';
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
import { CLAIM_SCHEDULES_KIND, isQueueKind, totalCount } from './support/statement-kinds.js';

const BALANCES_PATH = 'fetch_accounts.fetch_balances';
const ROOT_PATHS = ['fetch_accounts', 'fetch_external_accounts', 'fetch_payments'];
// The progress query aggregates the cycle's run instances (tens of ms at 10 000): every 250 ms for the
// first 10 s (small N end within that), then once a second, which keeps the benchmark's own load on the
// database around 1 % and the end of a long cycle within 1 s (~1 % of it).
const pollMs = (elapsedMs: number) => (elapsedMs < 10_000 ? 250 : 1000);
/** Kinds listed by name in the per-kind table; the rest are summed into one line. */
const TOP_KINDS = 14;
const GROUP_PROGRESS_KIND = 'save progress of a commit group (all its runs)';

// Formance Payments' design (reference/engine.md §12 item 1), NOT measured here: per parent run, 3
// activities for every periodic child of every fetched item (schedule row, polling-period read, schedule
// create), and per account a FetchBalances child workflow whose own run takes activities too.
const FORMANCE_ACTIVITIES_PER_ACCOUNT = 6;
const FORMANCE_CHILD_WORKFLOWS_PER_ACCOUNT = 1;

interface Options {
  accounts: number;
  cycles: number;
  /** Worker process counts to measure besides the in-process service (empty: none). */
  workers: number[];
  cycleTimeoutMs: number;
}

function readOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const cycles = positiveInt(flag(argv, 'cycles') ?? env.BENCH_CYCLES, 2, 'cycles');
  if (cycles > 2) throw new Error('cycles must be 1 or 2');
  const workersText = flag(argv, 'workers') ?? env.BENCH_WORKERS ?? '0';
  const workers = workersText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '' && part !== '0')
    .map((part) => positiveInt(part, 1, 'workers'));
  return {
    accounts: positiveInt(flag(argv, 'accounts') ?? env.BENCH_ACCOUNTS, 10_000, 'accounts'),
    cycles,
    workers,
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
  /** Schedules the benchmark made due now to start the cycle (cycle 2). */
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
 * Starts the next cycle now instead of in an hour: every schedule of the connector becomes due (its
 * next_run_at is its place in the queue), as if the period had elapsed, and the workers are woken as a
 * page commit that makes work due wakes them (NOTIFY).
 */
async function bringRunsForward(observer: pg.Client, connectorId: string): Promise<number> {
  const { rowCount } = await observer.query(
    'UPDATE schedules SET next_run_at = now() WHERE connector_id = $1 AND next_run_at IS NOT NULL',
    [connectorId],
  );
  await observer.query(`SELECT pg_notify('paybridge_work', 'schedules')`);
  return rowCount ?? 0;
}

/**
 * The baseline: bare `SELECT 1` round trips per second, one after another on the observer connection (to
 * the same database, from this process), measured in the same run as the cycles.
 */
async function selectOneRate(observer: pg.Client): Promise<number> {
  for (let i = 0; i < 200; i++) await observer.query('SELECT 1');
  const n = 3000;
  const started = performance.now();
  for (let i = 0; i < n; i++) await observer.query('SELECT 1');
  return perSecond(n, performance.now() - started);
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
): Promise<{ describe: string; cycles: CycleResult[]; selectOnePerSecond: number }> {
  const processes = await startProcesses(topology, dataDir, counter, cleanup);
  console.log(`\n${processes.describe}:`);
  const before = await selectOneRate(processes.observer);
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
  const after = await selectOneRate(processes.observer);
  const selectOnePerSecond = (before + after) / 2;
  console.log(
    `  baseline: bare SELECT 1 round trips on one connection: ${int(before)}/s before the cycles, ` +
      `${int(after)}/s after (mean ${int(selectOnePerSecond)}/s)`,
  );
  await processes.stop();
  return { describe: processes.describe, cycles, selectOnePerSecond };
}

function describeCycle(c: CycleResult, accounts: number): string {
  const trigger = c.cycle === 1 ? 'install' : `${int(c.broughtForward)} schedules made due`;
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
function perAccount(c: CycleResult, accounts: number, selectOnePerSecond: number) {
  const n = c.complete ? accounts : Math.max(c.balancesRuns, 1);
  const all = totalCount(c.counted.statements);
  const queue = totalCount(c.counted.statements, isQueueKind);
  const groups = c.counted.statements.get(GROUP_PROGRESS_KIND)?.count ?? 0;
  const childRunsPerSecond = perSecond(c.balancesRuns, c.ms);
  return {
    statements: all / n,
    queue: queue / n,
    engine: (all - queue) / n,
    claims: (c.counted.statements.get(CLAIM_SCHEDULES_KIND)?.count ?? 0) / n,
    groups: groups / n,
    childRunsPerSecond,
    ratio: childRunsPerSecond / selectOnePerSecond,
    instances: c.instances / n,
    ranTwice: c.ranTwice / n,
    balancesCalls: (c.counted.pspCalls.FETCH_BALANCES ?? 0) / n,
    msPerAccount: c.ms / n,
  };
}

function summaryTable(
  runs: { label: string; cycle: CycleResult; selectOnePerSecond: number }[],
  accounts: number,
): string {
  const per = runs.map((r) => perAccount(r.cycle, accounts, r.selectOnePerSecond));
  const row = (label: string, pick: (p: ReturnType<typeof perAccount>) => string, formance = '') => [
    label,
    ...per.map(pick),
    formance,
  ];
  return table(
    [
      ['per account per cycle', ...runs.map((r) => r.label), 'Formance (its design, NOT measured)'],
      row('database statements per child run, all (target ≤ 1.0)', (p) => fixed(p.statements, 2)),
      row('  of which claims, leases, wake-ups', (p) => fixed(p.queue, 2)),
      row('  of which engine (incl. BEGIN/COMMIT)', (p) => fixed(p.engine, 2)),
      row('schedule claims (batch statements)', (p) => fixed(p.claims, 3)),
      row('commit groups (one transaction each)', (p) => fixed(p.groups, 3)),
      row('child runs per second (target ≥ 1 000)', (p) => int(p.childRunsPerSecond)),
      row('  ÷ bare SELECT 1 round trips per second', (p) => fixed(p.ratio, 3)),
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
      `PAYBRIDGE_WORKER_CONCURRENCY default (${readSettings({}).workerConcurrency}) and ` +
      `PAYBRIDGE_COMMIT_BATCH_ITEMS default (500) in every ` +
      `process; node ${process.version}; ${availableParallelism()} CPUs; PostgreSQL on the same machine`,
  );

  const topologies: Topology[] = ['in-process', ...options.workers];
  const results: { topology: Topology; cycles: CycleResult[]; selectOnePerSecond: number }[] = [];
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
    results.push({ topology, cycles: measured.cycles, selectOnePerSecond: measured.selectOnePerSecond });
  }
  if (interrupted()) return;

  const name = (t: Topology) => (t === 'in-process' ? '1 process' : `${t} workers`);
  const runs = results.flatMap(({ topology, cycles, selectOnePerSecond }) =>
    cycles.map((cycle) => ({
      topology,
      label: `${name(topology)}, cycle ${cycle.cycle}`,
      cycle,
      selectOnePerSecond,
    })),
  );
  console.log(`\nPer account per polling cycle (N = ${int(options.accounts)}):`);
  console.log(summaryTable(runs, options.accounts));
  console.log(
    `\n  Per child run: every statement of the cycle (install and the root runs included) divided by the ` +
      `balances runs. Schedule runs include the root schedules (accounts, external accounts, payments, ...). ` +
      `Child runs per second: balances runs ÷ the cycle's wall time (cycle 1 includes the accounts run).`,
  );
  const scaling = results.filter((r) => r.cycles.length > 0);
  if (scaling.length > 1) {
    const steady = (r: (typeof scaling)[number]) => r.cycles[r.cycles.length - 1] as CycleResult;
    const base = perSecond(
      steady(scaling[0] as (typeof scaling)[number]).balancesRuns,
      steady(scaling[0] as (typeof scaling)[number]).ms,
    );
    console.log('\nScaling (last cycle of each topology):');
    console.log(
      table(
        [
          ['topology', 'child runs/s', '÷ 1 process', 'ran twice', 'complete'],
          ...scaling.map((r) => {
            const c = steady(r);
            const rate = perSecond(c.balancesRuns, c.ms);
            return [
              name(r.topology),
              int(rate),
              fixed(rate / base, 2),
              int(c.ranTwice),
              c.complete ? 'yes' : 'NO',
            ];
          }),
        ],
        [false, true, true, true, false],
      ),
    );
  }
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
