// Webhook benchmark: signed Generic `transaction.created` deliveries through the ingress (verify, store
// in one statement, then 200) and the webhook worker (claim in batches, translate, group
// commit the payments), against bare Fastify receivers measured in the same run with the same requests.
// Prints figures and the targets, asserts none.
//
//   npm run bench:webhooks                                  # 5 000 deliveries, 32 concurrent senders
//   node dist/bench/webhooks.js --count 5000 --concurrency 8
//   --count N (BENCH_WEBHOOKS, default 5 000): deliveries of the intake and end-to-end measurements, each
//     a distinct transaction with a distinct webhook-id. The signature is checked at intake, so an old
//     backlog is not rejected as stale.
//   --concurrency C (BENCH_CONCURRENCY, default 32): senders, each sending its next delivery once its last
//     one is answered.
//   --samples S (BENCH_SAMPLES, default 200): deliveries sent one at a time afterwards, each waiting until
//     its payment is visible, for the delivery → visible latency of an idle service (target: p50 ≤ 50 ms).
//   --timeout 600 (BENCH_SERVICE_TIMEOUT): seconds the service may take to make the N payments visible.
//   --client fetch|http (BENCH_CLIENT, default fetch): the sender's HTTP client. Node 20's fetch costs
//     about three times what node:http does per request, so on few cores it, not the receiver, limits
//     the bare baseline; `http` shows the baseline's real ceiling.
//
// Measurements, in this order: [1] a bare Fastify server on the ingress's route that reads the raw body
// and answers 200; [2] the same, with one INSERT of the delivery into a scratch table (fresh database,
// pool of 10 like the service's) before the 200; [3] Paybridge, one process (API + worker) on a fresh
// database, with the Generic connector installed with `webhooks: true` against a fake integration service
// in this process (empty listings, one fixed webhook registration): intake, then the time until every
// payment is visible; [4] once no delivery waits, S deliveries one at a time, each POST → payment visible. The requests of
// [1]–[3] are the same N, signed once before [1] (the intake checks timestamps against its own clock,
// within 5 minutes, so [1]–[3] must end within that). The sender runs in a worker thread, so it never shares an
// event loop with the server it measures; the receivers, the service and its worker share this process's
// main thread.
import { availableParallelism } from 'node:os';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { connectorIdCodec, paymentIdCodec } from '../src/domain/ids.js';
import { WEBHOOK_SLOTS } from '../src/engine/webhooks/webhooks.js';
import { readSettings } from '../src/settings.js';
import {
  type BaselineReceiver,
  startBareReceiver,
  startInsertReceiver,
} from './support/baseline-receivers.js';
import { type BenchProcesses, startProcesses } from './support/bench-service.js';
import {
  type DeliverySender,
  type LatencySummary,
  type LoadClient,
  type LoadResult,
  signedTransactionCreated,
  startDeliverySender,
  summarize,
  transactionReference,
} from './support/delivery-load.js';
import { type FakeIntegration, startFakeIntegration } from './support/fake-integration.js';
import { fixed, flag, int, perSecond, positiveInt, runBenchmark, sleep, table } from './support/harness.js';
import type { StatementStats } from './support/query-counter.js';
import { CLAIM_WEBHOOKS_KIND, isQueueKind, totalCount, totalMs } from './support/statement-kinds.js';
import { benchWorkspace } from './support/workspace.js';

const POLL_MS = 100;
/** The sample's poll for its payment: the resolution of the delivery → visible latency. */
const SAMPLE_POLL_MS = 2;
const SAMPLE_TIMEOUT_MS = 30_000;
/**
 * A random pause before each sample, so that deliveries arrive at random points of the idle worker's
 * cycle (it sleeps until a notification or its sweep) rather than in step with it.
 */
const SAMPLE_SPACING_MS = 300;
const SETUP_TIMEOUT_MS = 60_000;
/** Requests sent to the bare baseline first, not measured: JIT for the sender and Fastify. */
const WARM_UP = 2_000;
const BULK_TAG = 'bulk';
const SAMPLE_TAG = 'sample';

