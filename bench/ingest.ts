// Ingest benchmark: DummyPay payments through the whole service (API install → worker → PostgreSQL),
// against the raw multi-row upsert rate of the same rows on the same server. Prints figures, asserts none.
//
//   npm run bench:ingest                       # 100 000 payments
//   BENCH_PAYMENTS=10000 npm run bench:ingest  # or: node dist/bench/ingest.js --payments 10000
//   --service-timeout 120 (BENCH_SERVICE_TIMEOUT): seconds each service measurement may take before it
//   is reported as incomplete, with the rate it reached (the rate is steady: every page costs the same).
//   --poll progress|count (BENCH_POLL): watch the payments run's progress row every 100 ms and confirm
//   the end with count(*) (default), or run SELECT count(*) FROM payments on every poll (costly at 100k).
//   --workers N (BENCH_WORKERS, default 2; 0 to skip): the worker processes of measurement [2].
//
// Measurements, each on a fresh database: [1] the service with DummyPay in one process (API + worker);
// [2] the same with N spawned `paybridge worker` processes, installed through an API-only service in this
// process; [3] and [4] the ceiling: upsertPayments on the same rows, 25 and 1000 payments per
// transaction, nothing else. Every statement of every process of [1] and [2] is counted (the workers
// carry bench/support/worker-probe.ts).
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DummyPayConnector } from '../src/connectors/dummypay/connector.js';
import { PAGE_SIZE } from '../src/connectors/dummypay/paging.js';
import type { PspPayment } from '../src/connectors/sdk/contract.js';
import { connectorIdCodec, type ConnectorId } from '../src/domain/ids.js';
import { stringifyJson } from '../src/domain/json.js';
import { mapPayments, type PageWrites } from '../src/engine/ingestion/items.js';
import { openDatabase } from '../src/storage/db.js';
import { migrate } from '../src/storage/migrate.js';
import { upsertPayments } from '../src/storage/payments.js';
import { createTestDatabase } from '../test/support/database.js';
import { writeDummyPayDirectory } from '../test/support/dummypay-fixtures.js';
import { type Counted, installDummyPay, startProcesses, type Topology } from './support/bench-service.js';
import {
  type Cleanup,
  fixed,
  flag,
  int,
  once,
  perSecond,
  positiveInt,
  runBenchmark,
  sleep,
  table,
} from './support/harness.js';
import { type QueryCounter, type StatementStats } from './support/query-counter.js';
import { benchWorkspace } from './support/workspace.js';
import { isQueueKind, totalCount, totalMs } from './support/statement-kinds.js';
import { standaloneContext } from '../src/connectors/sdk/context.js';

const LARGE_BATCH = 1000;
const POLL_MS = 100;

interface Options {
  payments: number;
  serviceTimeoutMs: number;
  /** How the service's progress is watched: `progress` (default) or `count` (count(*) on every poll). */
  poll: 'progress' | 'count';
  /** Worker processes of measurement [2]; 0 skips it. */
  workers: number;
}

function readOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const poll = flag(argv, 'poll') ?? env.BENCH_POLL ?? 'progress';
  if (poll !== 'progress' && poll !== 'count')
    throw new Error(`poll must be progress or count, not "${poll}"`);
  const workers = flag(argv, 'workers') ?? env.BENCH_WORKERS;
  return {
    poll,
    payments: positiveInt(flag(argv, 'payments') ?? env.BENCH_PAYMENTS, 100_000, 'payments'),
    serviceTimeoutMs:
      positiveInt(
        flag(argv, 'service-timeout') ?? env.BENCH_SERVICE_TIMEOUT,
        120,
        'service timeout (seconds)',
      ) * 1000,
    workers: workers === '0' ? 0 : positiveInt(workers, 2, 'workers'),
  };
}

interface ServiceResult {
  /** Short, for table rows. */
  name: string;
  /** Long, for headings. */
  label: string;
  target: number;
  rows: number;
  complete: boolean;
  /** Install request sent → N rows (or the timeout). */
  totalMs: number;
  /** Install request sent → first payment row seen (job pickup, accounts, first page). */
  firstRowMs: number | undefined;
  pages: number;
  counted: Counted;
}

interface CeilingResult {
  batchSize: number;
  payments: number;
  adjustments: number;
  batches: number;
  ms: number;
  statements: Map<string, StatementStats>;
}

