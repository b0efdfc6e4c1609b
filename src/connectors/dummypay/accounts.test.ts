import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PspAccount } from '../sdk/contract.js';
import { InvalidRequestError } from '../sdk/errors.js';
import { DummyPayConnector } from './connector.js';
import { standaloneContext } from '../sdk/context.js';

let dir: string;
let warnings: Record<string, unknown>[];
let connector: DummyPayConnector;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dummypay-'));
  warnings = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
  connector = new DummyPayConnector({ directory: dir }, standaloneContext({ connectorId: 'c1', logger }));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function accountRecords(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: `acc-${i}`,
    name: `Account ${i}`,
    opening_date: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
    currency: 'EUR',
  }));
}

const fetchAccounts = (state: unknown, pageSize: number) =>
  connector.fetchNextAccounts({ state, pageSize, name: 'fetch_accounts' });

describe('fetchNextAccounts', () => {
  it('pages through every account exactly once, then restarts from the top', async () => {
    await writeFile(join(dir, 'accounts.json'), JSON.stringify(accountRecords(23)));
    const seen: string[] = [];
    const states: unknown[] = [];
    let state: unknown = undefined;
    let hasMore = true;
    while (hasMore) {
      const page = await fetchAccounts(state, 5);
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.items.map((account) => account.reference));
      ({ newState: state, hasMore } = page);
      states.push(state);
    }
    expect(seen).toEqual(accountRecords(23).map((record) => record.id));
    expect(states).toEqual([{ next: 5 }, { next: 10 }, { next: 15 }, { next: 20 }, null]);

    const nextPoll = await fetchAccounts(state, 5);
    expect(nextPoll.items.map((account) => account.reference)).toEqual([
      'acc-0',
      'acc-1',
      'acc-2',
      'acc-3',
      'acc-4',
    ]);
  });

  it('says there is nothing more when the last page ends exactly at the end of the file', async () => {
    await writeFile(join(dir, 'accounts.json'), JSON.stringify(accountRecords(10)));
    const first = await fetchAccounts(undefined, 5);
    expect(first).toMatchObject({ hasMore: true, newState: { next: 5 } });
    const second = await fetchAccounts(first.newState, 5);
    expect(second.items).toHaveLength(5);
    expect(second).toMatchObject({ hasMore: false, newState: null });
  });

  it('sees an account appended after a pass on the very next poll', async () => {
    await writeFile(join(dir, 'accounts.json'), JSON.stringify(accountRecords(3)));
    const pass = await fetchAccounts(undefined, 25);
    expect(pass.hasMore).toBe(false);
    await writeFile(join(dir, 'accounts.json'), JSON.stringify(accountRecords(4)));
    const next = await fetchAccounts(pass.newState, 25);
    expect(next.items.map((account) => account.reference)).toContain('acc-3');
  });

  it('never returns more than 25 accounts in one page, whatever page size is asked for', async () => {
    await writeFile(join(dir, 'accounts.json'), JSON.stringify(accountRecords(30)));
    const page = await fetchAccounts(undefined, 1000);
    expect(page.items).toHaveLength(25);
    expect(page).toMatchObject({ hasMore: true, newState: { next: 25 } });
  });

  it('ends the pass with an empty page when the file shrank below the saved cursor', async () => {
    await writeFile(join(dir, 'accounts.json'), JSON.stringify(accountRecords(2)));
    const page = await fetchAccounts({ next: 20 }, 5);
    expect(page).toEqual({ items: [], skipped: [], hasMore: false, newState: null });
  });

  it('maps a record to a PspAccount and keeps the record itself as raw', async () => {
    const record = {
      id: 'acc-1',
      name: 'Main',
      opening_date: '2024-03-01T10:00:00+02:00',
      currency: 'JPY',
      extra: 'kept',
    };
    await writeFile(
      join(dir, 'accounts.json'),
      JSON.stringify([record, { ...record, id: 'acc-2', currency: 'BTC/8' }]),
    );
    const { items } = await fetchAccounts(undefined, 25);
    expect(items[0]).toEqual<PspAccount>({
      reference: 'acc-1',
      createdAt: new Date('2024-03-01T08:00:00Z'),
      name: 'Main',
      defaultAsset: 'JPY/0',
      metadata: {},
      raw: record,
    });
    expect(items[1]?.defaultAsset).toBe('BTC/8');
  });

  it('leaves out an account it cannot map, logs a warning, and returns the others', async () => {
    const records = accountRecords(3);
    records[1] = { ...records[1]!, currency: 'NOTACURRENCY' };
    await writeFile(join(dir, 'accounts.json'), JSON.stringify(records));
    const page = await fetchAccounts(undefined, 25);
    expect(page.items.map((account) => account.reference)).toEqual(['acc-0', 'acc-2']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ record: { id: 'acc-1' }, file: 'accounts.json' });
    expect(String(warnings[0]?.reason)).toContain('NOTACURRENCY');
    expect(page.skipped).toEqual([{ reference: 'acc-1', reason: 'unknown currency "NOTACURRENCY"' }]);
  });

  it('leaves out an account whose opening date is not an RFC 3339 timestamp', async () => {
    const records = accountRecords(2);
    records[0] = { ...records[0]!, opening_date: 'yesterday' };
    await writeFile(join(dir, 'accounts.json'), JSON.stringify(records));
    const page = await fetchAccounts(undefined, 25);
    expect(page.items.map((account) => account.reference)).toEqual(['acc-1']);
    expect(warnings).toHaveLength(1);
  });

  it('treats a missing accounts.json as no accounts', async () => {
    expect(await fetchAccounts(undefined, 25)).toEqual({
      items: [],
      skipped: [],
      hasMore: false,
      newState: null,
    });
  });

  it('rejects malformed JSON with an InvalidRequestError naming the file', async () => {
    await writeFile(join(dir, 'accounts.json'), '[{"id": "acc-1",');
    const fetch = fetchAccounts(undefined, 25);
    await expect(fetch).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(fetch).rejects.toThrow('accounts.json');
  });

  it('rejects a record of the wrong shape with an InvalidRequestError naming the file and the field', async () => {
    await writeFile(
      join(dir, 'accounts.json'),
      JSON.stringify([{ id: 7, opening_date: '2024-01-01T00:00:00Z' }]),
    );
    const fetch = fetchAccounts(undefined, 25);
    await expect(fetch).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(fetch).rejects.toThrow(/accounts\.json.*\[0\]\.id/);
  });

  it('rejects a state that is not a cursor', async () => {
    await expect(fetchAccounts({ nextToken: 'abc' }, 25)).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(fetchAccounts({ next: -1 }, 25)).rejects.toBeInstanceOf(InvalidRequestError);
  });
});
