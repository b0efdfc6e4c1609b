// Stripe's statuses, types, schemes and currency exponents as the connector maps them, unknown ones included.
import { describe, expect, it } from 'vitest';
import { InvalidAmountError } from '../sdk/money.js';
import { stripeConfig } from './config.js';
import { stripeExponent, stripeMoney, toStripeAmount } from './currencies.js';
import { loadFixtures, PLATFORM_ID } from './fake.js';
import { toAccount, toBalances, toExternalAccount, toPayment, type Mapped } from './mapping.js';

const item = <T>(mapped: Mapped<T>): T => {
  if (!('item' in mapped)) throw new Error(`skipped: ${mapped.skip}`);
  return mapped.item;
};
const warnings = <T>(mapped: Mapped<T>) => ('item' in mapped ? mapped.warnings : []);
const fixtures = loadFixtures();
const bt = (id: string) => {
  const found = Object.values(fixtures.balanceTransactions)
    .flat()
    .find((t) => t.id === id);
  if (!found) throw new Error(`no fixture ${id}`);
  return structuredClone(found);
};

describe('balance transactions to payments', () => {
  it('a card charge is a PAY-IN into the account, in the charge’s own money and scheme', () => {
    const p = item(toPayment(bt('txn_1Pb0001'), PLATFORM_ID));
    expect(p).toMatchObject({
      reference: 'ch_1Pb0001',
      type: 'PAY-IN',
      amount: 2500n,
      asset: 'EUR/2',
      scheme: 'CARD_VISA',
      status: 'SUCCEEDED',
      destinationAccountReference: PLATFORM_ID,
    });
    expect(p.metadata).toMatchObject({
      order: 'order-1Pb0001',
      'com.stripe.spec/balance_transaction': 'txn_1Pb0001',
      'com.stripe.spec/fee': '66',
      'com.stripe.spec/net': '2434',
    });
    expect(p.createdAt.toISOString()).toBe(new Date(1767600000 * 1000).toISOString());
  });

  it('a refund adjusts its charge, a dispute adjusts its charge, a transfer reversal adjusts its transfer', () => {
    expect(item(toPayment(bt('txn_1Pb0005'), PLATFORM_ID))).toMatchObject({
      reference: 're_1Pb0005',
      parentReference: 'ch_1Pb0001',
      type: 'PAY-IN',
      status: 'REFUNDED',
      amount: 1000n,
    });
    expect(item(toPayment(bt('txn_1Pb0006'), PLATFORM_ID))).toMatchObject({
      reference: 'dp_1Pb0006',
      parentReference: 'ch_1Pb0003',
      status: 'DISPUTE',
      amount: 4200n,
    });
    expect(item(toPayment(bt('txn_1Pb0011'), PLATFORM_ID))).toMatchObject({
      reference: 'trr_1Pb0011',
      parentReference: 'tr_1Pb0007',
      type: 'TRANSFER',
      status: 'REFUNDED',
      amount: 500n,
    });
  });

  it('dispute outcomes, refund failures, payout and charge statuses', () => {
    const dispute = bt('txn_1Pb0006');
    const status = (raw: typeof dispute, value: string) => {
      (raw.source as Record<string, unknown>).status = value;
      return item(toPayment(raw, PLATFORM_ID)).status;
    };
    expect(status(dispute, 'won')).toBe('DISPUTE_WON');
    expect(status(dispute, 'lost')).toBe('DISPUTE_LOST');
    expect(status(dispute, 'under_review')).toBe('DISPUTE');
    const payout = bt('txn_1Pb0008');
    expect(status(payout, 'paid')).toBe('SUCCEEDED');
    expect(status(payout, 'in_transit')).toBe('PENDING');
    expect(status(payout, 'failed')).toBe('FAILED');
    expect(status(payout, 'canceled')).toBe('CANCELLED');
    const charge = bt('txn_1Pb0002');
    expect(status(charge, 'pending')).toBe('PENDING');
    expect(status(charge, 'failed')).toBe('FAILED');
    const refundFailure = { ...bt('txn_1Pb0005'), type: 'refund_failure' };
    expect(item(toPayment(refundFailure, PLATFORM_ID))).toMatchObject({
      reference: 're_1Pb0005',
      parentReference: 'ch_1Pb0001',
      status: 'REFUNDED_FAILURE',
    });
  });

  it('a delayed payment that fails afterwards (payment_failure_refund) fails its charge', () => {
    const failure = { ...bt('txn_1Pb0005'), type: 'payment_failure_refund' };
    expect(item(toPayment(failure, PLATFORM_ID))).toMatchObject({
      parentReference: 'ch_1Pb0001',
      status: 'FAILED',
    });
  });

  it('payouts leave the account for their bank account; transfers go to the connected account', () => {
    expect(item(toPayment(bt('txn_1Pb0008'), PLATFORM_ID))).toMatchObject({
      reference: 'po_1Pb0008',
      type: 'PAYOUT',
      amount: 50000n,
      status: 'PENDING',
      sourceAccountReference: PLATFORM_ID,
      destinationAccountReference: 'ba_1PbPlatformBank',
    });
    expect(item(toPayment(bt('txn_1Pb0007'), PLATFORM_ID))).toMatchObject({
      reference: 'tr_1Pb0007',
      type: 'TRANSFER',
      status: 'SUCCEEDED',
      sourceAccountReference: PLATFORM_ID,
      destinationAccountReference: 'acct_1PbConnA0001',
    });
  });

  it('a Stripe fee is a known movement of type OTHER, with no warning', () => {
    const fee = toPayment(bt('txn_1Pb0009'), PLATFORM_ID);
    expect(item(fee)).toMatchObject({
      reference: 'txn_1Pb0009',
      type: 'OTHER',
      status: 'SUCCEEDED',
      amount: 2000n,
    });
    expect(item(fee).sourceAccountReference).toBe(PLATFORM_ID);
    expect(warnings(fee)).toEqual([]);
  });

  it('an unknown type and an unknown status map to OTHER, each with a warning naming the value', () => {
    const unknownType = toPayment({ ...bt('txn_1Pb0009'), type: 'quantum_settlement' }, PLATFORM_ID);
    expect(item(unknownType)).toMatchObject({ type: 'OTHER', status: 'OTHER' });
    expect(warnings(unknownType)).toEqual([
      "unknown balance transaction type 'quantum_settlement' mapped to OTHER",
    ]);
    const charge = bt('txn_1Pb0001');
    (charge.source as Record<string, unknown>).status = 'on_hold';
    const unknownStatus = toPayment(charge, PLATFORM_ID);
    expect(item(unknownStatus)).toMatchObject({ type: 'PAY-IN', status: 'OTHER' });
    expect(warnings(unknownStatus)).toEqual(["unknown charge status 'on_hold' mapped to OTHER"]);
  });

  it('schemes: card brands, wallets, SEPA debit; anything else is OTHER', () => {
    expect(item(toPayment(bt('txn_1Pb0002'), PLATFORM_ID)).scheme).toBe('SEPA_DEBIT');
    expect(item(toPayment(bt('txn_1Pb0003'), PLATFORM_ID)).scheme).toBe('CARD_MASTERCARD');
    expect(item(toPayment(bt('txn_1Pb0004'), PLATFORM_ID)).scheme).toBe('CARD_AMEX');
    const wallet = bt('txn_1Pb0001');
    const card = ((wallet.source as Record<string, Record<string, unknown>>).payment_method_details ?? {})
      .card as Record<string, unknown>;
    card.wallet = { type: 'apple_pay' };
    expect(item(toPayment(wallet, PLATFORM_ID)).scheme).toBe('APPLE_PAY');
    expect(item(toPayment(bt('txn_1PbA0001'), 'acct_1PbConnA0001')).scheme).toBe('OTHER');
  });

  it('a source that was not expanded still maps by its id', () => {
    const charge = { ...bt('txn_1Pb0001'), source: 'ch_1Pb0001' };
    expect(item(toPayment(charge, PLATFORM_ID))).toMatchObject({ reference: 'ch_1Pb0001', amount: 2500n });
  });

  it('a record that cannot be read is skipped with the reason', () => {
    expect(toPayment({ id: 'txn_x', type: 'charge' }, PLATFORM_ID)).toEqual({
      skip: 'balance transaction without created',
    });
    expect(toPayment({ ...bt('txn_1Pb0009'), currency: 'eu' }, PLATFORM_ID)).toMatchObject({
      skip: expect.stringMatching(/not a currency code/),
    });
  });
});

