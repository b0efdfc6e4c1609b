import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringifyJson } from '../../domain/json.js';
import type { FetchNextRequest, PspAccount } from '../sdk/contract.js';
import { InvalidRequestError, MissingFromPayloadError } from '../sdk/errors.js';
import { DummyPayConnector } from './connector.js';
import { standaloneContext } from '../sdk/context.js';

const NOW = new Date('2024-06-01T12:34:56.789Z');

let dir: string;
let connector: DummyPayConnector;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dummypay-'));
  const context = standaloneContext({ connectorId: 'c1', logger: pino({ level: 'silent' }) });
  connector = new DummyPayConnector({ directory: dir }, context, { now: () => NOW });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What the engine hands a child task: the parent PspAccount, serialised to JSON and parsed back. */
function fromAccount(reference: string): FetchNextRequest['fromPayload'] {
  const account: PspAccount = {
    reference,
    createdAt: new Date('2024-01-01T00:00:00Z'),
    name: 'Main',
    defaultAsset: 'EUR/2',
    metadata: {},
    raw: { id: reference },
  };
  return { id: reference, payload: JSON.parse(JSON.stringify(account)) };
}

const fetchBalances = (fromPayload: FetchNextRequest['fromPayload']) =>
  connector.fetchNextBalances({ fromPayload, state: undefined, pageSize: 25, name: 'fetch_balances' });

async function writeBalances(records: unknown[]): Promise<void> {
  await writeFile(join(dir, 'balances.json'), stringifyJson(records));
}

describe('fetchNextBalances', () => {
  it('needs the parent account', async () => {
    await writeBalances([{ account_id: 'acc-1', amount_in_minors: 100, currency: 'EUR' }]);
    await expect(fetchBalances(undefined)).rejects.toBeInstanceOf(MissingFromPayloadError);
  });

  it("returns only the parent account's balances, one per currency, stamped with the current second", async () => {
    await writeBalances([
      { account_id: 'acc-1', amount_in_minors: 12345, currency: 'EUR' },
      { account_id: 'acc-2', amount_in_minors: 999, currency: 'EUR' },
      { account_id: 'acc-1', amount_in_minors: 700, currency: 'JPY' },
    ]);
    const page = await fetchBalances(fromAccount('acc-1'));
    const createdAt = new Date('2024-06-01T12:34:56Z');
    expect(page.items).toEqual([
      { accountReference: 'acc-1', createdAt, amount: 12345n, asset: 'EUR/2' },
      { accountReference: 'acc-1', createdAt, amount: 700n, asset: 'JPY/0' },
    ]);
    expect(page.hasMore).toBe(false);
  });

  it('returns no balance at all for an account that has none', async () => {
    await writeBalances([{ account_id: 'acc-2', amount_in_minors: 1, currency: 'EUR' }]);
    const page = await fetchBalances(fromAccount('acc-1'));
    expect(page.items).toEqual([]);
    expect(page.hasMore).toBe(false);
  });

  it('keeps an amount above 2^64 exact', async () => {
    await writeFile(
      join(dir, 'balances.json'),
      '[{"account_id": "acc-1", "amount_in_minors": 18446744073709551617, "currency": "BTC/8"}]',
    );
    const page = await fetchBalances(fromAccount('acc-1'));
    expect(page.items[0]?.amount).toBe(18446744073709551617n);
    expect(page.items[0]?.asset).toBe('BTC/8');
  });

  it('keeps a negative balance', async () => {
    await writeBalances([{ account_id: 'acc-1', amount_in_minors: -250, currency: 'EUR' }]);
    expect((await fetchBalances(fromAccount('acc-1'))).items[0]?.amount).toBe(-250n);
  });

  it('accepts the parent account as JSON text too', async () => {
    await writeBalances([{ account_id: 'acc-1', amount_in_minors: 5, currency: 'EUR' }]);
    const page = await fetchBalances({ id: 'acc-1', payload: JSON.stringify({ reference: 'acc-1' }) });
    expect(page.items).toHaveLength(1);
  });

  it('rejects a parent payload without a reference', async () => {
    await expect(fetchBalances({ id: 'acc-1', payload: { name: 'x' } })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });

  it('rejects a fractional amount with an InvalidRequestError naming balances.json', async () => {
    await writeFile(
      join(dir, 'balances.json'),
      '[{"account_id": "acc-1", "amount_in_minors": 10.5, "currency": "EUR"}]',
    );
    const fetch = fetchBalances(fromAccount('acc-1'));
    await expect(fetch).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(fetch).rejects.toThrow(/balances\.json.*amount_in_minors/);
  });

  it('treats a missing balances.json as no balances', async () => {
    expect((await fetchBalances(fromAccount('acc-1'))).items).toEqual([]);
  });
});
