// A page's writes are set-based: the statements one page commit sends do not depend on how many rows
// the page holds. Counted on the page transaction's own connection, by wrapping pg's Client.query.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PspAccount, PspPayment } from '../../src/connectors/sdk/contract.js';
import { connectorIdCodec, type ConnectorId } from '../../src/domain/ids.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { emptyWrites, mapAccounts, mapPayments, type PageWrites } from '../../src/engine/ingestion/items.js';
import { storeWrites } from '../../src/engine/ingestion/page-commit.js';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import type { OutboxEvent } from '../../src/events/events.js';
import { insertInitiation } from '../../src/storage/payment-initiations.js';
import { writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
let deps: EngineDeps;
let dir: string;
let connector: ConnectorId;

beforeAll(async () => {
  engine = await startTestEngine();
  deps = engine.deps;
  dir = await mkdtemp(join(tmpdir(), 'pb-statements-'));
  await writeDummyPayDirectory(dir, { accounts: 1, payments: 1, seed: 3 });
  const connectorId = await installConnector(deps, 'dummypay', {
    name: 'counted',
    directory: dir,
    pollingPeriod: '1m',
  });
  connector = connectorIdCodec.decode(connectorId);
});

afterAll(async () => {
  await engine?.stop();
  await rm(dir, { recursive: true, force: true });
});

const MARKER = "SELECT 'page statements start'";

/**
 * Runs `storeWrites` in a transaction and returns the statements that transaction's connection sent
 * (the marker statement tells which connection it is; other connections of the pool are not counted).
 */
async function countedStore(writes: PageWrites): Promise<{ statements: string[]; events: OutboxEvent[] }> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let client: object | undefined;
  const statements: string[] = [];
  proto.query = function (this: object, ...args: unknown[]): unknown {
    const first = args[0];
    const text = typeof first === 'string' ? first : String((first as { text?: unknown } | null)?.text ?? '');
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the connection that sent the marker
    if (text === MARKER) client = this;
    else if (client === this) statements.push(text.trim().split(/\s+/).slice(0, 4).join(' '));
    return original.apply(this, args);
  };
  try {
    const events = await deps.db.transaction().execute(async (trx) => {
      await sql.raw(MARKER).execute(trx);
      return storeWrites(trx, connector, writes);
    });
    return { statements, events };
  } finally {
    proto.query = original;
  }
}

const merge = (...all: PageWrites[]): PageWrites => {
  const merged = emptyWrites();
  for (const writes of all) {
    for (const key of Object.keys(merged) as (keyof PageWrites)[]) {
      (merged[key] as unknown[]).push(...(writes[key] as unknown[]));
    }
  }
  return merged;
};

function accounts(prefix: string, n: number): PspAccount[] {
  return Array.from({ length: n }, (_, i) => ({
    reference: `${prefix}-acc-${i}`,
    createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)),
    name: `account ${i}`,
    defaultAsset: 'EUR/2',
    metadata: { n: String(i) },
    raw: { id: `${prefix}-acc-${i}` },
  }));
}

/** n payments, each with a refund row naming it as parent; each `round` is a newer observation with new metadata. */
function payments(prefix: string, n: number, round: number): PspPayment[] {
  const at = new Date(Date.UTC(2024, 0, 2, round));
  return Array.from({ length: n }, (_, i): PspPayment[] => [
    {
      reference: `${prefix}-pay-${i}`,
      createdAt: new Date(Date.UTC(2024, 0, 2)),
      updatedAt: at,
      type: 'PAY-IN',
      amount: 1000n + BigInt(i),
      asset: 'EUR/2',
      scheme: 'OTHER',
      status: 'SUCCEEDED',
      sourceAccountReference: `${prefix}-acc-${i}`,
      metadata: { round: String(round) },
      raw: { id: `${prefix}-pay-${i}`, round, note: 'a "quoted" \\ value' },
    },
    {
      reference: `${prefix}-refund-${i}-${round}`,
      parentReference: `${prefix}-pay-${i}`,
      // Older than the payment's observation: the payment's status stays SUCCEEDED.
      createdAt: new Date(at.getTime() - 60_000),
      type: 'PAY-IN',
      amount: 1n,
      asset: 'EUR/2',
      scheme: 'OTHER',
      status: 'REFUNDED',
      raw: { id: `${prefix}-refund-${i}-${round}` },
    },
  ]).flat();
}

