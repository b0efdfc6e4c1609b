// Increase's three money lists map to one payment per movement: pending then posted is one payment, a decline is FAILED, unknown kinds are OTHER with a warning.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../domain/json.js';
import { mapPage } from '../../engine/ingestion/items.js';
import type { PspPayment } from '../sdk/contract.js';
import { toPayment, type RowKind } from './mapping.js';
import {
  declinedTransactionSchema,
  pendingTransactionSchema,
  transactionSchema,
  type MoneyRow,
} from './objects.js';

const rows = (file: string) =>
  parseJson(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')) as unknown[];
const SCHEMAS = {
  transaction: transactionSchema,
  pending_transaction: pendingTransactionSchema,
  declined_transaction: declinedTransactionSchema,
} as const;
const FILES = {
  transaction: 'transactions.json',
  pending_transaction: 'pending_transactions.json',
  declined_transaction: 'declined_transactions.json',
} as const;

function row(kind: RowKind, id: string): MoneyRow {
  const found = rows(FILES[kind]).find((r) => (r as { id: string }).id === id);
  return SCHEMAS[kind].parse(found);
}

const map = (kind: RowKind, id: string, warnings: string[] = []) => toPayment(kind, row(kind, id), warnings);

/** What the engine stores for these observations: payments by id, and each adjustment's payment and status. */
function stored(payments: PspPayment[]) {
  const writes = mapPage({ provider: 'increase', reference: 'mapping-test' }, 'FETCH_PAYMENTS', payments);
  expect(writes.skipped).toEqual([]);
  return {
    paymentIds: [...new Set(writes.payments.map((p) => p.id))],
    adjustments: writes.adjustments.map((a) => ({ payment: a.paymentId, status: a.status, at: a.createdAt })),
    own: writes.payments.filter((p) => !p.child),
  };
}

describe('Increase payments', () => {
  it('makes a pending ACH transfer and its posted transaction one payment, PENDING then SUCCEEDED', () => {
    const pending = map('pending_transaction', 'pending_transaction_h5j7k9l1z3x5c7v9b1n3');
    const posted = map('transaction', 'transaction_a1s3d5f7g9h1j3k5l7z9');
    const { paymentIds, adjustments, own } = stored([pending, posted]);
    expect(paymentIds).toHaveLength(1);
    expect(adjustments.map((a) => a.status)).toEqual(['PENDING', 'SUCCEEDED']);
    expect((adjustments[0]?.at ?? '') < (adjustments[1]?.at ?? '')).toBe(true);
    expect(own).toHaveLength(1);
    expect(posted).toMatchObject({
      reference: 'ach_transfer_uoxatyh3lt5evrsdvo7q',
      type: 'PAYOUT',
      amount: 12_345n,
      asset: 'USD/2',
      scheme: 'ACH',
      status: 'SUCCEEDED',
      sourceAccountReference: 'account_in71c4amph0vgo2qllky',
    });
    expect(pending).toMatchObject({ parentReference: 'ach_transfer_uoxatyh3lt5evrsdvo7q', type: 'PAYOUT' });
  });

  it('makes a card authorisation and its settlement one payment, whichever list is read first', () => {
    const authorisation = map('pending_transaction', 'pending_transaction_p8o6i4u2y0t8r6e4w2q0');
    const settlement = map('transaction', 'transaction_c8v6b4n2m0q8w6e4r2t0');
    expect(stored([settlement, authorisation]).paymentIds).toEqual(
      stored([authorisation, settlement]).paymentIds,
    );
    expect(stored([settlement, authorisation]).paymentIds).toHaveLength(1);
  });

  it('makes both legs of an account transfer one TRANSFER between the two accounts', () => {
    const debit = map('transaction', 'transaction_uyrp7fld2ium70oa7oi');
    const credit = map('transaction', 'transaction_q2w4e6r8t0y2u4i6o8p0');
    const { paymentIds, own } = stored([debit, credit]);
    expect(paymentIds).toHaveLength(1);
    expect(own).toHaveLength(1);
    expect(debit).toMatchObject({
      reference: 'account_transfer_7k9qe1ysdgqztnt63l7n',
      type: 'TRANSFER',
      amount: 5000n,
      sourceAccountReference: 'account_in71c4amph0vgo2qllky',
      destinationAccountReference: 'account_b8h2d0xq7rk1c4m9zt3w',
    });
    expect(credit.parentReference).toBe('account_transfer_7k9qe1ysdgqztnt63l7n');
  });

  it('maps a declined card payment to FAILED, and an ACH return of a posted transfer ends it FAILED', () => {
    expect(map('declined_transaction', 'declined_transaction_17jbn0yyhvkt4v4ooym8')).toMatchObject({
      parentReference: 'card_payment_m4n6b8v0c2x4z6l8k0j2',
      type: 'PAYOUT',
      status: 'FAILED',
      amount: 50_000n,
    });
    const posted = row('transaction', 'transaction_a1s3d5f7g9h1j3k5l7z9');
    const returned = transactionSchema.parse({
      ...posted,
      id: 'transaction_return0000000000001',
      amount: 12_345,
      created_at: '2026-11-06T10:00:00Z',
      source: {
        category: 'ach_transfer_return',
        ach_transfer_return: {
          transfer_id: 'ach_transfer_uoxatyh3lt5evrsdvo7q',
          return_reason_code: 'no_account',
        },
      },
    });
    const first = toPayment('transaction', posted, []);
    const back = toPayment('transaction', returned, []);
    const { paymentIds, adjustments } = stored([first, back]);
    expect(paymentIds).toHaveLength(1);
    expect(adjustments.map((a) => a.status)).toEqual(['SUCCEEDED', 'FAILED']);
    expect(back.type).toBe('PAYOUT');
  });

  it('maps an inbound ACH credit to a PAY-IN into the account, and a declined one to FAILED', () => {
    expect(map('transaction', 'transaction_x1c3v5b7n9m1q3w5e7r9')).toMatchObject({
      reference: 'inbound_ach_transfer_tdrwqr3fq9gnnq49odev',
      type: 'PAY-IN',
      amount: 250_000n,
      destinationAccountReference: 'account_in71c4amph0vgo2qllky',
    });
    expect(map('declined_transaction', 'declined_transaction_k2j4h6g8f0d2s4a6q8w0')).toMatchObject({
      type: 'PAY-IN',
      status: 'FAILED',
    });
  });

  it('maps an unmapped category to OTHER with a run warning, never dropping it', () => {
    const warnings: string[] = [];
    const payment = map('transaction', 'transaction_m1n3b5v7c9x1z3l5k7j9', warnings);
    expect(payment).toMatchObject({
      reference: 'transaction_m1n3b5v7c9x1z3l5k7j9',
      type: 'OTHER',
      amount: 777n,
    });
    expect(warnings).toEqual(["unknown transaction category 'internal_source' mapped to OTHER"]);
  });

  it('keeps amounts past 2^53 exact', () => {
    const huge = transactionSchema.parse(
      parseJson(
        stringifyJson(row('transaction', 'transaction_i9u7y5t3r1e9w7q5a3s1')).replace(
          '"amount":42',
          '"amount":9007199254740993',
        ),
      ),
    );
    expect(toPayment('transaction', huge, []).amount).toBe(9_007_199_254_740_993n);
  });
});