describe('currency exponents', () => {
  it('keeps Stripe’s own units: zero-decimal, three-decimal and the special cases', () => {
    expect(stripeMoney(5000, 'jpy')).toEqual({ amount: 5000n, asset: 'JPY/0' });
    expect(stripeMoney(10000, 'ugx')).toEqual({ amount: 10000n, asset: 'UGX/0' });
    expect(stripeMoney(1234, 'mga')).toEqual({ amount: 1234n, asset: 'MGA/0' });
    expect(stripeMoney(12340, 'kwd')).toEqual({ amount: 12340n, asset: 'KWD/3' });
    expect(stripeMoney(50000, 'isk')).toEqual({ amount: 50000n, asset: 'ISK/2' });
    expect(stripeMoney(12345, 'huf')).toEqual({ amount: 12345n, asset: 'HUF/2' });
    expect(stripeMoney(100, 'twd')).toEqual({ amount: 100n, asset: 'TWD/2' });
    expect(stripeMoney(2500, 'eur')).toEqual({ amount: 2500n, asset: 'EUR/2' });
    expect(stripeExponent('BHD')).toBe(3);
    expect(() => stripeMoney(1.5, 'eur')).toThrow(InvalidAmountError);
  });

  it('converts an engine asset of another precision exactly, or refuses it', () => {
    expect(toStripeAmount(5n, 'ISK/0')).toEqual({ amount: 500, currency: 'isk' });
    expect(toStripeAmount(500n, 'ISK/2')).toEqual({ amount: 500, currency: 'isk' });
    expect(toStripeAmount(700n, 'JPY/0')).toEqual({ amount: 700, currency: 'jpy' });
    expect(toStripeAmount(700n, 'JPY/2')).toEqual({ amount: 7, currency: 'jpy' });
    expect(() => toStripeAmount(701n, 'JPY/2')).toThrow(InvalidAmountError);
    expect(() => toStripeAmount(1n, 'EURO')).toThrow(InvalidAmountError);
  });
});

