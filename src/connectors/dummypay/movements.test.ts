import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../domain/json.js';
import type {
  CreateTransferRequest,
  PspAccount,
  PspPayment,
  PspPaymentInitiation,
  ReverseTransferRequest,
} from '../sdk/contract.js';
import { InvalidRequestError, UpstreamTimeoutError } from '../sdk/errors.js';
import { DummyPayConnector } from './connector.js';
import {
  readDummyPayBehaviour,
  readDummyPayMovements,
  readDummyPayRequests,
  setDummyPayBehaviour,
  setDummyPayPaymentStatus,
} from './psp-files.js';
import { standaloneContext } from '../sdk/context.js';

const NOW = new Date('2024-06-01T12:00:00.000Z');

let dir: string;
let connector: DummyPayConnector;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dummypay-writes-'));
  const context = standaloneContext({ connectorId: 'c1', logger: pino({ level: 'silent' }) });
  connector = new DummyPayConnector({ directory: dir }, context, { now: () => NOW });
  await writeBalances([
    { account_id: 'acc-1', amount_in_minors: 10000, currency: 'EUR' },
    { account_id: 'acc-2', amount_in_minors: 500, currency: 'EUR' },
    { account_id: 'acc-3', amount_in_minors: 100, currency: 'USD' },
  ]);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeBalances(records: unknown[]): Promise<void> {
  await writeFile(join(dir, 'balances.json'), stringifyJson(records));
}

async function readBalances(): Promise<unknown> {
  return parseJson(await readFile(join(dir, 'balances.json'), 'utf8'));
}

/** Each account's amount in balances.json, in file order. */
async function amounts(): Promise<Record<string, number | bigint>> {
  const records = (await readBalances()) as { account_id: string; amount_in_minors: number | bigint }[];
  return Object.fromEntries(records.map((record) => [record.account_id, record.amount_in_minors]));
}

function account(reference: string): PspAccount {
  return { reference, createdAt: new Date('2024-01-01T00:00:00Z'), metadata: {}, raw: {} };
}

function initiation(overrides: Partial<PspPaymentInitiation> = {}): PspPaymentInitiation {
  return {
    reference: 'pi-1',
    createdAt: new Date('2024-06-01T11:00:00Z'),
    description: 'rent',
    sourceAccount: account('acc-1'),
    destinationAccount: account('acc-2'),
    amount: 1000n,
    asset: 'EUR/2',
    metadata: {},
    ...overrides,
  };
}

function transfer(
  idempotencyKey: string,
  overrides: Partial<PspPaymentInitiation> = {},
): CreateTransferRequest {
  return { idempotencyKey, paymentInitiation: initiation(overrides) };
}

function reversal(
  idempotencyKey: string,
  amount: bigint,
  related: Partial<PspPaymentInitiation> = {},
): ReverseTransferRequest {
  return {
    idempotencyKey,
    paymentInitiationReversal: {
      reference: `rev-${idempotencyKey}`,
      createdAt: new Date('2024-06-02T00:00:00Z'),
      description: 'refund',
      relatedPaymentInitiation: initiation(related),
      amount,
      asset: 'EUR/2',
      metadata: {},
    },
  };
}

async function fetchedPayments(): Promise<PspPayment[]> {
  const page = await connector.fetchNextPayments({ state: undefined, pageSize: 25, name: 'fetch_payments' });
  return page.items;
}

async function outcomes(): Promise<[string, string | null, string][]> {
  return (await readDummyPayRequests(dir)).map((line) => [line.kind, line.idempotencyKey, line.outcome]);
}

