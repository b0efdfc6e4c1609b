// Ingest benchmark: DummyPay payments through the whole service (API install → worker → PostgreSQL),
// against the raw multi-row upsert rate of the same rows on the same server. Prints figures, asserts none.
//
//   npm run bench:ingest                       # 100 000 payments
//   BENCH_PAYMENTS=10000 npm run bench:ingest  # or: node dist/bench/ingest.js --payments 10000
//   --service-timeout 120 (BENCH_SERVICE_TIMEOUT): seconds each service measurement may take before it
//   is reported as incomplete, with the rate it reached (the rate is steady: every page costs the same).
//   --poll progress|count (BENCH_POLL): watch the payments run's progress row every 100 ms and confirm
//   the end with count(*) (default), or run SELECT count(*) FROM payments on every poll (costly at 100k).
//
// Measurements: [1] the service with DummyPay; [2] and [3] the ceiling: upsertPayments on the same
// rows, 25 and 1000 payments per transaction, nothing else.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { type Paybridge, startPaybridge } from '../src/app.js';
import { DummyPayConnector } from '../src/connectors/dummypay/connector.js';
import { PAGE_SIZE } from '../src/connectors/dummypay/paging.js';
import type { PspPayment } from '../src/connectors/sdk/contract.js';
import { connectorIdCodec, type ConnectorId } from '../src/domain/ids.js';
import { stringifyJson } from '../src/domain/json.js';
import { mapPayments, type PageWrites } from '../src/engine/items.js';
import { readSettings } from '../src/settings.js';
import { openDatabase } from '../src/storage/db.js';
import { migrate } from '../src/storage/migrate.js';
import { upsertPayments } from '../src/storage/payments.js';
import { createTestDatabase } from '../test/support/database.js';
import { writeDummyPayDirectory } from '../test/support/dummypay-fixtures.js';
import {
  classifyEngineStatement,
  QUEUE_KIND,
  QueryCounter,
  type StatementStats,
} from './support/query-counter.js';

const LARGE_BATCH = 1000;
const POLL_MS = 100;

interface Options {
  payments: number;
  serviceTimeoutMs: number;
  /** How the service's progress is watched: `progress` (default) or `count` (count(*) on every poll). */
  poll: 'progress' | 'count';
}

function readOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const flag = (name: string): string | undefined => {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i] as string;
      if (arg === `--${name}`) return argv[i + 1];
      if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
    }
    return undefined;
  };
  const positive = (text: string | undefined, fallback: number, what: string): number => {
    if (text === undefined || text === '') return fallback;
    const value = Number(text.replace(/_/g, ''));
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${what} must be a positive integer, not "${text}"`);
    return value;
  };
  const poll = flag('poll') ?? env.BENCH_POLL ?? 'progress';
  if (poll !== 'progress' && poll !== 'count')
    throw new Error(`poll must be progress or count, not "${poll}"`);
  return {
    poll,
    payments: positive(flag('payments') ?? env.BENCH_PAYMENTS, 100_000, 'payments'),
    serviceTimeoutMs:
      positive(flag('service-timeout') ?? env.BENCH_SERVICE_TIMEOUT, 120, 'service timeout (seconds)') * 1000,
  };
}

/** Cleanup steps, run newest first, each at most once, whatever failed before. */
class Cleanup {
  #steps: { what: string; run: () => Promise<unknown> }[] = [];

  add(what: string, run: () => Promise<unknown>): void {
    this.#steps.push({ what, run });
  }

  async runAll(): Promise<void> {
    while (this.#steps.length > 0) {
      const step = this.#steps.pop();
      if (!step) break;
      try {
        await step.run();
      } catch (error) {
        console.error(
          `cleanup: ${step.what} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
}

