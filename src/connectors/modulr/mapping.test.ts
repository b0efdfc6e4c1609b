// Mapping Modulr's records: exact amounts, unknown statuses and types kept as OTHER with a warning, transfers seen once.
import { describe, expect, it } from 'vitest';
import type { PspPayment } from '../sdk/contract.js';
import { parseModulrJson } from './client.js';
import { type Json, modulrStamp } from './fake.js';
import { paymentSchema, paymentToPayment, transactionSchema, transactionToPayment } from './mapping.js';
import { type Harness, startHarness } from './test-harness.js';

async function transactionsOf(h: Harness, id: string) {
  const answer = await h.connector.fetchNextPayments({
    state: undefined,
    pageSize: 500,
    name: 'fetch_transactions',
    fromPayload: { id, payload: {} },
  });
  const byRef = new Map(answer.items.map((p) => [p.reference, p]));
  return { answer, byRef };
}

describe('amounts', () => {
  it('keeps a JSON amount a double cannot hold exact, to the minor unit', () => {
    const record = transactionSchema.parse(
      parseModulrJson(
        '{"id":"T1","amount":90071992547409.93,"currency":"GBP","postedDate":"2026-11-04T12:00:00.000+0000","credit":true,"type":"PI_CHAPS","sourceId":"P1"}',
      ),
    );
    expect(transactionToPayment(record, 'A1', []).amount).toBe(9007199254740993n);
  });

  it('reads fixture balances, negative ones included, in minor units of the account currency', async () => {
    const h = await startHarness();
    try {
      const balances = await Promise.all(
        ['A1000001', 'A1000002', 'A1000003'].map((id) =>
          h.connector.fetchNextBalances({
            state: undefined,
            pageSize: 1,
            name: 'fetch_balances',
            fromPayload: { id, payload: {} },
          }),
        ),
      );
      expect(balances.map((b) => [b.items[0]?.amount, b.items[0]?.asset])).toEqual([
        [125050n, 'GBP/2'],
        [30000n, 'EUR/2'],
        [-1234n, 'GBP/2'],
      ]);
    } finally {
      await h.close();
    }
  });

  it('skips, with its reason, a transaction with more decimals than its currency, and keeps the rest of the page', async () => {
    const h = await startHarness();
    try {
      h.world.transactions.A1000002?.push({
        id: 'T2000009',
        amount: parseModulrJson('1.234'),
        currency: 'EUR',
        postedDate: modulrStamp(new Date('2026-11-20T10:00:00Z')),
        credit: true,
        type: 'PI_SEPA_INST',
        sourceId: 'P9000099',
      } as Json);
      const { answer } = await transactionsOf(h, 'A1000002');
      expect(answer.items.map((p) => p.reference)).toEqual(['P9000003']);
      expect(answer.skipped).toEqual([
        { reference: 'T2000009', reason: expect.stringContaining('more decimals') },
      ]);
    } finally {
      await h.close();
    }
  });
});

describe('transactions', () => {
  it('maps pay-ins by their inbound payment, leaves payment debits to the payments list, and warns of an unknown type', async () => {
    const h = await startHarness();
    try {
      const { answer, byRef } = await transactionsOf(h, 'A1000001');
      expect(byRef.get('P9000001')).toMatchObject({
        type: 'PAY-IN',
        status: 'SUCCEEDED',
        amount: 50000n,
        asset: 'GBP/2',
        destinationAccountReference: 'A1000001',
        metadata: {
          'com.modulr.spec/transaction_id': 'T1000001',
          'com.modulr.spec/transaction_type': 'PI_FAST',
        },
      });
      expect(byRef.get('T1000005')).toMatchObject({
        type: 'OTHER',
        sourceAccountReference: 'A1000001',
        amount: 50n,
      });
      // PO_FAST (P1000001) and INT_INTERC (P1000002) debits: reported by the payments list.
      expect(byRef.has('P1000001')).toBe(false);
      expect(byRef.has('P1000002')).toBe(false);
      expect(byRef.get('T1000007')?.type).toBe('OTHER');
      expect(answer.warnings).toEqual(["unknown transaction type 'PI_NEWRAIL' mapped to OTHER"]);
    } finally {
      await h.close();
    }
  });

  it('a credit from another Modulr account is the paying payment, as the payments list gives it; an unknown payer leaves a transfer in', async () => {
    const h = await startHarness();
    try {
      const { byRef } = await transactionsOf(h, 'A1000003');
      const listed = await h.connector.fetchNextPayments({
        state: undefined,
        pageSize: 500,
        name: 'fetch_payments',
      });
      const fromList = listed.items.find((p) => p.reference === 'P1000002');
      const strip = ({ raw: _raw, ...rest }: PspPayment) => rest;
      expect(fromList).toMatchObject({
        type: 'TRANSFER',
        sourceAccountReference: 'A1000001',
        destinationAccountReference: 'A1000003',
        amount: 1000n,
        status: 'SUCCEEDED',
      });
      expect(strip(byRef.get('P1000002') as PspPayment)).toEqual(strip(fromList as PspPayment));
      expect(byRef.get('P7777777')).toMatchObject({
        type: 'TRANSFER',
        destinationAccountReference: 'A1000003',
      });
      expect(byRef.get('P7777777')?.sourceAccountReference).toBeUndefined();
      expect(byRef.get('T3000003')).toMatchObject({ type: 'PAYOUT', sourceAccountReference: 'A1000003' });
    } finally {
      await h.close();
    }
  });
});

describe('payments', () => {
  const payment = (status: string, destination: Json) =>
    paymentSchema.parse({
      id: 'P1',
      status,
      createdDate: '2026-11-02T07:59:00.000+0000',
      externalReference: 'x',
      details: { sourceAccountId: 'A1', destination, amount: parseModulrJson('25.00') },
    });

  it('maps statuses by the table, and an unknown one to OTHER with a warning', () => {
    const warnings: string[] = [];
    expect(paymentToPayment(payment('RECONCILED', { type: 'BENEFICIARY', id: 'B1' }), warnings).status).toBe(
      'SUCCEEDED',
    );
    expect(paymentToPayment(payment('ER_EXPIRED', { type: 'BENEFICIARY', id: 'B1' }), warnings).status).toBe(
      'FAILED',
    );
    expect(paymentToPayment(payment('HELD', { type: 'BENEFICIARY', id: 'B1' }), warnings).status).toBe(
      'PENDING',
    );
    expect(warnings).toEqual([]);
    expect(paymentToPayment(payment('ON_REVIEW', { type: 'BENEFICIARY', id: 'B1' }), warnings).status).toBe(
      'OTHER',
    );
    expect(warnings).toEqual(["unknown payment status 'ON_REVIEW' mapped to OTHER"]);
  });

  it('a payment to a Modulr account is a transfer; one to an inline bank account has no destination reference; GBP is the default currency', () => {
    expect(paymentToPayment(payment('PROCESSED', { type: 'ACCOUNT', id: 'A2' }), [])).toMatchObject({
      type: 'TRANSFER',
      destinationAccountReference: 'A2',
      asset: 'GBP/2',
    });
    const inline = paymentToPayment(payment('PROCESSED', { type: 'SCAN', sortCode: '000000' }), []);
    expect(inline.type).toBe('PAYOUT');
    expect(inline.destinationAccountReference).toBeUndefined();
    expect(inline.metadata).toMatchObject({ 'com.modulr.spec/destination_type': 'SCAN' });
  });
});
