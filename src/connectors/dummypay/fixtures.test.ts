import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeDummyPayDirectory, type DummyPayData } from '../../../test/support/dummypay-fixtures.js';
import type { PspAccount, PspPayment } from '../sdk/contract.js';
import { DummyPayConnector } from './connector.js';
import { standaloneContext } from '../sdk/context.js';

const FILES = ['accounts.json', 'balances.json', 'external_accounts.json', 'payments.json'];

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dummypay-fixtures-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function filesOf(dir: string): Promise<string[]> {
  return Promise.all(FILES.map((file) => readFile(join(dir, file), 'utf8')));
}

async function drain<T>(
  fetch: (state: unknown) => Promise<{ items: T[]; newState: unknown; hasMore: boolean }>,
): Promise<T[]> {
  const items: T[] = [];
  let state: unknown;
  for (;;) {
    const page = await fetch(state);
    items.push(...page.items);
    state = page.newState;
    if (!page.hasMore) return items;
  }
}

describe('writeDummyPayDirectory', () => {
  it('writes the same files for the same seed and different ones for another seed', async () => {
    const options = { accounts: 6, payments: 40 };
    await writeDummyPayDirectory(join(root, 'a'), { ...options, seed: 11 });
    await writeDummyPayDirectory(join(root, 'b'), { ...options, seed: 11 });
    await writeDummyPayDirectory(join(root, 'c'), { ...options, seed: 12 });
    expect(await filesOf(join(root, 'b'))).toEqual(await filesOf(join(root, 'a')));
    expect(await filesOf(join(root, 'c'))).not.toEqual(await filesOf(join(root, 'a')));
  });

  it('covers the currencies, types, statuses, ties and huge amounts the tests rely on', async () => {
    const data = await writeDummyPayDirectory(join(root, 'd'), { accounts: 8, payments: 60, seed: 5 });
    const currencies = new Set([...data.accounts, ...data.payments].map((record) => record.currency));
    expect([...currencies]).toEqual(expect.arrayContaining(['EUR', 'USD', 'JPY', 'BTC/8']));
    expect(new Set(data.payments.map((payment) => payment.type))).toEqual(
      new Set(['PAY-IN', 'PAYOUT', 'TRANSFER', 'OTHER']),
    );
    expect(new Set(data.payments.map((payment) => payment.status)).size).toBeGreaterThanOrEqual(3);
    expect(data.payments.some((payment) => payment.source_account_id && payment.destination_account_id)).toBe(
      true,
    );
    const createdAts = data.payments.map((payment) => payment.created_at);
    expect(new Set(createdAts).size).toBeLessThan(createdAts.length);
    const amounts = [...data.payments.map((p) => p.amount), ...data.balances.map((b) => b.amount_in_minors)];
    expect(amounts).toEqual(expect.arrayContaining([18446744073709551615n, 9007199254740993n]));
    expect(data.externalAccounts).toHaveLength(4);
  });

  it('writes exactly what it returns, as the connector reads it back', async () => {
    const dir = join(root, 'e');
    const data: DummyPayData = await writeDummyPayDirectory(dir, {
      accounts: 30,
      payments: 80,
      externalAccounts: 3,
      seed: 9,
    });
    const connector = new DummyPayConnector(
      { directory: dir },
      standaloneContext({ connectorId: 'c1', logger: pino({ level: 'silent' }) }),
    );
    const request = (name: string) => (state: unknown) => ({ state, pageSize: 25, name });

    const accounts = await drain<PspAccount>((s) =>
      connector.fetchNextAccounts(request('fetch_accounts')(s)),
    );
    expect(accounts.map((account) => account.reference)).toEqual(data.accounts.map((account) => account.id));

    const external = await drain<PspAccount>((s) =>
      connector.fetchNextExternalAccounts(request('fetch_external_accounts')(s)),
    );
    expect(external.map((account) => account.reference)).toEqual(
      data.externalAccounts.map((account) => account.id),
    );

    const payments = await drain<PspPayment>((s) =>
      connector.fetchNextPayments(request('fetch_payments')(s)),
    );
    expect(payments.map((payment) => [payment.reference, payment.amount, payment.status])).toEqual(
      data.payments.map((payment) => [payment.reference, payment.amount, payment.status]),
    );

    for (const account of accounts) {
      const page = await connector.fetchNextBalances({
        fromPayload: { id: account.reference, payload: JSON.parse(JSON.stringify(account)) },
        state: undefined,
        pageSize: 25,
        name: 'fetch_balances',
      });
      const expected = data.balances.filter((balance) => balance.account_id === account.reference);
      expect(page.items.map((balance) => balance.amount)).toEqual(
        expected.map((balance) => balance.amount_in_minors),
      );
    }
  });
});
