// Set-based ingestion writes against a real PostgreSQL database: payment status/amount derivation and balance intervals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapPayments } from '../../src/engine/ingestion/items.js';
import { connectorIdCodec } from '../../src/domain/ids.js';
import type { PspPayment } from '../../src/connectors/sdk/contract.js';
import { recordBalances } from '../../src/storage/balances.js';
import { type OpenedDatabase, openDatabase } from '../../src/storage/db.js';
import { migrate } from '../../src/storage/migrate.js';
import { upsertPayments } from '../../src/storage/payments.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const connector = { provider: 'dummypay', reference: '11111111-2222-4333-8444-555555555555' };
const connectorId = connectorIdCodec.encode(connector);
let testDb: TestDatabase;
let opened: OpenedDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  opened = await openDatabase({ url: testDb.url, dataDir: '' });
  await migrate(opened.db);
  await opened.db
    .insertInto('connectors')
    .values({
      id: connectorId,
      reference: connector.reference,
      provider: 'dummypay',
      name: 'writes',
      config_encrypted: 'x',
      polling_period_ms: 60_000,
      page_size: 25,
      task_tree: '[]',
    })
    .execute();
});

afterAll(async () => {
  await opened?.close();
  await testDb?.drop();
});

function psp(overrides: Partial<PspPayment>): PspPayment {
  return {
    reference: 'pay-1',
    createdAt: new Date('2024-01-01T00:00:00Z'),
    type: 'PAY-IN',
    amount: 1000n,
    asset: 'EUR/2',
    scheme: 'OTHER',
    status: 'PENDING',
    raw: {},
    ...overrides,
  };
}

async function ingest(items: PspPayment[]) {
  const writes = mapPayments(connector, items);
  await opened.db.transaction().execute((trx) => upsertPayments(trx, writes.payments, writes.adjustments));
}

async function payment(reference: string) {
  return opened.db
    .selectFrom('payments')
    .select(['status', 'amount', 'initial_amount'])
    .where('reference', '=', reference)
    .executeTakeFirstOrThrow();
}

describe('payment writes', () => {
  it('turn a status change into a new adjustment of the same payment', async () => {
    await ingest([psp({})]);
    await ingest([psp({ status: 'SUCCEEDED', updatedAt: new Date('2024-01-02T00:00:00Z') })]);
    expect(await payment('pay-1')).toEqual({ status: 'SUCCEEDED', amount: '1000', initial_amount: '1000' });
    const adjustments = await opened.db.selectFrom('payment_adjustments').select('status').execute();
    expect(adjustments.map((a) => a.status).sort()).toEqual(['PENDING', 'SUCCEEDED']);
  });

  it('never roll the status back when an older observation arrives late', async () => {
    await ingest([
      psp({ reference: 'pay-2', status: 'SUCCEEDED', updatedAt: new Date('2024-03-01T00:00:00Z') }),
    ]);
    await ingest([
      psp({ reference: 'pay-2', status: 'PENDING', updatedAt: new Date('2024-02-01T00:00:00Z') }),
    ]);
    expect((await payment('pay-2')).status).toBe('SUCCEEDED');
  });

  it('subtract a refund once, however often the page is replayed', async () => {
    const refund = psp({
      reference: 'refund-1',
      parentReference: 'pay-3',
      status: 'REFUNDED',
      amount: 55n,
      createdAt: new Date('2024-04-02T00:00:00Z'),
    });
    await ingest([psp({ reference: 'pay-3', amount: 1340n, status: 'SUCCEEDED' }), refund]);
    await ingest([refund]);
    await ingest([refund]);
    expect(await payment('pay-3')).toEqual({ status: 'REFUNDED', amount: '1285', initial_amount: '1340' });
  });

  it('subtract a refund once when the PSP reports the same refund again with a newer updatedAt', async () => {
    const refund = psp({
      reference: 'refund-5',
      parentReference: 'pay-5',
      status: 'REFUNDED',
      amount: 300n,
      createdAt: new Date('2024-05-02T00:00:00Z'),
    });
    await ingest([psp({ reference: 'pay-5', amount: 1000n, status: 'SUCCEEDED' }), refund]);
    await ingest([{ ...refund, updatedAt: new Date('2024-05-03T00:00:00Z'), metadata: { note: 'edited' } }]);
    await ingest([
      { ...refund, updatedAt: new Date('2024-05-04T00:00:00Z') },
      { ...refund, updatedAt: new Date('2024-05-05T00:00:00Z') },
    ]);
    expect(await payment('pay-5')).toMatchObject({ amount: '700' });
    const adjustments = await opened.db
      .selectFrom('payment_adjustments')
      .select('id')
      .where('reference', '=', 'refund-5')
      .execute();
    expect(adjustments).toHaveLength(4);
  });

  it('count a capture once, whether or not the authorisation was seen first', async () => {
    await ingest([psp({ reference: 'pay-6', amount: 900n, status: 'CAPTURE' })]);
    await ingest([
      psp({ reference: 'pay-6', amount: 900n, status: 'CAPTURE', updatedAt: new Date('2024-06-01') }),
    ]);
    expect(await payment('pay-6')).toMatchObject({ status: 'CAPTURE', amount: '900' });

    await ingest([psp({ reference: 'pay-7', amount: 500n, status: 'AUTHORISATION' })]);
    expect(await payment('pay-7')).toMatchObject({ amount: '0' });
    await ingest([
      psp({ reference: 'pay-7', amount: 500n, status: 'CAPTURE', updatedAt: new Date('2024-06-01') }),
    ]);
    expect(await payment('pay-7')).toMatchObject({ status: 'CAPTURE', amount: '500' });
  });

  it('keep amounts above 2^64 exact', async () => {
    await ingest([psp({ reference: 'pay-4', amount: 18446744073709551615n })]);
    expect((await payment('pay-4')).amount).toBe('18446744073709551615');
  });
});

describe('balance intervals', () => {
  const accountId = 'acct';
  const at = (iso: string, amount: bigint) => ({
    accountId,
    connectorId,
    asset: 'EUR/2',
    createdAt: iso,
    amount,
  });
  const rows = () =>
    opened.db
      .selectFrom('balances')
      .select(['created_at', 'last_updated_at', 'balance'])
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .execute();

  it('extend the current interval while the value holds and open a new one when it changes', async () => {
    await recordBalances(opened.db, [at('2024-01-01T00:00:00Z', 100n)]);
    await recordBalances(opened.db, [at('2024-01-02T00:00:00Z', 100n)]);
    await recordBalances(opened.db, [at('2024-01-03T00:00:00Z', 250n)]);
    await recordBalances(opened.db, [at('2023-12-01T00:00:00Z', 999n)]); // stale: ignored
    expect(await rows()).toEqual([
      { created_at: '2024-01-01 00:00:00+00', last_updated_at: '2024-01-03 00:00:00+00', balance: '100' },
      { created_at: '2024-01-03 00:00:00+00', last_updated_at: '2024-01-03 00:00:00+00', balance: '250' },
    ]);
  });
});
