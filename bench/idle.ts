// Idle-cost benchmark: what a `paybridge worker` process costs the database while it has nothing to do.
// One DummyPay connector (a few accounts, each with its balances schedule, polling every hour) is installed
// on a fresh database and finishes its first cycle; after a settling pause the benchmark counts, over a
// window, the statements the worker process sends. Target (issue 16): at most about 1 per second.
//
//   npm run bench:idle                          # 30 s window, 10 s settling
//   node dist/bench/idle.js --seconds 60 --settle 20 --accounts 10  (or BENCH_SECONDS, BENCH_SETTLE, …)
//
// Two counts, from two sides:
// - client side: the worker's own pg clients, counted inside the worker (the statement probe every
//   multi-process bench preloads), by kind, so the source of any remaining cost is named;
// - server side: pg_stat_database.xact_commit of the benchmark's database over the same window (every
//   connection to it: the worker, the API-only service the bench installs through, the bench's observer).
// Baseline, same run: after the worker stops, the same window with a bare process's pool holding one idle
// connection in its place. Its client count is the floor of the method (zero); its server count is what
// the rest of the setup costs, so the worker's server-side share is the difference. PostgreSQL flushes a
// backend's statistics up to ~10 s late, so the server figures carry about ±10 s of commits of noise at
// each end of the window; the client count is exact.

import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { startPaybridge } from '../src/app.js';
import { readSettings } from '../src/settings.js';
import { writeDummyPayDirectory } from '../test/support/dummypay-fixtures.js';
import { createTestDatabase } from '../test/support/database.js';
import { benchEnv, installDummyPay } from './support/bench-service.js';
import { fixed, flag, int, once, positiveInt, runBenchmark, sleep, table } from './support/harness.js';
import { type StatementStats } from './support/query-counter.js';
import { totalCount } from './support/statement-kinds.js';
import { WorkerProcess } from './support/worker-processes.js';
import { benchWorkspace } from './support/workspace.js';

const TARGET_PER_SECOND = 1;
const FIRST_CYCLE_TIMEOUT_MS = 120_000;

interface Options {
  seconds: number;
  settleSeconds: number;
  accounts: number;
}

function readOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  return {
    seconds: positiveInt(flag(argv, 'seconds') ?? env.BENCH_SECONDS, 30, 'seconds'),
    settleSeconds: positiveInt(flag(argv, 'settle') ?? env.BENCH_SETTLE, 10, 'settle'),
    accounts: positiveInt(flag(argv, 'accounts') ?? env.BENCH_ACCOUNTS, 5, 'accounts'),
  };
}