describe('createTransfer and createPayout', () => {
  it('moves the money and answers with a SUCCEEDED payment whose reference comes from the key', async () => {
    const { payment, pollingId } = await connector.createTransfer(transfer('k1'));
    expect(pollingId).toBeUndefined();
    expect(payment).toMatchObject({
      reference: 'dp-transfer-k1',
      createdAt: NOW,
      updatedAt: NOW,
      type: 'TRANSFER',
      amount: 1000n,
      asset: 'EUR/2',
      scheme: 'OTHER',
      status: 'SUCCEEDED',
      sourceAccountReference: 'acc-1',
      destinationAccountReference: 'acc-2',
    });
    expect(payment?.parentReference).toBeUndefined();
    expect(await amounts()).toEqual({ 'acc-1': 9000, 'acc-2': 1500, 'acc-3': 100 });
    expect(await outcomes()).toEqual([['transfer', 'k1', 'created']]);
  });

  it('replays the stored answer for the same key and request without moving money again, logging both calls', async () => {
    const first = await connector.createTransfer(transfer('k1'));
    const second = await connector.createTransfer(transfer('k1'));
    expect(second).toEqual(first);
    expect(await amounts()).toEqual({ 'acc-1': 9000, 'acc-2': 1500, 'acc-3': 100 });
    expect(await fetchedPayments()).toHaveLength(1);
    expect(await readDummyPayMovements(dir)).toHaveLength(1);
    expect(await outcomes()).toEqual([
      ['transfer', 'k1', 'created'],
      ['transfer', 'k1', 'replayed'],
    ]);
  });

  it('refuses the same key with a different request, and moves nothing more', async () => {
    await connector.createTransfer(transfer('k1'));
    const changed = connector.createTransfer(transfer('k1', { amount: 2000n }));
    await expect(changed).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(changed).rejects.toThrow('already used for a different request');
    await expect(connector.createPayout(transfer('k1'))).rejects.toBeInstanceOf(InvalidRequestError);
    expect(await amounts()).toEqual({ 'acc-1': 9000, 'acc-2': 1500, 'acc-3': 100 });
    expect(await outcomes()).toEqual([
      ['transfer', 'k1', 'created'],
      ['transfer', 'k1', 'refused'],
      ['payout', 'k1', 'refused'],
    ]);
  });

  it('refuses a request without an idempotency key before touching any file', async () => {
    const before = await readdir(dir);
    await expect(connector.createPayout(transfer(''))).rejects.toBeInstanceOf(InvalidRequestError);
    expect(await readdir(dir)).toEqual(before);
  });

  it('refuses a payout beyond the source balance, moving nothing and writing no payment', async () => {
    const payout = connector.createPayout(
      transfer('k1', { sourceAccount: account('acc-2'), destinationAccount: account('ext-1'), amount: 501n }),
    );
    await expect(payout).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(payout).rejects.toThrow('insufficient funds');
    expect(await amounts()).toEqual({ 'acc-1': 10000, 'acc-2': 500, 'acc-3': 100 });
    expect(await fetchedPayments()).toEqual([]);
    expect(await readDummyPayMovements(dir)).toEqual([]);
    expect(await outcomes()).toEqual([['payout', 'k1', 'refused']]);
  });

  it('accepts, after a refusal, the same key once the request can be honoured', async () => {
    const request = transfer('k1', { sourceAccount: account('acc-2'), amount: 600n });
    await expect(connector.createTransfer(request)).rejects.toThrow('insufficient funds');
    await writeBalances([
      { account_id: 'acc-1', amount_in_minors: 10000, currency: 'EUR' },
      { account_id: 'acc-2', amount_in_minors: 600, currency: 'EUR' },
    ]);
    expect((await connector.createTransfer(request)).payment?.status).toBe('SUCCEEDED');
    expect(await amounts()).toEqual({ 'acc-1': 10000, 'acc-2': 600 });
  });

  it('refuses a source account that holds no balance in the asset', async () => {
    const wrongCurrency = connector.createTransfer(transfer('k1', { sourceAccount: account('acc-3') }));
    await expect(wrongCurrency).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(wrongCurrency).rejects.toThrow('unknown source account');
    await expect(
      connector.createTransfer(transfer('k2', { sourceAccount: account('nowhere') })),
    ).rejects.toThrow('unknown source account');
    expect(await amounts()).toEqual({ 'acc-1': 10000, 'acc-2': 500, 'acc-3': 100 });
  });

  it('refuses a non-positive amount and an asset without its precision', async () => {
    await expect(connector.createTransfer(transfer('k1', { amount: 0n }))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    await expect(connector.createTransfer(transfer('k2', { asset: 'EUR' }))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    expect(await readDummyPayMovements(dir)).toEqual([]);
  });

  it('debits only the source of a payout, even when its destination holds a balance', async () => {
    const { payment } = await connector.createPayout(transfer('k1'));
    expect(payment).toMatchObject({ reference: 'dp-payout-k1', type: 'PAYOUT', status: 'SUCCEEDED' });
    expect(await amounts()).toEqual({ 'acc-1': 9000, 'acc-2': 500, 'acc-3': 100 });
  });

  it('moves money without a source account, and without a destination balance, crediting nothing it does not hold', async () => {
    await connector.createTransfer(
      transfer('k1', { sourceAccount: undefined, destinationAccount: account('elsewhere') }),
    );
    expect(await amounts()).toEqual({ 'acc-1': 10000, 'acc-2': 500, 'acc-3': 100 });
    const [payment] = await fetchedPayments();
    expect(payment?.sourceAccountReference).toBeUndefined();
    expect(payment?.destinationAccountReference).toBe('elsewhere');
  });

  it('updates balances.json entries in place, keeping their order, the other entries and extra fields', async () => {
    await writeBalances([
      { account_id: 'acc-0', amount_in_minors: 1, currency: 'JPY', note: 'untouched' },
      { account_id: 'acc-1', amount_in_minors: 10000, currency: 'EUR', note: 'source' },
      { account_id: 'acc-1', amount_in_minors: 7, currency: 'USD' },
      { account_id: 'acc-2', amount_in_minors: 500, currency: 'EUR/2' },
    ]);
    await connector.createTransfer(transfer('k1'));
    expect(await readBalances()).toEqual([
      { account_id: 'acc-0', amount_in_minors: 1, currency: 'JPY', note: 'untouched' },
      { account_id: 'acc-1', amount_in_minors: 9000, currency: 'EUR', note: 'source' },
      { account_id: 'acc-1', amount_in_minors: 7, currency: 'USD' },
      { account_id: 'acc-2', amount_in_minors: 1500, currency: 'EUR/2' },
    ]);
  });

  it('keeps amounts above 2^53 exact', async () => {
    await writeFile(
      join(dir, 'balances.json'),
      '[{"account_id": "acc-1", "amount_in_minors": 18446744073709551617, "currency": "BTC/8"}]',
    );
    const { payment } = await connector.createPayout(
      transfer('k1', { asset: 'BTC/8', amount: 9007199254740993n, destinationAccount: account('ext-1') }),
    );
    expect(payment?.amount).toBe(9007199254740993n);
    expect(await amounts()).toEqual({ 'acc-1': 18446744073709551617n - 9007199254740993n });
  });

  it('runs concurrent writes one at a time: one key moves money once, and funds cannot be spent twice', async () => {
    const sameKey = await Promise.all([1, 2, 3].map(() => connector.createTransfer(transfer('k1'))));
    expect(new Set(sameKey.map((answer) => answer.payment?.reference))).toEqual(new Set(['dp-transfer-k1']));
    expect(await amounts()).toEqual({ 'acc-1': 9000, 'acc-2': 1500, 'acc-3': 100 });

    const spend = (key: string) =>
      connector.createPayout(transfer(key, { sourceAccount: account('acc-2'), amount: 1000n }));
    const results = await Promise.allSettled([spend('a'), spend('b')]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await amounts()).toEqual({ 'acc-1': 9000, 'acc-2': 500, 'acc-3': 100 });
  });
});

describe('polling settlement', () => {
  beforeEach(async () => {
    await setDummyPayBehaviour(dir, { settlement: 'polling' });
  });

  it('writes a PENDING payment, answers with its reference, and polls nothing until its status changes', async () => {
    const answer = await connector.createPayout(transfer('k1'));
    expect(answer).toEqual({ pollingId: 'dp-payout-k1' });
    expect(await amounts()).toEqual({ 'acc-1': 9000, 'acc-2': 500, 'acc-3': 100 });
    expect(await connector.pollPayoutStatus({ pollingId: 'dp-payout-k1' })).toEqual({});

    const settledAt = new Date('2024-06-01T12:05:00Z');
    await setDummyPayPaymentStatus(dir, 'dp-payout-k1', 'SUCCEEDED', settledAt);
    const { payment } = await connector.pollPayoutStatus({ pollingId: 'dp-payout-k1' });
    expect(payment).toMatchObject({
      reference: 'dp-payout-k1',
      type: 'PAYOUT',
      status: 'SUCCEEDED',
      createdAt: NOW,
      updatedAt: settledAt,
      amount: 1000n,
    });
    expect(await fetchedPayments()).toEqual([payment]);
    expect(
      (await readDummyPayRequests(dir)).map((line) => [line.kind, line.pollingId, line.outcome]),
    ).toEqual([
      ['payout', undefined, 'pending'],
      ['poll-payout', 'dp-payout-k1', 'pending'],
      ['poll-payout', 'dp-payout-k1', 'settled'],
    ]);
  });

  it('reports a failed payment as soon as its status says so', async () => {
    await connector.createTransfer(transfer('k1'));
    await setDummyPayPaymentStatus(dir, 'dp-transfer-k1', 'FAILED');
    const { payment } = await connector.pollTransferStatus({ pollingId: 'dp-transfer-k1' });
    expect(payment?.status).toBe('FAILED');
  });

  it('replays the polling id for the same key', async () => {
    await connector.createTransfer(transfer('k1'));
    expect(await connector.createTransfer(transfer('k1'))).toEqual({ pollingId: 'dp-transfer-k1' });
    expect(await amounts()).toEqual({ 'acc-1': 9000, 'acc-2': 1500, 'acc-3': 100 });
  });

  it('refuses to poll an unknown reference, or a payout as a transfer', async () => {
    await connector.createPayout(transfer('k1'));
    await expect(connector.pollTransferStatus({ pollingId: 'nope' })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    await expect(connector.pollTransferStatus({ pollingId: 'dp-payout-k1' })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    expect((await readDummyPayRequests(dir)).map((line) => line.outcome)).toEqual([
      'pending',
      'refused',
      'refused',
    ]);
  });
});

describe('lost answers', () => {
  it('performs the write, then throws a timeout; a replay of the key returns the stored answer', async () => {
    await setDummyPayBehaviour(dir, { loseAnswers: 1 });
    await expect(connector.createTransfer(transfer('k1'))).rejects.toBeInstanceOf(UpstreamTimeoutError);
    expect(await amounts()).toEqual({ 'acc-1': 9000, 'acc-2': 1500, 'acc-3': 100 });
    expect((await readDummyPayBehaviour(dir)).loseAnswers).toBe(0);

    const { payment } = await connector.createTransfer(transfer('k1'));
    expect(payment).toMatchObject({ reference: 'dp-transfer-k1', status: 'SUCCEEDED' });
    expect(await fetchedPayments()).toEqual([payment]);
    expect(await amounts()).toEqual({ 'acc-1': 9000, 'acc-2': 1500, 'acc-3': 100 });
    expect(await outcomes()).toEqual([
      ['transfer', 'k1', 'lost'],
      ['transfer', 'k1', 'replayed'],
    ]);
  });

  it('loses exactly the next N answers of writes that move money, not refusals or replays', async () => {
    await setDummyPayBehaviour(dir, { loseAnswers: 2 });
    await expect(connector.createPayout(transfer('big', { amount: 99999n }))).rejects.toThrow(
      'insufficient funds',
    );
    await expect(connector.createPayout(transfer('a'))).rejects.toBeInstanceOf(UpstreamTimeoutError);
    await expect(connector.createPayout(transfer('a'))).resolves.toHaveProperty('payment');
    await expect(connector.createPayout(transfer('b'))).rejects.toBeInstanceOf(UpstreamTimeoutError);
    await expect(connector.createPayout(transfer('c'))).resolves.toHaveProperty('payment');
    expect(await amounts()).toEqual({ 'acc-1': 7000, 'acc-2': 500, 'acc-3': 100 });
    expect((await readDummyPayRequests(dir)).map((line) => line.outcome)).toEqual([
      'refused',
      'lost',
      'replayed',
      'lost',
      'created',
    ]);
  });
});

describe('reversals', () => {
  it('reverses a transfer partly and then fully, answering with REFUNDED adjustments of the original', async () => {
    const { payment: original } = await connector.createTransfer(transfer('k1'));

    const partial = await connector.reverseTransfer(reversal('r1', 400n));
    expect(partial.payment).toMatchObject({
      reference: 'dp-reverse-transfer-r1',
      parentReference: original?.reference,
      type: 'TRANSFER',
      status: 'REFUNDED',
      amount: 400n,
      asset: 'EUR/2',
      sourceAccountReference: 'acc-1',
      destinationAccountReference: 'acc-2',
    });
    expect(await amounts()).toEqual({ 'acc-1': 9400, 'acc-2': 1100, 'acc-3': 100 });

    await connector.reverseTransfer(reversal('r2', 600n));
    expect(await amounts()).toEqual({ 'acc-1': 10000, 'acc-2': 500, 'acc-3': 100 });
    const movements = await readDummyPayMovements(dir);
    expect(movements.find((movement) => movement.idempotencyKey === 'k1')?.reversed).toBe(1000n);
  });

  it('refuses to reverse more than is left, moving nothing', async () => {
    await connector.createTransfer(transfer('k1'));
    await connector.reverseTransfer(reversal('r1', 600n));
    const over = connector.reverseTransfer(reversal('r2', 401n));
    await expect(over).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(over).rejects.toThrow('exceed');
    expect(await amounts()).toEqual({ 'acc-1': 9600, 'acc-2': 900, 'acc-3': 100 });
    expect(await fetchedPayments()).toHaveLength(2);
  });

  it('replays a reversal for the same key without reversing twice', async () => {
    await connector.createTransfer(transfer('k1'));
    const first = await connector.reverseTransfer(reversal('r1', 300n));
    expect(await connector.reverseTransfer(reversal('r1', 300n))).toEqual(first);
    expect(await amounts()).toEqual({ 'acc-1': 9300, 'acc-2': 1200, 'acc-3': 100 });
    expect(await outcomes()).toEqual([
      ['transfer', 'k1', 'created'],
      ['reverse-transfer', 'r1', 'created'],
      ['reverse-transfer', 'r1', 'replayed'],
    ]);
  });

  it('refuses a reversal of an unknown payment initiation, or of a transfer as a payout', async () => {
    await connector.createTransfer(transfer('k1'));
    await expect(connector.reverseTransfer(reversal('r1', 1n, { reference: 'pi-x' }))).rejects.toThrow(
      'no transfer for payment initiation "pi-x"',
    );
    await expect(connector.reversePayout(reversal('r2', 1n))).rejects.toBeInstanceOf(InvalidRequestError);
    expect(await amounts()).toEqual({ 'acc-1': 9000, 'acc-2': 1500, 'acc-3': 100 });
  });

  it('reverses a payout by crediting its source only', async () => {
    await connector.createPayout(transfer('k1'));
    const { payment } = await connector.reversePayout(reversal('r1', 1000n));
    expect(payment).toMatchObject({ type: 'PAYOUT', status: 'REFUNDED', parentReference: 'dp-payout-k1' });
    expect(await amounts()).toEqual({ 'acc-1': 10000, 'acc-2': 500, 'acc-3': 100 });
  });

  it('refuses to reverse a transfer whose destination no longer holds the amount', async () => {
    await connector.createTransfer(transfer('k1'));
    await writeBalances([
      { account_id: 'acc-1', amount_in_minors: 9000, currency: 'EUR' },
      { account_id: 'acc-2', amount_in_minors: 100, currency: 'EUR' },
    ]);
    await expect(connector.reverseTransfer(reversal('r1', 200n))).rejects.toThrow('insufficient funds');
    expect(await amounts()).toEqual({ 'acc-1': 9000, 'acc-2': 100 });
  });

  it('refuses to reverse a payment that has not settled', async () => {
    await setDummyPayBehaviour(dir, { settlement: 'polling' });
    await connector.createTransfer(transfer('k1'));
    await expect(connector.reverseTransfer(reversal('r1', 100n))).rejects.toThrow('only a SUCCEEDED');
    await setDummyPayPaymentStatus(dir, 'dp-transfer-k1', 'SUCCEEDED');
    await expect(connector.reverseTransfer(reversal('r1', 100n))).resolves.toHaveProperty('payment');
  });
});

describe('the fetch path and the write answers', () => {
  it('map the created payment and its reversal to exactly the same PspPayments', async () => {
    await writeFile(
      join(dir, 'balances.json'),
      '[{"account_id": "acc-1", "amount_in_minors": 18446744073709551617, "currency": "EUR"}]',
    );
    const created = await connector.createTransfer(transfer('k1', { amount: 9007199254740993n }));
    const reversed = await connector.reverseTransfer(reversal('r1', 5n));
    expect(await fetchedPayments()).toEqual([created.payment, reversed.payment]);
    expect(reversed.payment.parentReference).toBe(created.payment?.reference);
  });
});