interface Options {
  count: number;
  concurrency: number;
  samples: number;
  timeoutMs: number;
  client: LoadClient;
}

function readOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const client = flag(argv, 'client') ?? env.BENCH_CLIENT ?? 'fetch';
  if (client !== 'fetch' && client !== 'http')
    throw new Error(`client must be fetch or http, not "${client}"`);
  return {
    client,
    count: positiveInt(flag(argv, 'count') ?? env.BENCH_WEBHOOKS, 5_000, 'count'),
    concurrency: positiveInt(flag(argv, 'concurrency') ?? env.BENCH_CONCURRENCY, 32, 'concurrency'),
    samples: positiveInt(flag(argv, 'samples') ?? env.BENCH_SAMPLES, 200, 'samples'),
    timeoutMs:
      1000 * positiveInt(flag(argv, 'timeout') ?? env.BENCH_SERVICE_TIMEOUT, 600, 'timeout (seconds)'),
  };
}

const epochNow = () => performance.timeOrigin + performance.now();

/** An intake measurement: its load result and the latency figures of its 200 answers. */
interface Intake {
  name: string;
  load: LoadResult;
  latency: LatencySummary;
}

function intakeOf(name: string, load: LoadResult): Intake {
  return { name, load, latency: summarize(load.latencies) };
}

async function measureBaseline(
  name: string,
  receiver: BaselineReceiver,
  path: string,
  sender: DeliverySender,
  options: Options,
): Promise<Intake> {
  const load = await sender.run({
    url: `${receiver.url}${path}`,
    concurrency: options.concurrency,
    client: options.client,
  });
  const stored = await receiver.stored();
  if (stored !== undefined && stored !== load.latencies.length) {
    throw new Error(`${name} stored ${stored} rows for ${load.latencies.length} 200 answers`);
  }
  await receiver.stop();
  return intakeOf(name, load);
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > SETUP_TIMEOUT_MS) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/**
 * Installs the Generic connector with push webhooks, waits for its CREATE_WEBHOOKS run to store the
 * endpoint and for every first polling run to end (so none overlaps the measurement), and returns the
 * connector and the ingress URL it registered (on the service's real address).
 */
