// Money movement throughput: N transfers initiated without validation against an in-process PSP that
// answers each create after a fixed latency, drained by one worker (API and worker in this process).
// Prints transfers settled per second, and that rate as a ratio to a bare `SELECT 1` round-trip rate
// measured on the same database in the same run (so machines and runs compare).
//
//   npm run bench:movements -- --transfers 2000 --latency-ms 20
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { pino } from 'pino';
import { z } from 'zod';
import { startPaybridge } from '../src/app.js';
import { BaseConnector } from '../src/connectors/sdk/base.js';
import type { CreateTransferRequest, CreateTransferResponse } from '../src/connectors/sdk/contract.js';
import { registerConnector } from '../src/connectors/sdk/registry.js';
import { accountIdCodec, connectorIdCodec } from '../src/domain/ids.js';
import { installConnector } from '../src/engine/lifecycle/connectors.js';
import { initiatePayment } from '../src/engine/money-movement/initiations.js';
import { readSettings } from '../src/settings.js';
import { createTestDatabase } from '../test/support/database.js';
import { flag, int, perSecond, positiveInt, runBenchmark, sleep } from './support/harness.js';

const argv = process.argv.slice(2);
const transfers = positiveInt(flag(argv, 'transfers') ?? process.env.BENCH_TRANSFERS, 2000, 'transfers');
const latencyMs = Number(flag(argv, 'latency-ms') ?? process.env.BENCH_LATENCY_MS ?? 20);
const concurrency = positiveInt(flag(argv, 'concurrency'), 8, 'concurrency');

/** A PSP that makes every transfer it is asked for, answering after `latencyMs`. */
class InstantPsp extends BaseConnector {
  async install() {
    return { workflow: [] };
  }
  override async createTransfer(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    await sleep(latencyMs);
    const pi = request.paymentInitiation;
    return {
      payment: {
        reference: `tr-${request.idempotencyKey}`,
        createdAt: new Date(),
        type: 'TRANSFER',
        amount: pi.amount,
        asset: pi.asset,
        scheme: 'OTHER',
        status: 'SUCCEEDED',
        ...(pi.destinationAccount ? { destinationAccountReference: pi.destinationAccount.reference } : {}),
        raw: {},
      },
    };
  }
}
registerConnector({
  provider: 'benchmovements',
  capabilities: ['CREATE_TRANSFER'],
  config: z.object({}),
  pageSize: 10,
  hidden: true,
  create: () => new InstantPsp(),
});

async function selectOneRate(url: string, ms: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let n = 0;
  const start = Date.now();
  while (Date.now() - start < ms) {
    await client.query('SELECT 1');
    n += 1;
  }
  const rate = perSecond(n, Date.now() - start);
  await client.end();
  return rate;
}

await runBenchmark(async (cleanup) => {
  const database = await createTestDatabase();
  cleanup.add('drop the database', () => database.drop());
  const settings = readSettings({
    DATABASE_URL: database.url,
    PAYBRIDGE_ENCRYPTION_KEY: 'bench-key-not-for-production',
    PAYBRIDGE_DATA_DIR: tmpdir(),
    PAYBRIDGE_DEBUG: 'true',
    PAYBRIDGE_WORKER_CONCURRENCY: String(concurrency),
    PORT: '0',
    LOG_LEVEL: 'error',
  });
  const paybridge = await startPaybridge(settings, { api: false, worker: true }, pino({ level: 'error' }));
  cleanup.add('stop paybridge', () => paybridge.stop());
  const { deps } = paybridge;
  const connectorId = await installConnector(deps, 'benchmovements', { name: 'bench' });
  const connector = connectorIdCodec.decode(connectorId);
  const accountId = accountIdCodec.encode({ connectorId: connector, reference: 'dest' });
  await deps.db
    .insertInto('accounts')
    .values({
      id: accountId,
      connector_id: connectorId,
      reference: 'dest',
      type: 'INTERNAL',
      created_at: new Date().toISOString(),
      name: 'dest',
      default_asset: 'EUR/2',
      metadata: '{}',
      raw: '{}',
    })
    .execute();

  const baseline = await selectOneRate(database.url, 2000);
  const started = Date.now();
  const batch = randomUUID().slice(0, 8);
  for (let i = 0; i < transfers; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, transfers - i) }, (_, j) =>
        initiatePayment(
          deps,
          {
            reference: `${batch}-${i + j}`,
            connectorID: connectorId,
            type: 'TRANSFER',
            amount: 100n,
            asset: 'EUR/2',
            description: 'bench',
            destinationAccountID: accountId,
            metadata: {},
          },
          { noValidation: true },
        ),
      ),
    );
  }
  const initiatedMs = Date.now() - started;
  for (;;) {
    const row = await deps.db
      .selectFrom('payment_initiations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '=', 'PROCESSED')
      .executeTakeFirstOrThrow();
    if (Number(row.n) >= transfers) break;
    await sleep(20);
  }
  const elapsed = Date.now() - started;
  const rate = perSecond(transfers, elapsed);
  console.log(
    `money movement: ${int(transfers)} transfers, PSP latency ${latencyMs} ms, worker concurrency ${concurrency}`,
  );
  console.log(`  initiated in ${int(initiatedMs)} ms; all PROCESSED after ${int(elapsed)} ms`);
  console.log(
    `  settled transfers/s: ${rate.toFixed(1)}  (ceiling at this latency: ${int((concurrency * 1000) / Math.max(1, latencyMs))}/s)`,
  );
  console.log(`  bare SELECT 1 round trips/s: ${int(baseline)}`);
  console.log(`  ratio settled/s ÷ SELECT 1/s: ${(rate / baseline).toFixed(4)}`);
});