/** Commits on the database so far, as the statistics collector last heard of them. */
async function commits(observer: pg.Client, database: string): Promise<number> {
  await observer.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await observer.query<{ n: string }>(
    'SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = $1',
    [database],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Every schedule of the connector has finished a run, and none is running. */
async function firstCycleDone(observer: pg.Client, connectorId: string): Promise<boolean> {
  const { rows } = await observer.query<{ schedules: string; pending: string }>(
    `SELECT count(*) AS schedules,
            count(*) FILTER (WHERE s.lease_until IS NOT NULL OR NOT EXISTS (
              SELECT 1 FROM schedule_instances i WHERE i.schedule_id = s.id AND i.terminated)) AS pending
     FROM schedules s WHERE s.connector_id = $1`,
    [connectorId],
  );
  return Number(rows[0]?.schedules ?? 0) > 0 && Number(rows[0]?.pending ?? 1) === 0;
}

interface Window {
  /** The measured process's statements (client side). */
  clientStatements: number;
  /** This bench process's own statements (the API-only service, the bare pool; not the observer). */
  localStatements: number;
  serverCommits: number;
  ms: number;
  kinds: Map<string, StatementStats>;
}

async function main(argv: string[]) {
  const options = readOptions(argv, process.env);
  await runBenchmark(async (cleanup) => {
    const { counter, root } = await benchWorkspace(cleanup, 'paybridge-bench-idle-');
    const directory = join(root, 'dummypay');
    await writeDummyPayDirectory(directory, { accounts: options.accounts, payments: options.accounts * 2 });

    const database = await createTestDatabase();
    const dropDatabase = once(() => database.drop());
    cleanup.add('drop the benchmark database', dropDatabase);
    const databaseName = new URL(database.url).pathname.slice(1);
    const env = benchEnv(database.url, root);

    // The API-only service migrates the database; the connector is installed through it.
    const settings = readSettings({ ...env, LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1' });
    const api = await startPaybridge(settings, { api: true, worker: false }, pino({ level: 'silent' }));
    const stopApi = once(() => api.stop());
    cleanup.add('stop the API-only service', stopApi);
    const observer = new pg.Client({ connectionString: database.url });
    counter.ignore(observer);
    await observer.connect();
    cleanup.add(
      'close the observer connection',
      once(() => observer.end()),
    );

    // The worker is not awaited on its probe's "first job fetch" signal: a worker that no longer polls a
    // job queue never sends one. Its first cycle finishing is the sign that it runs.
    const worker = new WorkerProcess('worker', { ...env, LOG_LEVEL: 'warn' });
    const stopWorker = once(() => worker.stop());
    cleanup.add('stop the worker', stopWorker);
    const connectorId = await installDummyPay(api.url ?? '', directory, 'idle');
    const started = performance.now();
    while (!(await firstCycleDone(observer, connectorId))) {
      if (performance.now() - started > FIRST_CYCLE_TIMEOUT_MS) {
        throw new Error(
          `the first cycle did not finish within ${FIRST_CYCLE_TIMEOUT_MS / 1000} s:\n${worker.output()}`,
        );
      }
      await sleep(250);
    }
    const firstCycleMs = performance.now() - started;
    console.log(
      `Idle worker: 1 \`paybridge worker\` process (${settings.workerConcurrency} schedule slots), one DummyPay ` +
        `connector (${options.accounts} accounts, polling every hour) whose first cycle ended after ` +
        `${int(firstCycleMs)} ms; settle ${options.settleSeconds} s, then a ${options.seconds} s window.`,
    );
    await sleep(options.settleSeconds * 1000);

    // The worker's window.
    await worker.reset();
    counter.reset();
    let before = await commits(observer, databaseName);
    let t0 = performance.now();
    await sleep(options.seconds * 1000);
    const report = await worker.report();
    let after = await commits(observer, databaseName);
    const idle: Window = {
      clientStatements: totalCount(report.statements),
      localStatements: totalCount(counter.snapshot()),
      serverCommits: after - before,
      ms: performance.now() - t0,
      kinds: report.statements,
    };

    // The baseline's window: the worker gone, a bare pool with one idle connection in its place.
    await stopWorker();
    const bare = new pg.Pool({ connectionString: database.url, max: 1 });
    cleanup.add(
      'close the bare pool',
      once(() => bare.end()),
    );
    await bare.query('SELECT 1');
    await sleep(options.settleSeconds * 1000);
    counter.reset();
    before = await commits(observer, databaseName);
    t0 = performance.now();
    await sleep(options.seconds * 1000);
    after = await commits(observer, databaseName);
    const local = totalCount(counter.snapshot());
    const baseline: Window = {
      // The bare pool's own statements: the bench process counts its clients (the API-only service's too).
      clientStatements: local,
      localStatements: local,
      serverCommits: after - before,
      ms: performance.now() - t0,
      kinds: new Map(),
    };

    const rate = (n: number, w: Window) => (n * 1000) / w.ms;
    const workerShare = rate(idle.serverCommits, idle) - rate(baseline.serverCommits, baseline);
    const clientRate = rate(idle.clientStatements, idle);
    console.log();
    console.log(
      table(
        [
          ['window', 'measured process: statements/s', 'bench process: statements/s', 'database: commits/s'],
          [
            'idle worker',
            fixed(clientRate, 2),
            fixed(rate(idle.localStatements, idle), 2),
            fixed(rate(idle.serverCommits, idle), 2),
          ],
          [
            'baseline: bare pool, 1 idle connection',
            fixed(rate(baseline.clientStatements, baseline), 2),
            fixed(rate(baseline.localStatements, baseline), 2),
            fixed(rate(baseline.serverCommits, baseline), 2),
          ],
        ],
        [false, true, true, true],
      ),
    );
    console.log(
      '(measured process: the worker, counted inside it; or the bare pool, counted in the bench process, ' +
        'together with the idle API-only service there. Commits: every connection to the database, the ' +
        "observer's four reads of the counter included.)",
    );
    console.log();
    const kinds = [...idle.kinds].sort((a, b) => b[1].count - a[1].count);
    console.log(
      table(
        [
          ['statement kind (worker, client side)', 'count', 'per s'],
          ...kinds.map(([kind, s]) => [kind, int(s.count), fixed(rate(s.count, idle), 2)]),
        ],
        [false, true, true],
      ),
    );
    console.log();
    const verdict = clientRate <= TARGET_PER_SECOND ? 'meets' : 'misses';
    console.log(
      `Idle worker: ${fixed(clientRate, 2)} statements/s = ${fixed(clientRate / TARGET_PER_SECOND, 1)}× the ` +
        `target of ${TARGET_PER_SECOND}/s (${verdict} it). Server side, the worker's share is ` +
        `${fixed(workerShare, 2)} commits/s over a baseline of ${fixed(rate(baseline.serverCommits, baseline), 2)}/s ` +
        `(±10 s of statistics lag at each end of the ${options.seconds} s windows).`,
    );
  });
}

await main(process.argv.slice(2));
