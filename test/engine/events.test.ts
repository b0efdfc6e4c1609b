// Outbox events: one per change, written with the rows, none when a re-fetch changed nothing.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { runSchedule } from '../../src/engine/ingestion/sync-run.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { deleteSentEvents } from '../../src/events/outbox.js';
import { parseJson, stringifyJson } from '../../src/domain/json.js';
import {
  type DummyPayData,
  updatePaymentStatus,
  writeDummyPayDirectory,
} from '../support/dummypay-fixtures.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
let deps: EngineDeps;
let dir: string;
let data: DummyPayData;
let connectorId: string;

beforeAll(async () => {
  engine = await startTestEngine();
  deps = engine.deps;
  dir = await mkdtemp(join(tmpdir(), 'pb-events-'));
  data = await writeDummyPayDirectory(dir, { accounts: 4, payments: 12, seed: 5 });
  connectorId = await installConnector(deps, 'dummypay', {
    name: 'evented',
    directory: dir,
    pollingPeriod: '1m',
  });
});
afterAll(async () => {
  await engine?.stop();
  await rm(dir, { recursive: true, force: true });
});

const run = (path: string, parent = '') => runSchedule(deps, scheduleId(connectorId, path, parent));
const events = (type: string) =>
  deps.db
    .selectFrom('outbox_events')
    .select(['id', 'entity_id', 'payload', 'status'])
    .where('connector_id', '=', connectorId)
    .where('type', '=', type)
    .orderBy('seq')
    .execute();

describe('outbox events', () => {
  it('describe each new account and payment once, in the same transaction as the rows', async () => {
    await run('fetch_accounts');
    await run('fetch_payments');
    const accounts = await events('SAVED_ACCOUNT');
    expect(accounts).toHaveLength(data.accounts.length);
    expect(accounts[0]?.status).toBe('PENDING');
    expect(accounts.map((e) => (e.payload as { reference: string }).reference).sort()).toEqual(
      data.accounts.map((a) => a.id).sort(),
    );
    const payments = await events('SAVED_PAYMENT');
    expect(payments).toHaveLength(data.payments.length);
    const first = payments[0]?.payload as Record<string, unknown>;
    expect(first).toMatchObject({ provider: 'dummypay', connectorID: connectorId });
  });

  it('are not written again when a re-fetch changed nothing', async () => {
    const before = (await events('SAVED_ACCOUNT')).length + (await events('SAVED_PAYMENT')).length;
    await run('fetch_accounts');
    await run('fetch_payments');
    expect((await events('SAVED_ACCOUNT')).length + (await events('SAVED_PAYMENT')).length).toBe(before);
  });

  it('describe a status change once, with the stored status and amount', async () => {
    const target = data.payments[3] as (typeof data.payments)[number];
    await updatePaymentStatus(dir, target.reference, 'FAILED', new Date('2030-01-01T00:00:00Z'));
    await run('fetch_payments');
    await run('fetch_payments');
    const changed = (await events('SAVED_PAYMENT')).filter(
      (e) => (e.payload as { reference: string }).reference === target.reference,
    );
    expect(changed).toHaveLength(2);
    const latest = changed[1]?.payload as { status: string; amount: number | bigint };
    expect(latest.status).toBe('FAILED');
    expect(BigInt(latest.amount)).toBe(target.amount);
  });

  it('describe an account rename once', async () => {
    const path = join(dir, 'accounts.json');
    const accounts = parseJson(await readFile(path, 'utf8')) as { id: string; name: string }[];
    (accounts[0] as { name: string }).name = 'renamed';
    await writeFile(path, stringifyJson(accounts));
    await run('fetch_accounts');
    await run('fetch_accounts');
    const renamed = (await events('SAVED_ACCOUNT')).filter(
      (e) => (e.payload as { reference: string }).reference === accounts[0]?.id,
    );
    expect(renamed.map((e) => (e.payload as { name: string }).name)).toEqual([
      data.accounts[0]?.name,
      'renamed',
    ]);
  });

  it('describe a balance when it first appears or changes, not when it is seen again unchanged', async () => {
    const account = data.accounts[0]?.id as string;
    const balances = () =>
      events('SAVED_BALANCE').then((all) =>
        all.filter(
          (e) => (e.payload as { accountID: string }).accountID.length > 0 && e.entity_id.length > 0,
        ),
      );
    await run('fetch_accounts.fetch_balances', account);
    const initial = (await balances()).length;
    expect(initial).toBe(data.balances.filter((b) => b.account_id === account).length);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // DummyPay stamps balances to the second
    await run('fetch_accounts.fetch_balances', account);
    expect((await balances()).length).toBe(initial);

    const path = join(dir, 'balances.json');
    const all = parseJson(await readFile(path, 'utf8')) as { account_id: string; amount_in_minors: bigint }[];
    const mine = all.find((b) => b.account_id === account) as { amount_in_minors: bigint };
    mine.amount_in_minors = BigInt(mine.amount_in_minors) + 1n;
    await writeFile(path, stringifyJson(all));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await run('fetch_accounts.fetch_balances', account);
    expect((await balances()).length).toBe(initial + 1);
  });

  it('are deleted once delivered and older than the retention period, and kept otherwise', async () => {
    const all = await deps.db.selectFrom('outbox_events').select('id').execute();
    const [old, recent] = all;
    await deps.db
      .updateTable('outbox_events')
      .set({ status: 'SENT', sent_at: '2020-01-01T00:00:00Z' })
      .where('id', '=', old?.id as string)
      .execute();
    await deps.db
      .updateTable('outbox_events')
      .set({ status: 'SENT', sent_at: new Date().toISOString() })
      .where('id', '=', recent?.id as string)
      .execute();
    expect(await deleteSentEvents(deps.db, 24 * 3_600_000)).toBe(1);
    const left = new Set((await deps.db.selectFrom('outbox_events').select('id').execute()).map((e) => e.id));
    expect(left.has(old?.id as string)).toBe(false);
    expect(left.has(recent?.id as string)).toBe(true);
    expect(left.size).toBe(all.length - 1); // pending events are never deleted
  });
});
