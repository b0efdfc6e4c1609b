// Generic benchmark: transactions ingested per second from the simulator through the whole service
// (API install → worker → Generic connector → HTTP → PostgreSQL), against the simulator's raw serving
// rate measured in the same run by a client that pages through the same transactions the same way.
// Prints figures, asserts none.
//
//   npm run bench:generic                            # 20 000 transactions, page sizes 100 and 7
//   node dist/bench/generic.js --transactions 50000 --page-sizes 100,25,7
//
// The simulator runs as its own process (the built `paybridge mock-psp`), as it would in front of a
// real deployment, so the service and the simulator do not share one event loop.
import { MockPspTenant, spawnMockPsp } from '../test/support/mock-psp.js';
import { startProcesses } from './support/bench-service.js';
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
import { isQueueKind, totalCount } from './support/statement-kinds.js';
import { benchWorkspace } from './support/workspace.js';

const POLL_MS = 100;

interface Options {
  transactions: number;
  pageSizes: number[];
  timeoutMs: number;
}

function readOptions(argv: readonly string[]): Options {
  const pageSizes = (flag(argv, 'page-sizes') ?? process.env.BENCH_PAGE_SIZES ?? '100,7')
    .split(',')
    .map((s) => positiveInt(s, 100, '--page-sizes'));
  return {
    transactions: positiveInt(
      flag(argv, 'transactions') ?? process.env.BENCH_TRANSACTIONS,
      20_000,
      '--transactions',
    ),
    pageSizes: pageSizes.map((n) => Math.min(n, 100)),
    timeoutMs:
      1000 * positiveInt(flag(argv, 'timeout') ?? process.env.BENCH_SERVICE_TIMEOUT, 300, '--timeout'),
  };
}

/** The baseline: one client paging through every transaction as the connector does, one request at a time. */
async function rawServingRate(url: string, apiKey: string, pageSize: number, expected: number) {
  const started = performance.now();
  let served = 0;
  for (let page = 1; ; page++) {
    const response = await fetch(`${url}/transactions?page=${page}&pageSize=${pageSize}&sort=updatedAt:asc`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const body = (await response.json()) as unknown[];
    if (!response.ok) throw new Error(`simulator answered ${response.status}`);
    if (body.length === 0) break;
    served += body.length;
  }
  const ms = performance.now() - started;
  if (served !== expected) throw new Error(`the simulator served ${served} transactions, not ${expected}`);
  return { ms, perSecond: perSecond(served, ms) };
}

async function ingest(
  url: string,
  apiKey: string,
  pageSize: number,
  options: Options,
  root: string,
  counter: Parameters<typeof startProcesses>[2],
  cleanup: Cleanup,
) {
  const processes = await startProcesses('in-process', root, counter, cleanup);
  const { observer } = processes;
  const stored = async () =>
    Number((await observer.query<{ n: string }>('SELECT count(*) AS n FROM payments')).rows[0]?.n ?? 0);
  await processes.resetCounters();
  const tenant = new MockPspTenant(url, apiKey);
  await tenant.resetStats();

  const started = performance.now();
  const response = await fetch(`${processes.url}/v3/connectors/install/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `bench-generic-${pageSize}`,
      endpoint: url,
      apiKey,
      pageSize,
      pollingPeriod: '1h',
    }),
  });
  if (response.status !== 202)
    throw new Error(`install answered ${response.status}: ${await response.text()}`);
  let rows = 0;
  let elapsed = 0;
  for (;;) {
    rows = await stored();
    elapsed = performance.now() - started;
    if (rows >= options.transactions || elapsed >= options.timeoutMs) break;
    await sleep(POLL_MS);
  }
  const counted = await processes.collect();
  const requests = (await tenant.stats()).byEndpoint['GET /transactions'] ?? 0;
  await processes.stop();
  return {
    rows,
    complete: rows >= options.transactions,
    ms: elapsed,
    perSecond: perSecond(rows, elapsed),
    statementsPerTransaction: totalCount(counted.statements) / Math.max(rows, 1),
    queueStatementsPerTransaction: totalCount(counted.statements, isQueueKind) / Math.max(rows, 1),
    requests,
  };
}

await runBenchmark(async (cleanup) => {
  const options = readOptions(process.argv.slice(2));
  const { counter, root } = await benchWorkspace(cleanup, 'pb-bench-generic-');
  const psp = await spawnMockPsp();
  cleanup.add('stop the simulator', () => psp.stop());

  const apiKey = 'bench';
  const tenant = new MockPspTenant(psp.url, apiKey);
  await tenant.generate(options.transactions, { clusterSize: 10 });
  console.log(
    `Generic connector ingest: ${int(options.transactions)} transactions from \`paybridge mock-psp\` ` +
      `(its own process), clusters of up to 10 sharing one timestamp.\n`,
  );

  const rows: string[][] = [
    [
      'page size',
      'raw serving (tx/s)',
      'ingested (tx/s)',
      'ingest ÷ raw',
      'HTTP requests',
      'DB statements/tx',
      'of which claims, wake-ups',
    ],
  ];
  for (const pageSize of options.pageSizes) {
    const raw = await rawServingRate(psp.url, apiKey, pageSize, options.transactions);
    const service = await ingest(psp.url, apiKey, pageSize, options, root, counter, cleanup);
    rows.push([
      String(pageSize),
      int(raw.perSecond),
      `${int(service.perSecond)}${service.complete ? '' : ` (incomplete: ${int(service.rows)} rows)`}`,
      fixed(service.perSecond / raw.perSecond, 2),
      int(service.requests),
      fixed(service.statementsPerTransaction, 2),
      fixed(service.queueStatementsPerTransaction, 3),
    ]);
  }
  console.log(table(rows, [true, true, true, true, true, true, true]));
  console.log(
    '\nraw serving: one client paging GET /transactions at that page size, one request at a time (the\n' +
      "connector's own access pattern), measured just before the service's run on the same simulator.\n" +
      'ingested: from the install call until every transaction is a payment row (pages, adjustments,\n' +
      'outbox events and cursor committed). DB statements count every statement of the service process.',
  );
});