/**
 * n processed payouts, each waiting on the PSP's id `${prefix}-pay-${i}` (the payment the page brings):
 * the page links each to its payment, which confirms the status the initiation already has.
 */
async function processedPayouts(prefix: string, n: number): Promise<void> {
  const connectorId = connectorIdCodec.encode(connector);
  for (let i = 0; i < n; i++) {
    await insertInitiation(deps.db, {
      id: `${prefix}-initiation-${i}`,
      connectorId,
      reference: `${prefix}-initiation-${i}`,
      scheduledAt: null,
      description: '',
      type: 'PAYOUT',
      sourceAccountId: null,
      destinationAccountId: null,
      amount: 1000n + BigInt(i),
      asset: 'EUR/2',
      metadata: {},
      status: 'PROCESSED',
    });
  }
  await deps.db
    .updateTable('payment_initiations')
    .set((eb) => ({ polling_id: eb.fn('replace', ['reference', eb.val('-initiation-'), eb.val('-pay-')]) }))
    .where('reference', 'like', `${prefix}-initiation-%`)
    .execute();
}

/** The statements of a new page and then of an update of it, for a page of n of each row. */
async function statementsFor(n: number) {
  const prefix = `n${n}`;
  await processedPayouts(prefix, n);
  const created = await countedStore(
    merge(
      mapAccounts(connector, 'INTERNAL', accounts(prefix, n)),
      mapPayments(connector, payments(prefix, n, 0)),
    ),
  );
  const updated = await countedStore(mapPayments(connector, payments(prefix, n, 1)));
  const replayed = await countedStore(mapPayments(connector, payments(prefix, n, 1)));
  return { created, updated, replayed };
}

describe('page commit statements', () => {
  it('sends the same statements for a page of 1 row of each kind as for a page of 100', async () => {
    const one = await statementsFor(1);
    const hundred = await statementsFor(100);

    // The writes happened, in proportion to the page: one event per account, per new adjustment, ...
    expect(one.created.events.length).toBeGreaterThan(0);
    expect(hundred.created.events).toHaveLength(one.created.events.length * 100);
    expect(hundred.updated.events).toHaveLength(one.updated.events.length * 100);
    expect(one.replayed.events).toHaveLength(0);
    // Each payment was linked to its initiation, which it left where it was.
    const linked = (events: OutboxEvent[]) =>
      events.filter((e) => e.type === 'SAVED_PAYMENT_INITIATION_RELATED_PAYMENT').length;
    expect(linked(hundred.created.events)).toBe(100);
    expect(linked(one.created.events)).toBe(1);
    expect(hundred.created.events.some((e) => e.type === 'SAVED_PAYMENT_INITIATION_ADJUSTMENT')).toBe(false);

    // ... with the same statements however many rows the page holds.
    expect(hundred.created.statements).toEqual(one.created.statements);
    expect(hundred.updated.statements).toEqual(one.updated.statements);
    expect(hundred.replayed.statements).toEqual(one.replayed.statements);
    expect(one.created.statements.length).toBeGreaterThan(0);
    // One statement per kind of row: accounts, payments, refund rows, adjustments with their effect,
    // initiation links, events (the page's cursor and schedules are the caller's).
    expect(one.created.statements.length).toBeLessThanOrEqual(6);
  });

  it('takes the merged writes of several runs of one connector, with rows they share written once', async () => {
    const first = merge(
      mapAccounts(connector, 'INTERNAL', accounts('merged', 3)),
      mapPayments(connector, payments('merged', 3, 0)),
    );
    const second = merge(
      mapAccounts(connector, 'INTERNAL', accounts('merged', 2)),
      mapPayments(connector, payments('merged', 2, 0)),
    );
    const { events } = await countedStore(merge(first, second));
    const alone = await countedStore(first);
    // The same rows as the first run's writes alone would have written: the second run's copies add nothing.
    expect(events.map((e) => e.id).sort()).toEqual([...new Set(events.map((e) => e.id))].sort());
    expect(events.filter((e) => e.type === 'SAVED_ACCOUNT')).toHaveLength(3);
    expect(alone.events).toHaveLength(0);
  });
});