interface ServiceResult {
  provider: string;
  target: number;
  rows: number;
  complete: boolean;
  /** Install request sent → N rows (or the timeout). */
  totalMs: number;
  /** Install request sent → first payment row seen (job pickup, accounts, first page). */
  firstRowMs: number | undefined;
  pages: number;
  statements: Map<string, StatementStats>;
}

interface CeilingResult {
  batchSize: number;
  payments: number;
  adjustments: number;
  batches: number;
  ms: number;
  statements: Map<string, StatementStats>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const perSecond = (count: number, ms: number) => (ms > 0 ? (count * 1000) / ms : 0);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits = 1) => n.toFixed(digits);

async function measureService(
  provider: string,
  options: Options,
  directory: string,
  dataDir: string,
  counter: QueryCounter,
  cleanup: Cleanup,
): Promise<ServiceResult> {
  const database = await createTestDatabase();
  cleanup.add(`drop the ${provider} database`, () => database.drop());
  const settings = readSettings({
    DATABASE_URL: database.url,
    PAYBRIDGE_ENCRYPTION_KEY: 'bench-key-not-for-production',
    PAYBRIDGE_DATA_DIR: dataDir,
    // One long period: the initial run is the only one during the measurement.
    PAYBRIDGE_POLLING_PERIOD_DEFAULT: '1h',
    PAYBRIDGE_POLLING_PERIOD_MINIMUM: '1s',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
  });
  let paybridge: Paybridge | undefined = await startPaybridge(
    settings,
    { api: true, worker: true },
    pino({ level: 'silent' }),
  );
  const stopService = async () => {
    const running = paybridge;
    paybridge = undefined;
    await running?.stop();
  };
  cleanup.add('stop the service', stopService);

  const observer = new pg.Client({ connectionString: database.url });
  counter.ignore(observer);
  await observer.connect();
  let observing = true;
  const closeObserver = async () => {
    if (!observing) return;
    observing = false;
    await observer.end();
  };
  cleanup.add('close the observer connection', closeObserver);
  const countPayments = async () =>
    Number((await observer.query<{ n: string }>('SELECT count(*) AS n FROM payments')).rows[0]?.n ?? 0);
  // The payments run's item and page counts, committed in the same transaction as each page's rows.
  const progress = async () => {
    const row = (
      await observer.query<{ pages: string; items: string }>(
        `SELECT COALESCE(SUM(i.pages), 0) AS pages, COALESCE(SUM(i.items), 0) AS items
         FROM schedule_instances i JOIN schedules s ON s.id = i.schedule_id
         WHERE s.task_type = 'FETCH_PAYMENTS'`,
      )
    ).rows[0];
    return { pages: Number(row?.pages ?? 0), items: Number(row?.items ?? 0) };
  };
  // count(*) over a growing payments table costs tens of ms per poll at 100k rows (~a quarter of a core
  // at 10 polls/s), so by default the cheap progress row is polled and count(*) only confirms the end.
  const rowsNow = async () => {
    if (options.poll === 'count') return countPayments();
    const { items } = await progress();
    return items >= options.payments ? countPayments() : items;
  };

  counter.reset();
  const started = performance.now();
  const response = await fetch(`${paybridge.url}/v3/connectors/install/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench-dummypay', directory, pollingPeriod: '1h' }),
  });
  const body = await response.text();
  if (response.status !== 202) throw new Error(`install answered ${response.status}: ${body}`);
  const connectorId = (JSON.parse(body) as { data: string }).data;

  let rows = 0;
  let firstRowMs: number | undefined;
  let elapsed = 0;
  for (;;) {
    rows = await rowsNow();
    elapsed = performance.now() - started;
    if (rows > 0 && firstRowMs === undefined) firstRowMs = elapsed;
    if (rows >= options.payments || elapsed >= options.serviceTimeoutMs) break;
    await sleep(POLL_MS);
  }
  const statements = counter.snapshot();
  if (rows < options.payments) rows = await countPayments();
  const { pages } = await progress();
  const complete = rows >= options.payments;
  if (!complete) {
    // Make the running page's commit find the connector gone, so the run stops at its next page.
    await observer.query('UPDATE connectors SET scheduled_for_deletion = true WHERE id = $1', [connectorId]);
  }
  await closeObserver();
  await stopService();
  await database.drop();
  return {
    provider,
    target: options.payments,
    rows,
    complete,
    totalMs: elapsed,
    firstRowMs,
    pages,
    statements,
  };
}

async function measureCeiling(
  psp: PspPayment[],
  batchSize: number,
  dataDir: string,
  counter: QueryCounter,
  cleanup: Cleanup,
): Promise<CeilingResult> {
  const database = await createTestDatabase();
  cleanup.add(`drop the ceiling database (${batchSize}/tx)`, () => database.drop());
  const opened = await openDatabase({ url: database.url, dataDir });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await opened.close();
  };
  cleanup.add('close the ceiling pool', close);
  const db = opened.db;
  await migrate(db);

  const reference = randomUUID();
  const connector: ConnectorId = { provider: 'dummypay', reference };
  const connectorId = connectorIdCodec.encode(connector);
  await db
    .insertInto('connectors')
    .values({
      id: connectorId,
      reference,
      provider: 'dummypay',
      name: 'bench-ceiling',
      config_encrypted: 'unused',
      polling_period_ms: 3_600_000,
      page_size: batchSize,
      task_tree: stringifyJson([]),
    })
    .execute();

  // The rows the engine would write, built before the clock starts: only the writes are timed.
  const batches: PageWrites[] = [];
  for (let i = 0; i < psp.length; i += batchSize) {
    batches.push(mapPayments(connector, psp.slice(i, i + batchSize)));
  }
  const adjustments = batches.reduce((sum, b) => sum + b.adjustments.length, 0);

  counter.reset();
  const started = performance.now();
  for (const writes of batches) {
    await db.transaction().execute((trx) => upsertPayments(trx, writes.payments, writes.adjustments));
  }
  const ms = performance.now() - started;
  const statements = counter.snapshot();

  const stored = await db
    .selectFrom('payments')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(stored.n) !== psp.length) {
    throw new Error(`ceiling (${batchSize}/tx) stored ${stored.n} payments, expected ${psp.length}`);
  }
  await close();
  await database.drop();
  return { batchSize, payments: psp.length, adjustments, batches: batches.length, ms, statements };
}

/** What one DummyPay page costs the connector: it reads, parses and checks the whole payments.json. */
/** Every payment of the directory as the connector itself maps it, for the ceiling measurement. */
async function fetchAllPayments(directory: string): Promise<PspPayment[]> {
  const connector = new DummyPayConnector(
    { directory },
    { connectorId: 'bench', logger: pino({ level: 'silent' }) },
  );
  const payments: PspPayment[] = [];
  let state: unknown;
  for (;;) {
    const page = await connector.fetchNextPayments({ state, pageSize: PAGE_SIZE, name: 'fetch_payments' });
    payments.push(...page.items);
    if (!page.hasMore) return payments;
    state = page.newState;
  }
}

function table(rows: string[][], rightAligned: boolean[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => (rightAligned[c] ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function statementTable(stats: Map<string, StatementStats>, per: number, perLabel: string): string {
  const rows = [...stats].sort((a, b) => b[1].count - a[1].count);
  const total = rows.reduce((s, [, v]) => ({ count: s.count + v.count, ms: s.ms + v.ms }), {
    count: 0,
    ms: 0,
  });
  return table(
    [
      ['statement', 'count', perLabel, 'ms waited', 'ms/stmt'],
      ...[...rows, ['total', total] as const].map(([kind, v]) => [
        `  ${kind}`,
        int(v.count),
        per > 0 ? fixed(v.count / per, 2) : '-',
        int(v.ms),
        v.count > 0 ? fixed(v.ms / v.count, 2) : '-',
      ]),
    ],
    [false, true, true, true, true],
  );
}

interface PageProfile {
  pages: number;
  wallMs: number;
  dbMs: number;
  statements: number;
  queueStatements: number;
}

/** Per payments page: wall time from the first row on, and the engine's statements and their wait. */
function pageProfile(service: ServiceResult): PageProfile {
  const pages = Math.max(service.pages, 1);
  let dbMs = 0;
  let statements = 0;
  let queueStatements = 0;
  for (const [kind, v] of service.statements) {
    if (kind === QUEUE_KIND) queueStatements += v.count;
    else {
      dbMs += v.ms;
      statements += v.count;
    }
  }
  return {
    pages: service.pages,
    wallMs: (service.totalMs - (service.firstRowMs ?? 0)) / pages,
    dbMs: dbMs / pages,
    statements: statements / pages,
    queueStatements: queueStatements / pages,
  };
}

function describeService(service: ServiceResult): string {
  const rate = perSecond(service.rows, service.totalMs);
  return service.complete
    ? `      ${int(service.rows)} rows in ${fixed(service.totalMs / 1000, 2)} s`
    : `      INCOMPLETE: ${int(service.rows)} of ${int(service.target)} rows after ` +
        `${fixed(service.totalMs / 1000, 1)} s (timeout). The rate is steady, so it is reported over that ` +
        `window; the full run would take ~${int(service.target / Math.max(rate, 1e-9) / 60)} min.`;
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2), process.env);
  const cleanup = new Cleanup();
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    console.error('\ninterrupted: stopping the service and dropping the databases…');
    void cleanup.runAll().finally(() => process.exit(130));
  });
  const counter = new QueryCounter(classifyEngineStatement);
  counter.install();
  cleanup.add('unwrap pg', async () => counter.uninstall());

  try {
    const root = await mkdtemp(join(tmpdir(), 'paybridge-bench-'));
    cleanup.add(`remove ${root}`, () => rm(root, { recursive: true, force: true }));
    const directory = join(root, 'dummypay');
    const dataDir = join(root, 'data');
    const budget = `${int(options.serviceTimeoutMs / 1000)} s budget`;

    let t = performance.now();
    await writeDummyPayDirectory(directory, { accounts: 5, externalAccounts: 3, payments: options.payments });
    const fixture = { bytes: (await stat(join(directory, 'payments.json'))).size };
    console.log(
      `Paybridge ingest benchmark: ${int(options.payments)} DummyPay payments ` +
        `(payments.json ${fixed(fixture.bytes / 1e6)} MB, written in ${int(performance.now() - t)} ms), ` +
        `5 accounts, 3 external accounts; DummyPay page size ${PAGE_SIZE}; node ${process.version}; ` +
        `${availableParallelism()} CPUs; progress polled by ${options.poll === 'count' ? 'count(*)' : 'progress row + count(*) at the end'}`,
    );

    console.log(
      `\n[1/3] service + DummyPay: install through the API, wait for the payment rows (${budget})…`,
    );
    const service = await measureService('dummypay', options, directory, dataDir, counter, cleanup);
    console.log(describeService(service));
    if (interrupted) return;

    t = performance.now();
    const psp = await fetchAllPayments(directory);
    const prepMs = performance.now() - t;
    console.log(
      `[2/3] ceiling: upsertPayments, ${PAGE_SIZE} payments per transaction, fresh database ` +
        `(payments read through DummyPay beforehand in ${int(prepMs)} ms)…`,
    );
    const small = await measureCeiling(psp, PAGE_SIZE, dataDir, counter, cleanup);
    console.log(`      ${int(small.payments)} payments in ${fixed(small.ms / 1000, 2)} s`);
    if (interrupted) return;
    console.log(`[3/3] ceiling: upsertPayments, ${LARGE_BATCH} payments per transaction, fresh database…`);
    const large = await measureCeiling(psp, LARGE_BATCH, dataDir, counter, cleanup);
    console.log(`      ${int(large.payments)} payments in ${fixed(large.ms / 1000, 2)} s`);
    if (interrupted) return;

    // ---- report ---------------------------------------------------------------------------------
    const rowsPerPayment = (small.payments + small.adjustments) / small.payments;
    const serviceRate = perSecond(service.rows, service.totalMs);
    const smallRate = perSecond(small.payments, small.ms);
    const largeRate = perSecond(large.payments, large.ms);

    console.log(
      `\nStatements per payments page, service + DummyPay (the whole process: pg-boss polling and the ` +
        `accounts/balances runs are included, spread over the pages):`,
    );
    console.log(statementTable(service.statements, service.pages, 'per page'));
    console.log(`\nStatements per batch, ceiling at ${PAGE_SIZE}/tx:`);
    console.log(statementTable(small.statements, small.batches, 'per batch'));

    const a = pageProfile(service);
    const ms = (n: number) => `${fixed(n, 2)} ms`;
    console.log('\nWhere a payments page (25 payments) goes:');
    console.log(
      table(
        [
          ['', 'service + dummypay', `ceiling ${PAGE_SIZE}/tx`],
          ['  pages (batches) committed', int(a.pages), int(small.batches)],
          ['  wall time per page, first row → end', ms(a.wallMs), ms(small.ms / small.batches)],
          [
            '  engine statements per page (excl. pg-boss)',
            fixed(a.statements, 2),
            fixed(totalCount(small.statements) / small.batches, 2),
          ],
          [
            '  time waiting on those statements per page',
            ms(a.dbMs),
            ms(totalMs(small.statements) / small.batches),
          ],
          ['  the rest: connector fetch, mapping, event loop', ms(a.wallMs - a.dbMs), ''],
          ['  pg-boss statements per page (polling)', fixed(a.queueStatements, 2), ''],
          ['  install request → first payment row', ms(service.firstRowMs ?? NaN), ''],
        ],
        [false, true, true],
      ),
    );

    console.log(
      `\nResults (N = ${int(options.payments)}; each payment writes ${fixed(rowsPerPayment, 0)} rows: ` +
        `the payment and its adjustment; ratios are service payments/s over ceiling payments/s)`,
    );
    const incomplete = (r: ServiceResult) => (r.complete ? '' : ' [INCOMPLETE, see above]');
    console.log(
      table(
        [
          [
            'measurement',
            'payments',
            'seconds',
            'payments/s',
            'rows/s',
            `÷ ceiling ${PAGE_SIZE}/tx`,
            `÷ ceiling ${LARGE_BATCH}/tx`,
          ],
          [
            `service + DummyPay (API install → rows)${incomplete(service)}`,
            int(service.rows),
            fixed(service.totalMs / 1000, 2),
            int(serviceRate),
            int(serviceRate * rowsPerPayment),
            fixed(serviceRate / smallRate, 4),
            fixed(serviceRate / largeRate, 4),
          ],
          [
            `ceiling: upsertPayments, ${PAGE_SIZE} per tx`,
            int(small.payments),
            fixed(small.ms / 1000, 2),
            int(smallRate),
            int(smallRate * rowsPerPayment),
            '',
            '',
          ],
          [
            `ceiling: upsertPayments, ${LARGE_BATCH} per tx`,
            int(large.payments),
            fixed(large.ms / 1000, 2),
            int(largeRate),
            int(largeRate * rowsPerPayment),
            '',
            '',
          ],
        ],
        [false, true, true, true, true, true, true],
      ),
    );
  } finally {
    if (!interrupted) await cleanup.runAll();
  }
}

function totalCount(stats: Map<string, StatementStats>): number {
  return [...stats.values()].reduce((sum, v) => sum + v.count, 0);
}

function totalMs(stats: Map<string, StatementStats>): number {
  return [...stats.values()].reduce((sum, v) => sum + v.ms, 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