describe('accounts and balances', () => {
  it('the platform is marked; a connected account keeps its type and currency', () => {
    expect(item(toAccount(fixtures.platform, true))).toMatchObject({
      reference: PLATFORM_ID,
      name: 'Paybridge Marketplace',
      defaultAsset: 'EUR/2',
      metadata: { 'com.stripe.spec/platform': 'true', 'com.stripe.spec/type': 'standard' },
    });
    const connected = item(toAccount(fixtures.accounts[2], false));
    expect(connected).toMatchObject({ reference: 'acct_1PbConnB0002', defaultAsset: 'UGX/0' });
    expect(connected.metadata?.['com.stripe.spec/platform']).toBeUndefined();
  });

  it('bank accounts and cards of a connected account', () => {
    const [bank, card] = fixtures.externalAccounts.acct_1PbConnA0001 ?? [];
    expect(item(toExternalAccount(bank, 'acct_1PbConnA0001'))).toMatchObject({
      reference: 'ba_1PbA0001',
      name: 'Atelier Nord',
      defaultAsset: 'EUR/2',
      metadata: { 'com.stripe.spec/object': 'bank_account', 'com.stripe.spec/last4': '3000' },
    });
    expect(item(toExternalAccount(card, 'acct_1PbConnA0001')).metadata).toMatchObject({
      'com.stripe.spec/object': 'card',
      'com.stripe.spec/brand': 'Visa',
    });
    expect(toExternalAccount({ id: 'x', object: 'wallet' }, 'a')).toEqual({
      skip: "external account of unknown kind 'wallet'",
    });
  });

  it('one available balance per currency, for the account asked', () => {
    const at = new Date('2026-03-01T00:00:00Z');
    expect(toBalances(fixtures.balances[PLATFORM_ID], PLATFORM_ID, at).map(item)).toEqual([
      { accountReference: PLATFORM_ID, createdAt: at, amount: 120000n, asset: 'EUR/2' },
      { accountReference: PLATFORM_ID, createdAt: at, amount: 5000n, asset: 'JPY/0' },
    ]);
  });
});

describe('config', () => {
  it('refuses a publishable key and accepts secret and restricted keys', () => {
    expect(stripeConfig.safeParse({ apiKey: 'pk_test_123' }).success).toBe(false);
    expect(stripeConfig.safeParse({ apiKey: 'sk_test_123' }).success).toBe(true);
    expect(stripeConfig.safeParse({ apiKey: 'rk_test_123' }).data?.endpoint).toBe('https://api.stripe.com');
  });
});
