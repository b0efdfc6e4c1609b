import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringifyJson } from '../../domain/json.js';
import type { PspPayment } from '../sdk/contract.js';
import { InvalidRequestError } from '../sdk/errors.js';
import { updatePaymentStatus, writeDummyPayDirectory } from '../../../test/support/dummypay-fixtures.js';
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

const fetchPayments = (state: unknown, pageSize = 25) =>
  connector.fetchNextPayments({ state, pageSize, name: 'fetch_payments' });

/** One full pass, from whatever state the last one left, following pages until hasMore is false. */
async function pass(state: unknown, pageSize: number): Promise<{ payments: PspPayment[]; state: unknown }> {
  const payments: PspPayment[] = [];
  for (;;) {
    const page = await fetchPayments(state, pageSize);
    payments.push(...page.items);
    state = page.newState;
    if (!page.hasMore) return { payments, state };
  }
}

const basePayment = {
  reference: 'pay-1',
  type: 'PAYOUT',
  amount: 1500,
  currency: 'EUR',
  status: 'SUCCEEDED',
  created_at: '2024-05-01T10:00:00Z',
};

describe('fetchNextPayments', () => {
  it('maps a record to a PspPayment, with updatedAt defaulting to createdAt', async () => {
    const record = { ...basePayment, source_account_id: 'acc-1', destination_account_id: 'ext-1' };
    await writeFile(join(dir, 'payments.json'), JSON.stringify([record]));
    const { items } = await fetchPayments(undefined);
    expect(items).toEqual<PspPayment[]>([
      {
        reference: 'pay-1',
        createdAt: new Date('2024-05-01T10:00:00Z'),
        updatedAt: new Date('2024-05-01T10:00:00Z'),
        type: 'PAYOUT',
        amount: 1500n,
        asset: 'EUR/2',
        scheme: 'OTHER',
        status: 'SUCCEEDED',
        sourceAccountReference: 'acc-1',
        destinationAccountReference: 'ext-1',
        metadata: {},
        raw: record,
      },
    ]);
  });

  it('leaves out account references that the record does not have', async () => {
    await writeFile(
      join(dir, 'payments.json'),
      JSON.stringify([{ ...basePayment, source_account_id: null }]),
    );
    const [payment] = (await fetchPayments(undefined)).items;
    expect(payment).not.toHaveProperty('sourceAccountReference');
    expect(payment).not.toHaveProperty('destinationAccountReference');
  });

  it('maps parent_reference to parentReference, making the record an adjustment of that payment', async () => {
    const refund = { ...basePayment, reference: 'refund-1', status: 'REFUNDED', parent_reference: 'pay-1' };
    await writeFile(
      join(dir, 'payments.json'),
      JSON.stringify([basePayment, refund, { ...basePayment, reference: 'pay-2', parent_reference: null }]),
    );
    const { items } = await fetchPayments(undefined);
    expect(items.map((payment) => [payment.reference, payment.parentReference])).toEqual([
      ['pay-1', undefined],
      ['refund-1', 'pay-1'],
      ['pay-2', undefined],
    ]);
    expect(items[0]).not.toHaveProperty('parentReference');
    expect(items[1]).toMatchObject({ status: 'REFUNDED', raw: refund });
  });

  it('keeps amounts above 2^53 exact', async () => {
    await writeFile(
      join(dir, 'payments.json'),
      stringifyJson([
        { ...basePayment, reference: 'huge', amount: 18446744073709551615n },
        { ...basePayment, reference: 'odd', amount: 9007199254740993n },
      ]),
    );
    const { items } = await fetchPayments(undefined);
    expect(items.map((payment) => payment.amount)).toEqual([18446744073709551615n, 9007199254740993n]);
  });

  it('sees a status change on the next pass, stamped with the new updated_at', async () => {
    const data = await writeDummyPayDirectory(dir, { accounts: 3, payments: 12, seed: 7 });
    const target = data.payments[5]!;
    const first = await pass(undefined, 5);
    expect(first.payments.find((payment) => payment.reference === target.reference)?.status).toBe(
      target.status,
    );

    const status = target.status === 'FAILED' ? 'SUCCEEDED' : 'FAILED';
    await updatePaymentStatus(dir, target.reference, status, '2024-09-09T09:09:09Z');
    const second = await pass(first.state, 5);
    expect(second.payments).toHaveLength(12);
    const changed = second.payments.find((payment) => payment.reference === target.reference);
    expect(changed).toMatchObject({ status, updatedAt: new Date('2024-09-09T09:09:09Z') });
  });

  it('returns every payment exactly once per pass even when page boundaries cut through equal timestamps', async () => {
    const data = await writeDummyPayDirectory(dir, { accounts: 2, payments: 31, seed: 3 });
    const { payments } = await pass(undefined, 4);
    expect(payments.map((payment) => payment.reference)).toEqual(
      data.payments.map((payment) => payment.reference),
    );
  });

  it('leaves out a payment of an unknown type, status or currency, or a negative amount, and logs each', async () => {
    await writeFile(
      join(dir, 'payments.json'),
      JSON.stringify([
        { ...basePayment, reference: 'bad-type', type: 'REFUND' },
        { ...basePayment, reference: 'good' },
        { ...basePayment, reference: 'bad-status', status: 'DONE' },
        { ...basePayment, reference: 'bad-currency', currency: 'EURO' },
        { ...basePayment, reference: 'negative', amount: -1 },
        { ...basePayment, reference: 'bad-updated-at', updated_at: 'later' },
      ]),
    );
    const page = await fetchPayments(undefined);
    expect(page.items.map((payment) => payment.reference)).toEqual(['good']);
    expect(warnings.map((warning) => (warning.record as { reference: string }).reference)).toEqual([
      'bad-type',
      'bad-status',
      'bad-currency',
      'negative',
      'bad-updated-at',
    ]);
    expect(warnings.every((warning) => warning.file === 'payments.json')).toBe(true);
  });

  it('treats a missing payments.json as no payments', async () => {
    expect(await fetchPayments(undefined)).toEqual({
      items: [],
      skipped: [],
      hasMore: false,
      newState: null,
    });
  });

  it('rejects a payments.json that is not an array with an InvalidRequestError naming it', async () => {
    await writeFile(join(dir, 'payments.json'), JSON.stringify({ payments: [] }));
    const fetch = fetchPayments(undefined);
    await expect(fetch).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(fetch).rejects.toThrow('payments.json');
  });

  it('rejects an amount that is not an integer', async () => {
    await writeFile(join(dir, 'payments.json'), JSON.stringify([{ ...basePayment, amount: '1500' }]));
    await expect(fetchPayments(undefined)).rejects.toThrow(/payments\.json.*\[0\]\.amount/);
    await writeFile(
      join(dir, 'payments.json'),
      '[' + JSON.stringify(basePayment).replace('1500', '1e20') + ']',
    );
    await expect(fetchPayments(undefined)).rejects.toBeInstanceOf(InvalidRequestError);
  });
});
