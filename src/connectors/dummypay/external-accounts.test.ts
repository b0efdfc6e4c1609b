import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../sdk/errors.js';
import { DummyPayConnector } from './connector.js';
import { standaloneContext } from '../sdk/context.js';

let dir: string;
let connector: DummyPayConnector;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dummypay-'));
  connector = new DummyPayConnector(
    { directory: dir },
    standaloneContext({ connectorId: 'c1', logger: pino({ level: 'silent' }) }),
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fetchExternal = (state: unknown, pageSize: number) =>
  connector.fetchNextExternalAccounts({ state, pageSize, name: 'fetch_external_accounts' });

describe('fetchNextExternalAccounts', () => {
  it('maps created_at to createdAt and the currency to the default asset', async () => {
    const record = { id: 'ext-1', name: 'Supplier', created_at: '2024-02-02T12:00:00Z', currency: 'usd' };
    await writeFile(join(dir, 'external_accounts.json'), JSON.stringify([record]));
    const { items } = await fetchExternal(undefined, 25);
    expect(items).toEqual([
      {
        reference: 'ext-1',
        createdAt: new Date('2024-02-02T12:00:00Z'),
        name: 'Supplier',
        defaultAsset: 'USD/2',
        metadata: {},
        raw: record,
      },
    ]);
  });

  it('pages through external accounts exactly once per pass', async () => {
    const records = Array.from({ length: 7 }, (_, i) => ({
      id: `ext-${i}`,
      name: `External ${i}`,
      created_at: '2024-02-02T12:00:00Z',
      currency: 'EUR',
    }));
    await writeFile(join(dir, 'external_accounts.json'), JSON.stringify(records));
    const first = await fetchExternal(undefined, 4);
    const second = await fetchExternal(first.newState, 4);
    expect([...first.items, ...second.items].map((account) => account.reference)).toEqual(
      records.map((record) => record.id),
    );
    expect(first.hasMore).toBe(true);
    expect(second).toMatchObject({ hasMore: false, newState: null });
  });

  it('does not read accounts.json', async () => {
    await writeFile(
      join(dir, 'accounts.json'),
      JSON.stringify([{ id: 'acc-1', name: 'x', opening_date: '2024-01-01T00:00:00Z', currency: 'EUR' }]),
    );
    expect((await fetchExternal(undefined, 25)).items).toEqual([]);
  });

  it('rejects a malformed external_accounts.json with an InvalidRequestError naming it', async () => {
    await writeFile(join(dir, 'external_accounts.json'), '{"id": "ext-1"}');
    const fetch = fetchExternal(undefined, 25);
    await expect(fetch).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(fetch).rejects.toThrow('external_accounts.json');
  });
});