/** One service measurement on a fresh database: install through the API, wait for N payment rows. */
async function measureService(
  topology: Topology,
  options: Options,
  directory: string,
  dataDir: string,
  counter: QueryCounter,
  cleanup: Cleanup,
): Promise<ServiceResult> {
  const processes = await startProcesses(topology, dataDir, counter, cleanup);
  const { observer } = processes;
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

  await processes.resetCounters();
  const started = performance.now();
  const connectorId = await installDummyPay(processes.url, directory, 'bench-dummypay');

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
  const counted = await processes.collect();
  if (rows < options.payments) rows = await countPayments();
  const { pages } = await progress();
  const complete = rows >= options.payments;
  if (!complete) {
    // Make the running page's commit find the connector gone, so the run stops at its next page.
    await observer.query('UPDATE connectors SET scheduled_for_deletion = true WHERE id = $1', [connectorId]);
  }
  await processes.stop();
  return {
    name: processes.name,
    label: processes.describe,
    target: options.payments,
    rows,
    complete,
    totalMs: elapsed,
    firstRowMs,
    pages,
    counted,
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
  const drop = once(() => database.drop());
  cleanup.add(`drop the ceiling database (${batchSize}/tx)`, drop);
  const opened = await openDatabase({ url: database.url, dataDir });
  const close = once(() => opened.close());
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
  await drop();
  return { batchSize, payments: psp.length, adjustments, batches: batches.length, ms, statements };
}

/** Every payment of the directory as the connector itself maps it, for the ceiling measurement. */
async function fetchAllPayments(directory: string): Promise<PspPayment[]> {
  const connector = new DummyPayConnector(
    { directory },
    standaloneContext({ connectorId: 'bench', logger: pino({ level: 'silent' }) }),
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

function statementTable(stats: Map<string, StatementStats>, per: number, perLabel: string): string {
  const rows = [...stats].sort((a, b) => b[1].count - a[1].count);
  const total = { count: totalCount(stats), ms: totalMs(stats) };
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
  const engine = (kind: string) => !isQueueKind(kind);
  const { statements } = service.counted;
  return {
    pages: service.pages,
    wallMs: (service.totalMs - (service.firstRowMs ?? 0)) / pages,
    dbMs: totalMs(statements, engine) / pages,
    statements: totalCount(statements, engine) / pages,
    queueStatements: totalCount(statements, isQueueKind) / pages,
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

/** Which process made the payments calls: a payments schedule is one cursor, so one run does them all. */
function describeSplit(service: ServiceResult): string {
  const per = (method: string) =>
    service.counted.pspCallsByProcess.map((calls) => int(calls[method] ?? 0)).join(' + ');
  return (
    `      PSP calls per worker process: FETCH_PAYMENTS ${per('FETCH_PAYMENTS')}, ` +
    `FETCH_ACCOUNTS ${per('FETCH_ACCOUNTS')}, FETCH_BALANCES ${per('FETCH_BALANCES')}`
  );
}

function pageTable(services: ServiceResult[], small: CeilingResult): string {
  const profiles = services.map(pageProfile);
  const ms = (n: number) => `${fixed(n, 2)} ms`;
  const row = (label: string, pick: (p: PageProfile, s: ServiceResult) => string, ceiling = '') => [
    `  ${label}`,
    ...profiles.map((p, i) => pick(p, services[i] as ServiceResult)),
    ceiling,
  ];
  return table(
    [
      ['', ...services.map((s) => `service, ${s.name}`), `ceiling ${PAGE_SIZE}/tx`],
      row('pages (batches) committed', (p) => int(p.pages), int(small.batches)),
      row('wall time per page, first row → end', (p) => ms(p.wallMs), ms(small.ms / small.batches)),
      row(
        'statements per page (excl. claims, leases, wake-ups)',
        (p) => fixed(p.statements, 2),
        fixed(totalCount(small.statements) / small.batches, 2),
      ),
      row(
        'time waiting on those statements per page',
        (p) => ms(p.dbMs),
        ms(totalMs(small.statements) / small.batches),
      ),
      row('the rest: connector fetch, mapping, event loop', (p) => ms(p.wallMs - p.dbMs)),
      row('claims, leases, wake-ups per page', (p) => fixed(p.queueStatements, 2)),
      row('install request → first payment row', (_, s) => ms(s.firstRowMs ?? NaN)),
    ],
    [false, ...services.map(() => true), true],
  );
}

function resultsTable(services: ServiceResult[], small: CeilingResult, large: CeilingResult): string {
  const rowsPerPayment = (small.payments + small.adjustments) / small.payments;
  const smallRate = perSecond(small.payments, small.ms);
  const largeRate = perSecond(large.payments, large.ms);
  const incomplete = (r: ServiceResult) => (r.complete ? '' : ' [INCOMPLETE, see above]');
  const serviceRow = (s: ServiceResult) => {
    const rate = perSecond(s.rows, s.totalMs);
    return [
      `service, ${s.name}${incomplete(s)}`,
      int(s.rows),
      fixed(s.totalMs / 1000, 2),
      int(rate),
      int(rate * rowsPerPayment),
      fixed(rate / smallRate, 4),
      fixed(rate / largeRate, 4),
    ];
  };
  const ceilingRow = (c: CeilingResult) => {
    const rate = perSecond(c.payments, c.ms);
    return [
      `ceiling: upsertPayments, ${c.batchSize} per tx`,
      int(c.payments),
      fixed(c.ms / 1000, 2),
      int(rate),
      int(rate * rowsPerPayment),
      '',
      '',
    ];
  };
  return table(
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
      ...services.map(serviceRow),
      ceilingRow(small),
      ceilingRow(large),
    ],
    [false, true, true, true, true, true, true],
  );
}

await runBenchmark(async (cleanup, interrupted) => {
  const options = readOptions(process.argv.slice(2), process.env);
  const { counter, root } = await benchWorkspace(cleanup, 'paybridge-bench-');
  const directory = join(root, 'dummypay');
  const dataDir = join(root, 'data');
  const budget = `${int(options.serviceTimeoutMs / 1000)} s budget`;
  const steps = options.workers > 0 ? 4 : 3;
  let step = 0;
  const next = () => `[${++step}/${steps}]`;

  let t = performance.now();
  await writeDummyPayDirectory(directory, { accounts: 5, externalAccounts: 3, payments: options.payments });
  const fixture = { bytes: (await stat(join(directory, 'payments.json'))).size };
  console.log(
    `Paybridge ingest benchmark: ${int(options.payments)} DummyPay payments ` +
      `(payments.json ${fixed(fixture.bytes / 1e6)} MB, written in ${int(performance.now() - t)} ms), ` +
      `5 accounts, 3 external accounts; DummyPay page size ${PAGE_SIZE}; node ${process.version}; ` +
      `${availableParallelism()} CPUs; progress polled by ${options.poll === 'count' ? 'count(*)' : 'progress row + count(*) at the end'}`,
  );

  const services: ServiceResult[] = [];
  console.log(
    `\n${next()} service + DummyPay, one process (API + worker): install through the API, wait for the ` +
      `payment rows (${budget})…`,
  );
  services.push(await measureService('in-process', options, directory, dataDir, counter, cleanup));
  console.log(describeService(services[0] as ServiceResult));
  if (interrupted()) return;

  if (options.workers > 0) {
    console.log(
      `${next()} service + DummyPay, ${options.workers} worker processes on a fresh database, installed ` +
        `through an API-only service in this process (${budget})…`,
    );
    const split = await measureService(options.workers, options, directory, dataDir, counter, cleanup);
    services.push(split);
    console.log(describeService(split));
    console.log(describeSplit(split));
    if (interrupted()) return;
  }

  t = performance.now();
  const psp = await fetchAllPayments(directory);
  const prepMs = performance.now() - t;
  console.log(
    `${next()} ceiling: upsertPayments, ${PAGE_SIZE} payments per transaction, fresh database ` +
      `(payments read through DummyPay beforehand in ${int(prepMs)} ms)…`,
  );
  const small = await measureCeiling(psp, PAGE_SIZE, dataDir, counter, cleanup);
  console.log(`      ${int(small.payments)} payments in ${fixed(small.ms / 1000, 2)} s`);
  if (interrupted()) return;
  console.log(`${next()} ceiling: upsertPayments, ${LARGE_BATCH} payments per transaction, fresh database…`);
  const large = await measureCeiling(psp, LARGE_BATCH, dataDir, counter, cleanup);
  console.log(`      ${int(large.payments)} payments in ${fixed(large.ms / 1000, 2)} s`);
  if (interrupted()) return;

  // ---- report ---------------------------------------------------------------------------------
  for (const service of services) {
    console.log(
      `\nStatements per payments page, service (${service.label}; every process of the measurement: ` +
        `claims, wake-ups and the accounts/balances runs are included, spread over the pages):`,
    );
    console.log(statementTable(service.counted.statements, service.pages, 'per page'));
  }
  console.log(`\nStatements per batch, ceiling at ${PAGE_SIZE}/tx:`);
  console.log(statementTable(small.statements, small.batches, 'per batch'));

  console.log(`\nWhere a payments page (${PAGE_SIZE} payments) goes:`);
  console.log(pageTable(services, small));

  const rowsPerPayment = (small.payments + small.adjustments) / small.payments;
  console.log(
    `\nResults (N = ${int(options.payments)}; each payment writes ${fixed(rowsPerPayment, 0)} rows: ` +
      `the payment and its adjustment; ratios are service payments/s over ceiling payments/s)`,
  );
  console.log(resultsTable(services, small, large));
  if (options.workers > 0) {
    console.log(
      `\nNote on the ${options.workers}-worker row: DummyPay's payments are ONE schedule with one sequential ` +
        `cursor, paged by one run from start to end, so only one worker can work on them (see the PSP ` +
        `calls per worker above); the other workers run the few accounts and balances schedules, then ` +
        `poll for jobs. The row measures what several worker processes cost on such a workload, not a ` +
        `speed-up. For many schedules spread over several workers: npm run bench:fanout -- --workers ` +
        `${options.workers}.`,
    );
  }
});
