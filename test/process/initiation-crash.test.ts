// A worker process killed after the PSP made a transfer but before Paybridge committed the outcome, then
// a fresh worker: the transfer is asked for again with the same idempotency key, the PSP answers with the
// transfer it already made, money moves exactly once, and the initiation ends PROCESSED.
import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import { initiatePayment } from '../../src/engine/money-movement/initiations.js';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { type MockPsp, startMockPsp } from '../../src/mock-psp/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { MockPspTenant } from '../support/mock-psp.js';
import { eventually } from '../support/service.js';
import { spawnWorker } from '../support/worker-process.js';

let engine: TestEngine;
let psp: MockPsp;
const children: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = spawnWorker(engine.databaseUrl, { PAYBRIDGE_INITIATION_RETRY_MIN: '200ms' });
  children.push(child);
  return child;
}

beforeAll(async () => {
  engine = await startTestEngine();
  psp = await startMockPsp({ port: 0 });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await engine?.stop();
  await psp?.stop();
});

it('moves money once when the worker dies between the PSP call and the commit', async () => {
  const { db } = engine.deps;
  const sim = new MockPspTenant(psp.url, 'crash');
  const from = await sim.createAccount({ accountName: 'Main', currency: 'EUR', initialBalance: '100000' });
  const to = await sim.createAccount({ accountName: 'Reserve', currency: 'EUR', initialBalance: '0' });
  const connectorId = await installConnector(engine.deps, 'generic', {
    name: 'crash',
    apiKey: sim.apiKey,
    endpoint: psp.url,
    pollingPeriod: '1h',
  });
  const accountId = (reference: string) =>
    accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorId), reference });

  const first = startWorker();
  await eventually(async () =>
    (await db.selectFrom('accounts').select('id').execute()).length === 2 ? true : undefined,
  );

  // The simulator makes the transfer, then holds its answer: the worker dies while it waits.
  await sim.setFaults({ answerDelayMs: 20_000 });
  const { id } = await initiatePayment(
    engine.deps,
    {
      reference: 'crash-transfer-1',
      connectorID: connectorId,
      type: 'TRANSFER',
      amount: 2_500n,
      asset: 'EUR/2',
      description: 'crash test',
      sourceAccountID: accountId(from.id),
      destinationAccountID: accountId(to.id),
      metadata: { test: 'crash' },
    },
    { noValidation: true },
  );
  const made = await eventually(async () =>
    (await sim.transactions()).find((t) => t.metadata?.test === 'crash'),
  );
  expect(made.status).toBe('SUCCEEDED');
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));

  const atCrash = await db
    .selectFrom('payment_initiations')
    .select(['status', 'lease_until'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  expect(atCrash.status).toBe('PROCESSING'); // the outcome never reached the database
  expect(atCrash.lease_until).not.toBeNull();
  expect(await db.selectFrom('payment_initiation_related_payments').selectAll().execute()).toHaveLength(0);

  await sim.setFaults({});
  await eventually(async () => {
    const expired = await sql<{ expired: boolean }>`
      SELECT lease_until < now() AS expired FROM payment_initiations WHERE id = ${id}`.execute(db);
    return expired.rows[0]?.expired ? true : undefined;
  });
  startWorker(); // its claim takes the initiation over (the lease has expired)
  await eventually(
    async () => {
      const row = await db
        .selectFrom('payment_initiations')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.status === 'PROCESSED' ? true : undefined;
    },
    30_000,
    'the initiation to be PROCESSED',
  );

  // Exactly one transfer at the PSP, though it was asked for twice (the same idempotency key).
  const transfers = (await sim.transactions()).filter((t) => t.metadata?.test === 'crash');
  expect(transfers).toHaveLength(1);
  expect((await sim.stats()).byEndpoint['POST /transfers']).toBe(2);
  const balances = new Map((await sim.accounts()).map((a) => [a.id, a]));
  expect(JSON.stringify(balances.get(from.id))).toContain('97500');
  expect(JSON.stringify(balances.get(to.id))).toContain('2500');

  const adjustments = await db
    .selectFrom('payment_initiation_adjustments')
    .select('status')
    .where('payment_initiation_id', '=', id)
    .orderBy('sort_id')
    .execute();
  expect(adjustments.map((a) => a.status)).toEqual(['WAITING_FOR_VALIDATION', 'PROCESSING', 'PROCESSED']);
  const related = await db.selectFrom('payment_initiation_related_payments').selectAll().execute();
  expect(related).toHaveLength(1);
});
