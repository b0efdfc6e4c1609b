// The processes of one measurement on a fresh database: either one in-process Paybridge (API and worker),
// or an in-process API-only Paybridge (to install through) and N spawned `paybridge worker` processes.
// Either way every statement every process sends is counted, and a bench-side observer connection
// (not counted) watches progress.
import { tmpdir } from 'node:os';
import pg from 'pg';
import { pino } from 'pino';
import { startPaybridge } from '../../src/app.js';
import { pspCallsByMethod, resetPspCalls } from './psp-calls.js';
import { readSettings } from '../../src/settings.js';
import { createTestDatabase } from '../../test/support/database.js';
import { type Cleanup, once } from './harness.js';
import type { QueryCounter, StatementStats } from './query-counter.js';
import { mergeStats } from './statement-kinds.js';
import { startWorkers, type WorkerProcess } from './worker-processes.js';

/** `in-process`: one process, API and worker. A number: that many spawned worker processes. */
export type Topology = 'in-process' | number;

export interface Counted {
  statements: Map<string, StatementStats>;
  /** Successful PSP calls by method, summed over the processes. */
  pspCalls: Record<string, number>;
  /** The same, per worker process (one entry in-process). */
  pspCallsByProcess: Record<string, number>[];
}

export interface BenchProcesses {
  /** The API to install through. */
  url: string;
  databaseUrl: string;
  /** A connection for the benchmark's own queries; its statements are not counted. */
  observer: pg.Client;
  /** Short, for table rows: `1 process (API + worker)`, `2 worker processes`. */
  name: string;
  /** The long form, for headings. */
  describe: string;
  /** Zeroes every process's statement and PSP-call counters. */
  resetCounters(): Promise<void>;
  collect(): Promise<Counted>;
  /** Stops every process and drops the database (also registered with the cleanup). */
  stop(): Promise<void>;
}

/** Settings shared by every process of a measurement, in the form the service reads them. */
export function benchEnv(databaseUrl: string, dataDir: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    PAYBRIDGE_ENCRYPTION_KEY: 'bench-key-not-for-production',
    PAYBRIDGE_DATA_DIR: dataDir,
    // One long period (the bench installs with pollingPeriod 1h): each schedule's first run is the only
    // one during a measurement, unless the bench brings the queued runs forward itself.
    PAYBRIDGE_POLLING_PERIOD_DEFAULT: '1h',
    PAYBRIDGE_POLLING_PERIOD_MINIMUM: '1s',
    // The webhook benchmark sends every delivery from one address (and to one connector) as fast as the
    // service answers: beyond the per-source default, which is sized for one PSP address. It measures
    // the intake's cost (the limiters still run), not their refusals.
    PAYBRIDGE_WEBHOOK_RATE_PER_SOURCE: '1000000/1s',
    PAYBRIDGE_WEBHOOK_RATE_PER_CONNECTOR: '1000000/1s',
    // The benches install DummyPay, a test double: debug mode, and its directories under the temp folder.
    PAYBRIDGE_DEBUG: 'true',
    PAYBRIDGE_DUMMYPAY_ROOT: tmpdir(),
  };
}

function sumCalls(all: Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const calls of all)
    for (const [method, n] of Object.entries(calls)) sum[method] = (sum[method] ?? 0) + n;
  return sum;
}

export async function startProcesses(
  topology: Topology,
  dataDir: string,
  counter: QueryCounter,
  cleanup: Cleanup,
): Promise<BenchProcesses> {
  const database = await createTestDatabase();
  const dropDatabase = once(() => database.drop());
  cleanup.add('drop the benchmark database', dropDatabase);
  const env = benchEnv(database.url, dataDir);

  // The in-process service migrates the database before any worker starts.
  const inProcessWorker = topology === 'in-process';
  const settings = readSettings({ ...env, LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1' });
  const paybridge = await startPaybridge(
    settings,
    { api: true, worker: inProcessWorker },
    pino({ level: 'silent' }),
  );
  const stopService = once(() => paybridge.stop());
  cleanup.add('stop the in-process service', stopService);

  // Workers log warnings (a failed run, a lease taken over) so that a death can be explained.
  const workers: WorkerProcess[] = inProcessWorker
    ? []
    : await startWorkers(topology, { ...env, LOG_LEVEL: 'warn' }, cleanup);

  const observer = new pg.Client({ connectionString: database.url });
  counter.ignore(observer);
  await observer.connect();
  const closeObserver = once(() => observer.end());
  cleanup.add('close the observer connection', closeObserver);

  return {
    url: paybridge.url ?? '',
    databaseUrl: database.url,
    observer,
    name: inProcessWorker ? '1 process (API + worker)' : `${topology} worker processes`,
    describe: inProcessWorker
      ? `1 process (API + worker, in the benchmark process), ${settings.workerConcurrency} schedule slots`
      : `${topology} worker processes × ${settings.workerConcurrency} schedule slots, installed through an ` +
        `API-only service in the benchmark process`,
    async resetCounters() {
      counter.reset();
      resetPspCalls();
      await Promise.all(workers.map((worker) => worker.reset()));
    },
    async collect() {
      const local = { statements: counter.snapshot(), pspCalls: await pspCallsByMethod() };
      const reports = await Promise.all(workers.map((worker) => worker.report()));
      const byProcess = inProcessWorker ? [local.pspCalls] : reports.map((r) => r.pspCalls);
      return {
        statements: mergeStats(local.statements, ...reports.map((r) => r.statements)),
        pspCalls: sumCalls(byProcess),
        pspCallsByProcess: byProcess,
      };
    },
    async stop() {
      await closeObserver();
      await Promise.all(workers.map((worker) => worker.stop()));
      await stopService();
      await dropDatabase();
    },
  };
}

/** Installs DummyPay on `directory` through the API, polling every hour; returns the connector id. */
export async function installDummyPay(url: string, directory: string, name: string): Promise<string> {
  const response = await fetch(`${url}/v3/connectors/install/dummypay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, directory, pollingPeriod: '1h' }),
  });
  const body = await response.text();
  if (response.status !== 202) throw new Error(`install answered ${response.status}: ${body}`);
  return (JSON.parse(body) as { data: string }).data;
}
