// Wise's states, amounts, times and the customerTransactionId derivation.
import { describe, expect, it } from 'vitest';
import { mapPage } from '../../engine/ingestion/items.js';
import {
  decimalText,
  toPayment,
  TRANSFER_STATUSES,
  transferSchema,
  transferStatus,
  wiseMoney,
  wiseTime,
} from './mapping.js';
import { customerTransactionId } from './uuid.js';

const transfer = (fields: Record<string, unknown> = {}) =>
  transferSchema.parse({
    id: 50000001,
    targetAccount: 40000001,
    status: 'outgoing_payment_sent',
    created: '2026-11-01 10:00:00',
    sourceCurrency: 'EUR',
    sourceValue: 100.5,
    targetCurrency: 'GBP',
    targetValue: 87.12,
    rate: 0.8669,
    customerTransactionId: '54a6bc09-cef9-49a8-9041-f1f0c654cd88',
    details: { reference: 'inv-1' },
    ...fields,
  });

describe("Wise's transfer states", () => {
  it.each([
    ['incoming_payment_waiting', 'PENDING'],
    ['incoming_payment_initiated', 'PENDING'],
    ['processing', 'PENDING'],
    ['funds_converted', 'PENDING'],
    ['outgoing_payment_sent', 'SUCCEEDED'],
    ['cancelled', 'CANCELLED'],
    ['funds_refunded', 'FAILED'],
    ['bounced_back', 'FAILED'],
    ['charged_back', 'DISPUTE_LOST'],
  ])('%s maps to %s without a warning', (state, status) => {
    expect(transferStatus(state)).toEqual({ status });
  });

  it.each(['unknown', 'on_hold_for_review', ''])('%j maps to OTHER with a warning naming it', (state) => {
    const mapped = transferStatus(state);
    expect(mapped.status).toBe('OTHER');
    expect(mapped.warning).toContain(`'${state}'`);
  });

  it('names every documented state in the table', () => {
    expect(Object.keys(TRANSFER_STATUSES)).toContain('bounced_back');
  });
});

describe('amounts', () => {
  it('reads decimal major units into minor units with ISO exponents', () => {
    expect(wiseMoney(1523.45, 'EUR')).toEqual({ amount: 152345n, asset: 'EUR/2' });
    expect(wiseMoney(125000, 'JPY')).toEqual({ amount: 125000n, asset: 'JPY/0' });
    expect(wiseMoney(12.345, 'BHD')).toEqual({ amount: 12345n, asset: 'BHD/3' });
    expect(wiseMoney(0.1, 'EUR')).toEqual({ amount: 10n, asset: 'EUR/2' });
    expect(wiseMoney(-19.99, 'USD')).toEqual({ amount: -1999n, asset: 'USD/2' });
    expect(wiseMoney('98000.10', 'GBP')).toEqual({ amount: 9800010n, asset: 'GBP/2' });
  });

  it('refuses a value with more decimals than its currency, and doubles past exact precision', () => {
    expect(() => wiseMoney(1.5, 'JPY')).toThrow(/more decimals/);
    expect(() => wiseMoney(0.001, 'EUR')).toThrow(/more decimals/);
    expect(() => decimalText(1e21)).toThrow();
    expect(() => decimalText(Number('1234567890123456.7'))).toThrow(/digits/);
    expect(decimalText(999999999999.99)).toBe('999999999999.99');
  });
});

describe('times', () => {
  it("reads Wise's zone-less v1 format as UTC, and ISO 8601", () => {
    expect(wiseTime('2017-11-24 10:47:49')?.toISOString()).toBe('2017-11-24T10:47:49.000Z');
    expect(wiseTime('2025-10-29T12:28:16.000Z')?.toISOString()).toBe('2025-10-29T12:28:16.000Z');
    expect(wiseTime('yesterday')).toBeUndefined();
  });
});

describe('a transfer as a payment', () => {
  it('is a payout of the source amount from the balance in that currency to the recipient', () => {
    const { payment, warning } = toPayment(transfer(), '30000001', (c) =>
      c === 'EUR' ? '200001' : undefined,
    );
    expect(warning).toBeUndefined();
    expect(payment).toMatchObject({
      reference: '50000001',
      type: 'PAYOUT',
      status: 'SUCCEEDED',
      amount: 10050n,
      asset: 'EUR/2',
      scheme: 'OTHER',
      sourceAccountReference: '200001',
      destinationAccountReference: '40000001',
      metadata: {
        'com.wise.spec/profile_id': '30000001',
        'com.wise.spec/status': 'outgoing_payment_sent',
        'com.wise.spec/target_amount': '8712',
        'com.wise.spec/target_asset': 'GBP/2',
        'com.wise.spec/rate': '0.8669',
        'com.wise.spec/customer_transaction_id': '54a6bc09-cef9-49a8-9041-f1f0c654cd88',
        'com.wise.spec/reference': 'inv-1',
      },
    });
    expect(payment.createdAt.toISOString()).toBe('2026-11-01T10:00:00.000Z');
    expect(mapPage({ provider: 'wise', reference: 'c' }, 'FETCH_PAYMENTS', [payment]).skipped).toEqual([]);
  });

  it('keeps an unknown state as OTHER and says so', () => {
    const { payment, warning } = toPayment(transfer({ status: 'on_hold_for_review' }), '1', () => undefined);
    expect(payment.status).toBe('OTHER');
    expect(warning).toMatch(/on_hold_for_review/);
  });
});

describe('customerTransactionId', () => {
  it('is the key itself when the key is a UUID', () => {
    expect(customerTransactionId('54A6BC09-CEF9-49A8-9041-F1F0C654CD88')).toBe(
      '54a6bc09-cef9-49a8-9041-f1f0c654cd88',
    );
  });

  it('is a UUID derived from any other key: the same for the same key, different for another', () => {
    const first = customerTransactionId('pi-42/attempt-1');
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(customerTransactionId('pi-42/attempt-1')).toBe(first);
    expect(customerTransactionId('pi-42/attempt-2')).not.toBe(first);
  });
});