async function installWithWebhooks(processes: BenchProcesses, integration: FakeIntegration) {
  const response = await fetch(`${processes.url}/v3/connectors/install/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'bench-webhooks',
      endpoint: integration.url,
      apiKey: 'bench',
      pollingPeriod: '1h',
      webhooks: true,
    }),
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`install answered ${response.status}: ${text}`);
  const connectorId = (JSON.parse(text) as { data: string }).data;
  const { observer } = processes;
  await waitFor('the webhook endpoint (CREATE_WEBHOOKS)', async () => {
    const { rows } = await observer.query<{ n: string }>(
      'SELECT count(*) AS n FROM webhook_configs WHERE connector_id = $1',
      [connectorId],
    );
    return Number(rows[0]?.n ?? 0) > 0;
  });
  await waitFor('the first polling runs', async () => {
    const { rows } = await observer.query<{ busy: string }>(
      `SELECT count(*) AS busy FROM schedules s
       WHERE s.connector_id = $1 AND (s.lease_until > now() OR NOT EXISTS (
         SELECT 1 FROM schedule_instances i WHERE i.schedule_id = s.id AND i.terminated))`,
      [connectorId],
    );
    return Number(rows[0]?.busy ?? 1) === 0;
  });
  const registered = integration.registration();
  if (!registered) throw new Error('the connector stored an endpoint without registering one');
  return { connectorId, url: `${processes.url}${new URL(registered.url).pathname}` };
}

interface Progress {
  visible: number;
  /** Deliveries stored and not yet processed (RECEIVED, including those waiting for a retry). */
  waiting: number;
}

async function progress(observer: pg.Client, connectorId: string): Promise<Progress> {
  // One statement, one snapshot: a delivery's payment and its status commit together.
  const { rows } = await observer.query<{ visible: string; waiting: string }>(
    `SELECT (SELECT count(*) FROM payments WHERE connector_id = $1) AS visible,
            (SELECT count(*) FROM webhooks WHERE connector_id = $1 AND status = 'RECEIVED') AS waiting`,
    [connectorId],
  );
  return { visible: Number(rows[0]?.visible ?? 0), waiting: Number(rows[0]?.waiting ?? 0) };
}

interface EndToEnd {
  intake: Intake;
  /** Epoch ms when the last intake answer arrived (within POLL_MS), and what stood then. */
  atIntakeEnd: Progress & { ms: number };
  /** First delivery sent → every accepted delivery's payment visible (undefined: it never got there). */
  allVisibleMs: number | undefined;
  /** First delivery sent → no delivery left waiting, whatever became of it (undefined: the timeout). */
  settledMs: number | undefined;
  final: Progress;
}

/** Sends the N deliveries to the service and watches the payments appear, from the first delivery on. */
async function measureService(
  observer: pg.Client,
  connectorId: string,
  url: string,
  sender: DeliverySender,
  options: Options,
): Promise<EndToEnd> {
  let load: LoadResult | undefined;
  let intakeEndedAt = 0;
  const loading = sender
    .run({ url, concurrency: options.concurrency, client: options.client })
    .then((result) => {
      load = result;
      intakeEndedAt = epochNow();
    });
  let failed: unknown;
  loading.catch((error: unknown) => (failed = error));

  const clock = epochNow();
  let atIntakeEnd: EndToEnd['atIntakeEnd'] | undefined;
  let allVisibleAt: number | undefined;
  let settledAt: number | undefined;
  let current: Progress = { visible: 0, waiting: 0 };
  for (;;) {
    await sleep(POLL_MS);
    if (failed) throw failed;
    current = await progress(observer, connectorId);
    const now = epochNow();
    if (load && !atIntakeEnd) atIntakeEnd = { ...current, ms: intakeEndedAt - load.startedAtEpochMs };
    if (load && current.visible >= load.latencies.length) allVisibleAt = now;
    // Every accepted delivery is stored before its 200, so nothing waiting means nothing more will come.
    if (load && current.waiting === 0) settledAt = now;
    if (allVisibleAt !== undefined || settledAt !== undefined) {
      settledAt ??= now;
      break;
    }
    if (now - clock > options.timeoutMs) break;
  }
  await loading;
  if (!load || !atIntakeEnd) throw new Error('the intake did not finish');
  return {
    intake: intakeOf('Paybridge ingress (verify, store, then 200)', load),
    atIntakeEnd,
    allVisibleMs: allVisibleAt === undefined ? undefined : allVisibleAt - load.startedAtEpochMs,
    settledMs: settledAt === undefined ? undefined : settledAt - load.startedAtEpochMs,
    final: current,
  };
}

interface Outcomes {
  byStatus: { status: string; count: number; error: string | null }[];
  /** Deliveries the job took more than once (an error, then a retry). */
  retried: number;
  /** received_at → processed_at of the processed deliveries, from the webhooks table (ms). */
  lag: LatencySummary | undefined;
}

async function outcomes(observer: pg.Client, connectorId: string): Promise<Outcomes> {
  const byStatus = await observer.query<{ status: string; n: string; error: string | null }>(
    `SELECT status, count(*) AS n, min(error) AS error FROM webhooks WHERE connector_id = $1
     GROUP BY status ORDER BY status`,
    [connectorId],
  );
  const retried = await observer.query<{ n: string }>(
    'SELECT count(*) AS n FROM webhooks WHERE connector_id = $1 AND attempts > 1',
    [connectorId],
  );
  const lag = await observer.query<{ ms: number }>(
    `SELECT 1000 * extract(epoch FROM processed_at - received_at)::float8 AS ms FROM webhooks
     WHERE connector_id = $1 AND status = 'PROCESSED'`,
    [connectorId],
  );
  return {
    byStatus: byStatus.rows.map((r) => ({ status: r.status, count: Number(r.n), error: r.error })),
    retried: Number(retried.rows[0]?.n ?? 0),
    lag: lag.rows.length > 0 ? summarize(lag.rows.map((r) => Number(r.ms))) : undefined,
  };
}

interface QueueDrain {
  /** Deliveries still waiting (RECEIVED) when the wait gave up (0: drained). */
  queued: number;
  ms: number;
}

/**
 * Waits until no delivery waits (none RECEIVED: the deliveries are the queue), so that the samples meet
 * an idle service and not the tail of the bulk run.
 */
async function drainWebhookQueue(observer: pg.Client, timeoutMs: number): Promise<QueueDrain> {
  const started = performance.now();
  for (;;) {
    const { rows } = await observer.query<{ queued: string }>(
      `SELECT count(*) AS queued FROM webhooks WHERE status = 'RECEIVED'`,
    );
    const queued = Number(rows[0]?.queued ?? 0);
    const ms = performance.now() - started;
    if (queued === 0 || ms > timeoutMs) return { queued, ms };
    await sleep(POLL_MS);
  }
}

interface Sample {
  ack: LatencySummary;
  visible: LatencySummary;
  failures: number;
  invisible: number;
}

/**
 * S deliveries one at a time, each signed when sent, after a random pause, each waiting until its payment
 * row exists.
 */
async function measureSamples(
  observer: pg.Client,
  connectorId: string,
  url: string,
  signer: Webhook,
  options: Options,
  interrupted: () => boolean,
): Promise<Sample> {
  const connector = connectorIdCodec.decode(connectorId);
  const acks: number[] = [];
  const visible: number[] = [];
  let failures = 0;
  let invisible = 0;
  for (let i = 0; i < options.samples && !interrupted(); i++) {
    await sleep(Math.random() * SAMPLE_SPACING_MS);
    const delivery = signedTransactionCreated(signer, SAMPLE_TAG, i, new Date());
    const paymentId = paymentIdCodec.encode({
      connectorId: connector,
      reference: transactionReference(SAMPLE_TAG, i),
      type: 'PAY-IN',
    });
    const sent = performance.now();
    const response = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
    await response.text();
    if (response.status !== 200) {
      failures += 1;
      continue;
    }
    acks.push(performance.now() - sent);
    for (;;) {
      const found = await observer.query('SELECT 1 FROM payments WHERE id = $1', [paymentId]);
      if (found.rowCount) {
        visible.push(performance.now() - sent);
        break;
      }
      if (performance.now() - sent > SAMPLE_TIMEOUT_MS) {
        invisible += 1;
        break;
      }
      await sleep(SAMPLE_POLL_MS);
    }
  }
  return { ack: summarize(acks), visible: summarize(visible), failures, invisible };
}

// ---- report ---------------------------------------------------------------------------------------

const ms = (n: number) => (Number.isFinite(n) ? fixed(n, n < 10 ? 2 : 1) : '-');
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? fixed(a / b, 2) : '-');

function failuresText(load: LoadResult): string {
  const parts = Object.entries(load.failures).map(([status, n]) => `${int(n)} × ${status}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function intakeTable(intakes: Intake[]): string {
  return table(
    [
      ['receiver', '200s', 'seconds', 'requests/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'other answers'],
      ...intakes.map(({ name, load, latency }) => [
        name,
        int(latency.count),
        fixed(load.ms / 1000, 2),
        int(perSecond(latency.count, load.ms)),
        ms(latency.p50),
        ms(latency.p90),
        ms(latency.p99),
        ms(latency.max),
        failuresText(load),
      ]),
    ],
    [false, true, true, true, true, true, true, true, false],
  );
}

function ratioTable(service: Intake, baselines: Intake[]): string {
  const rps = (i: Intake) => perSecond(i.latency.count, i.load.ms);
  return table(
    [
      ['Paybridge ÷ baseline', 'requests/s', 'p50', 'p90', 'p99', 'max'],
      ...baselines.map((b) => [
        `÷ ${b.name}`,
        ratio(rps(service), rps(b)),
        ratio(service.latency.p50, b.latency.p50),
        ratio(service.latency.p90, b.latency.p90),
        ratio(service.latency.p99, b.latency.p99),
        ratio(service.latency.max, b.latency.max),
      ]),
    ],
    [false, true, true, true, true, true],
  );
}

function statementTable(stats: Map<string, StatementStats>, deliveries: number): string {
  const rows = [...stats].sort((a, b) => b[1].count - a[1].count);
  const engine = (kind: string) => !isQueueKind(kind);
  const totals: [string, StatementStats][] = [
    ['total', { count: totalCount(stats), ms: totalMs(stats) }],
    [
      'of which claims, leases, wake-ups',
      { count: totalCount(stats, isQueueKind), ms: totalMs(stats, isQueueKind) },
    ],
    ['of which the rest', { count: totalCount(stats, engine), ms: totalMs(stats, engine) }],
  ];
  return table(
    [
      ['statement', 'count', 'per delivery', 'ms waited', 'ms/stmt'],
      ...[...rows, ...totals].map(([kind, v]) => [
        `  ${kind}`,
        int(v.count),
        fixed(v.count / Math.max(deliveries, 1), 2),
        int(v.ms),
        v.count > 0 ? fixed(v.ms / v.count, 2) : '-',
      ]),
    ],
    [false, true, true, true, true],
  );
}

function latencyRow(label: string, l: LatencySummary | undefined): string[] {
  return l
    ? [label, int(l.count), ms(l.p50), ms(l.p90), ms(l.p99), ms(l.max)]
    : [label, '0', '-', '-', '-', '-'];
}

await runBenchmark(async (cleanup, interrupted) => {
  const options = readOptions(process.argv.slice(2), process.env);
  const { counter, root } = await benchWorkspace(cleanup, 'pb-bench-webhooks-');
  // The service of [3] runs on the default settings but for the webhook rate limits, raised for one
  // sending address (bench/support/bench-service.ts); the baselines on the defaults.
  const settings = readSettings({});
  const maxBytes = settings.webhooks.maxBytes;
  const integration = await startFakeIntegration();
  cleanup.add('stop the fake integration service', () => integration.stop());

  // Signed once: [1]–[3] send exactly these requests.
  const signer = new Webhook(integration.secret);
  const signedAt = new Date();
  const deliveries = Array.from({ length: options.count }, (_, i) =>
    signedTransactionCreated(signer, BULK_TAG, i, signedAt),
  );
  const bytes = deliveries.reduce((sum, d) => sum + Buffer.byteLength(d.body), 0) / options.count;
  const sender = startDeliverySender(deliveries);
  cleanup.add('stop the sender thread', () => sender.stop());
  // The baselines' path has the shape of the service's: a connector id of the same length.
  const placeholder = connectorIdCodec.encode({ provider: 'generic', reference: randomUUID() });
  const baselinePath = `/api/payments/v3/connectors/webhooks/${placeholder}/events`;

  console.log(
    `Webhook benchmark: ${int(options.count)} signed Generic transaction.created deliveries (distinct ` +
      `transactions and webhook-ids, ${int(bytes)}-byte bodies), ${options.concurrency} concurrent senders ` +
      `(closed loop, ${options.client === 'fetch' ? 'fetch' : 'node:http'} in a worker thread); ` +
      `node ${process.version}; ${availableParallelism()} CPUs; ` +
      `PostgreSQL at 127.0.0.1:5432\n`,
  );

  console.log(`[1/4] baseline: bare Fastify, raw body, 200 (after ${int(WARM_UP)} warm-up requests)…`);
  const bare = await startBareReceiver(maxBytes, cleanup);
  const warmUp = { concurrency: options.concurrency, client: options.client, limit: WARM_UP };
  await sender.run({ url: `${bare.url}${baselinePath}`, ...warmUp });
  const bareIntake = await measureBaseline(
    'bare Fastify (raw body, 200)',
    bare,
    baselinePath,
    sender,
    options,
  );
  console.log(`      ${int(perSecond(bareIntake.latency.count, bareIntake.load.ms))} requests/s`);
  if (interrupted()) return;

  console.log('[2/4] baseline: Fastify + one INSERT of the delivery per request, fresh database…');
  const insert = await startInsertReceiver(maxBytes, cleanup);
  const insertIntake = await measureBaseline(
    'Fastify + one INSERT per request',
    insert,
    baselinePath,
    sender,
    options,
  );
  console.log(`      ${int(perSecond(insertIntake.latency.count, insertIntake.load.ms))} requests/s`);
  if (interrupted()) return;

  console.log(
    '[3/4] Paybridge, one process (API + worker), fresh database: install the Generic connector with ' +
      'webhooks: true, wait for its endpoint, send the deliveries, wait until every payment is visible…',
  );
  const processes = await startProcesses('in-process', root, counter, cleanup);
  const { observer } = processes;
  const { connectorId, url } = await installWithWebhooks(processes, integration);
  await processes.resetCounters();
  const service = await measureService(observer, connectorId, url, sender, options);
  const counted = await processes.collect();
  const outcome = await outcomes(observer, connectorId);
  const accepted = service.intake.latency.count;
  console.log(
    service.allVisibleMs === undefined
      ? `      INCOMPLETE: ${int(service.final.visible)} of ${int(accepted)} payments visible, ` +
          `${int(service.final.waiting)} deliveries still waiting (see the outcomes below)`
      : `      ${int(accepted)} payments visible ${fixed(service.allVisibleMs / 1000, 2)} s after the ` +
          'first delivery',
  );
  if (interrupted()) return;
  const queue = await drainWebhookQueue(observer, options.timeoutMs);
  if (queue.ms > 1000) {
    console.log(
      `      deliveries still waited: drained in ${fixed(queue.ms / 1000, 1)} s` +
        (queue.queued > 0 ? ` (gave up with ${int(queue.queued)} queued)` : ''),
    );
  }
  if (interrupted()) return;

  console.log(`[4/4] ${int(options.samples)} deliveries one at a time, each until its payment is visible…`);
  const sample = await measureSamples(observer, connectorId, url, signer, options, interrupted);
  const slots = Math.max(WEBHOOK_SLOTS, settings.workerConcurrency);
  await processes.stop();

  // ---- results --------------------------------------------------------------------------------
  console.log(
    `\nIntake (N = ${int(options.count)}, ${options.concurrency} concurrent senders; latency: request sent ` +
      '→ 200 received, in the sender thread):',
  );
  const intakes = [bareIntake, insertIntake, service.intake];
  console.log(intakeTable(intakes));
  console.log('');
  console.log(ratioTable(service.intake, [bareIntake, insertIntake]));

  const countOf = (kind: string) => counted.statements.get(kind)?.count ?? 0;
  const claims = countOf(CLAIM_WEBHOOKS_KIND);
  const commits = countOf('webhook commit: record the outcomes');
  const settled = service.settledMs;
  const drainMs = settled === undefined ? undefined : settled - service.atIntakeEnd.ms;
  const seconds = (n: number | undefined, otherwise: string) =>
    n === undefined ? otherwise : `${fixed(n / 1000, 2)} s`;
  console.log(`\nEnd to end (the same run; ${processes.describe}):`);
  console.log(
    table(
      [
        ['', ''],
        [
          'first delivery → all payments visible',
          seconds(service.allVisibleMs, `never: ${int(service.final.visible)} of ${int(accepted)}`),
        ],
        [
          'first delivery → every delivery processed',
          seconds(settled, `not within the timeout: ${int(service.final.waiting)} left`),
        ],
        [
          'processing throughput (deliveries/s over that time)',
          settled === undefined ? '-' : int(perSecond(accepted, settled)),
        ],
        [
          'intake ended (last 200) after',
          `${fixed(service.atIntakeEnd.ms / 1000, 2)} s, with ${int(service.atIntakeEnd.visible)} payments ` +
            `visible and ${int(service.atIntakeEnd.waiting)} deliveries waiting`,
        ],
        [
          'backlog drain after intake (deliveries/s)',
          drainMs === undefined || drainMs <= 0 ? '-' : int(perSecond(service.atIntakeEnd.waiting, drainMs)),
        ],
        [
          'delivery outcomes',
          outcome.byStatus.map((s) => `${s.status} ${int(s.count)}`).join(', ') +
            (outcome.retried > 0 ? `; ${int(outcome.retried)} took more than one attempt` : ''),
        ],
        ...outcome.byStatus
          .filter((s) => s.status !== 'PROCESSED' && s.error)
          .map((s) => [`  first error (${s.status})`, String(s.error).slice(0, 160)]),
        [
          'worker claims during [3] (one statement each, a batch per claim)',
          `${int(claims)} (${fixed(accepted / Math.max(claims, 1), 1)} deliveries per claim)`,
        ],
        [
          'group commits during [3] (outcome statements)',
          `${int(commits)} (${fixed(accepted / Math.max(commits, 1), 1)} deliveries per commit)`,
        ],
      ],
      [false, false],
    ),
  );
  console.log('');
  console.log(
    table(
      [
        ['latency (ms)', 'n', 'p50', 'p90', 'p99', 'max'],
        latencyRow('bulk: received → processed (webhooks table)', outcome.lag),
        latencyRow('one at a time: POST → 200', sample.ack),
        latencyRow('one at a time: POST → payment visible', sample.visible),
      ],
      [false, true, true, true, true, true],
    ),
  );
  if (sample.failures + sample.invisible > 0) {
    console.log(
      `  one at a time: ${sample.failures} deliveries not answered 200, ${sample.invisible} payments not ` +
        `visible within ${SAMPLE_TIMEOUT_MS / 1000} s`,
    );
  }

  console.log(
    `\nStatements during [3] (API and worker, first delivery → every delivery processed; ${slots} webhook ` +
      'slots, pool of 10 connections), per delivery:',
  );
  console.log(statementTable(counted.statements, options.count));
  console.log(
    '\nbare Fastify: the ingress route with a raw-body parser, no database. Fastify + INSERT: the same\n' +
      'plus one autocommitted INSERT of the delivery (method, headers, body) on a pool of 10. Paybridge:\n' +
      'looks the endpoint up (kept 5 s), verifies the signature, stores the delivery with one statement\n' +
      'that checks the endpoint is unchanged, answers, and wakes the workers (one NOTIFY in flight at a\n' +
      'time); its worker claims the backlog in batches and group-commits it in the same process meanwhile.\n' +
      '"visible": a row in payments ' +
      `(polled every ${POLL_MS} ms in bulk, ${SAMPLE_POLL_MS} ms one at a time).`,
  );
  // The targets, from the figures above.
  const intakeRps = perSecond(accepted, service.intake.load.ms);
  const insertRps = perSecond(insertIntake.latency.count, insertIntake.load.ms);
  const keptUp = service.atIntakeEnd.waiting === 0;
  const drainRps =
    keptUp || drainMs === undefined || drainMs <= 0
      ? undefined
      : perSecond(service.atIntakeEnd.waiting, drainMs);
  const processingRps = settled === undefined ? undefined : perSecond(accepted, settled);
  const verdict = (ok: boolean | undefined) => (ok === undefined ? '-' : ok ? 'met' : 'MISSED');
  console.log('\nTargets (issue 16):');
  console.log(
    table(
      [
        ['target', 'measured', ''],
        [
          'durable intake ÷ Fastify + one INSERT ≥ 0.8',
          ratio(intakeRps, insertRps),
          verdict(insertRps > 0 ? intakeRps / insertRps >= 0.8 : undefined),
        ],
        [
          'processing (backlog drain after intake, deliveries/s) ≥ intake (requests/s)',
          `${drainRps === undefined ? '-' : int(drainRps)} vs ${int(intakeRps)}` +
            (processingRps === undefined ? '' : ` (whole run: ${int(processingRps)}/s)`),
          keptUp
            ? 'met (nothing waited when the intake ended)'
            : verdict(drainRps === undefined ? undefined : drainRps >= intakeRps),
        ],
        [
          'one webhook on an idle service, POST → payment visible: p50 ≤ 50 ms',
          `${ms(sample.visible.p50)} ms`,
          verdict(sample.visible.count > 0 ? sample.visible.p50 <= 50 : undefined),
        ],
      ],
      [false, true, false],
    ),
  );
  if (options.client === 'fetch') {
    console.log(
      "sender: Node's fetch costs ~0.7 ms of CPU per request, so on few cores it may be what limits\n" +
        'the bare baseline; --client http (node:http, keep-alive) shows how far the receivers go.',
    );
  }
});
