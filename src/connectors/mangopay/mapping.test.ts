// Mangopay mapping: types, statuses (unknown → OTHER with a warning), refunds and repudiations as adjustments, amounts at ISO exponents, masked account numbers.
import { describe, expect, it } from 'vitest';
import { mangopayIdempotencyKey } from './connector.js';
import {
  bankAccountToExternal,
  mangopayBankAccount,
  mangopayTransaction,
  transactionToPayment,
  walletBalance,
  mangopayWallet,
} from './mapping.js';

const T = 1772323200;

function transaction(fields: Record<string, unknown> = {}) {
  return mangopayTransaction.parse({
    Id: 'tx_1',
    CreationDate: T,
    ExecutionDate: T + 5,
    Status: 'SUCCEEDED',
    Type: 'PAYIN',
    Nature: 'REGULAR',
    DebitedFunds: { Currency: 'EUR', Amount: 1260 },
    CreditedFunds: { Currency: 'EUR', Amount: 1200 },
    Fees: { Currency: 'EUR', Amount: 60 },
    CreditedWalletId: 'wlt_1',
    DebitedWalletId: null,
    ...fields,
  });
}

function mapped(fields: Record<string, unknown> = {}) {
  const tx = transaction(fields);
  const result = transactionToPayment(tx, tx);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

describe('Mangopay transactions as payments', () => {
  it.each([
    ['PAYIN', 'PAY-IN'],
    ['PAYOUT', 'PAYOUT'],
    ['TRANSFER', 'TRANSFER'],
  ])('type %s maps to %s with no warning', (type, expected) => {
    const { value, warnings } = mapped({ Type: type });
    expect(value.type).toBe(expected);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['CREATED', 'PENDING'],
    ['SUCCEEDED', 'SUCCEEDED'],
    ['FAILED', 'FAILED'],
  ])('status %s maps to %s', (status, expected) => {
    expect(mapped({ Status: status }).value.status).toBe(expected);
  });

  it('an unknown type maps to OTHER and says so in the warnings', () => {
    const { value, warnings } = mapped({ Type: 'CONVERSION' });
    expect(value.type).toBe('OTHER');
    expect(warnings).toEqual(["unknown Mangopay transaction type 'CONVERSION' mapped to OTHER"]);
  });

  it('an unknown status maps to OTHER and says so in the warnings', () => {
    const { value, warnings } = mapped({ Status: 'ON_HOLD' });
    expect(value.status).toBe('OTHER');
    expect(warnings).toEqual(["unknown Mangopay transaction status 'ON_HOLD' mapped to OTHER"]);
  });

  it('the amount is the gross DebitedFunds in minor units; fees and the credited amount go to metadata', () => {
    const { value } = mapped();
    expect(value.amount).toBe(1260n);
    expect(value.asset).toBe('EUR/2');
    expect(value.metadata).toMatchObject({
      'com.mangopay.spec/fees': '60',
      'com.mangopay.spec/creditedAmount': '1200',
      'com.mangopay.spec/nature': 'REGULAR',
    });
  });

  it('amounts keep the ISO 4217 exponent of their currency (JPY has none)', () => {
    const { value } = mapped({ DebitedFunds: { Currency: 'JPY', Amount: 12 } });
    expect(value).toMatchObject({ amount: 12n, asset: 'JPY/0' });
  });

  it('an amount beyond 2^53 stays exact', () => {
    const tx = mangopayTransaction.parse({
      ...transaction(),
      DebitedFunds: { Currency: 'EUR', Amount: 9007199254740993n },
    });
    const result = transactionToPayment(tx, tx);
    expect(result.ok && result.value.amount).toBe(9007199254740993n);
  });

  it('a currency that is not ISO 4217 makes the record skipped with the reason', () => {
    const tx = transaction({ DebitedFunds: { Currency: 'XYZ', Amount: 1 } });
    expect(transactionToPayment(tx, tx)).toEqual({ ok: false, reason: "'XYZ' is not an ISO 4217 currency" });
  });

  it('a status observed after creation is stamped with its ExecutionDate; a CREATED one with its CreationDate', () => {
    expect(mapped().value.updatedAt).toEqual(new Date((T + 5) * 1000));
    expect(mapped({ Status: 'CREATED', ExecutionDate: null }).value.updatedAt).toEqual(new Date(T * 1000));
  });

  it('a pay-in refund is a REFUNDED adjustment of the pay-in, though Mangopay types it PAYOUT', () => {
    const { value } = mapped({
      Id: 'refund_1',
      Type: 'PAYOUT',
      Nature: 'REFUND',
      InitialTransactionId: 'payin_1',
      InitialTransactionType: 'PAYIN',
      DebitedFunds: { Currency: 'EUR', Amount: 400 },
    });
    expect(value).toMatchObject({
      reference: 'refund_1',
      parentReference: 'payin_1',
      type: 'PAY-IN',
      status: 'REFUNDED',
      amount: 400n,
    });
  });

  it.each([
    ['CREATED', 'PENDING'],
    ['FAILED', 'REFUNDED_FAILURE'],
  ])('a refund %s maps to %s', (status, expected) => {
    const { value } = mapped({
      Status: status,
      Nature: 'REFUND',
      InitialTransactionId: 'transfer_1',
      InitialTransactionType: 'TRANSFER',
    });
    expect(value).toMatchObject({ parentReference: 'transfer_1', type: 'TRANSFER', status: expected });
  });

  it.each([
    ['CREATED', 'DISPUTE'],
    ['SUCCEEDED', 'DISPUTE_LOST'],
    ['FAILED', 'DISPUTE'],
  ])('a repudiation %s is a %s adjustment of its pay-in', (status, expected) => {
    const { value } = mapped({
      Status: status,
      Type: 'PAYOUT',
      Nature: 'REPUDIATION',
      InitialTransactionId: 'payin_9',
      InitialTransactionType: 'PAYIN',
    });
    expect(value).toMatchObject({ parentReference: 'payin_9', type: 'PAY-IN', status: expected });
  });

  it('a refund without InitialTransactionId cannot be placed and is skipped with the reason', () => {
    const tx = transaction({ Nature: 'REPUDIATION' });
    expect(transactionToPayment(tx, tx)).toEqual({
      ok: false,
      reason: 'REPUDIATION without InitialTransactionId',
    });
  });

  it('an unknown nature is treated as regular, with a warning', () => {
    const { value, warnings } = mapped({ Nature: 'SOMETHING_NEW' });
    expect(value.parentReference).toBeUndefined();
    expect(warnings).toEqual(["unknown Mangopay transaction nature 'SOMETHING_NEW' treated as REGULAR"]);
  });
});

describe('wallets and bank accounts', () => {
  it("a wallet's balance is its Balance in minor units at the observation time", () => {
    const wallet = mangopayWallet.parse({
      Id: 'wlt_1',
      CreationDate: T,
      Currency: 'GBP',
      Balance: { Currency: 'GBP', Amount: 12345 },
    });
    const at = new Date('2026-03-02T00:00:00Z');
    expect(walletBalance(wallet, at)).toEqual({
      accountReference: 'wlt_1',
      createdAt: at,
      amount: 12345n,
      asset: 'GBP/2',
    });
  });

  it("a bank account's raw copy keeps only the last four characters of its IBAN and account number", () => {
    const raw = {
      Id: 'ba_1',
      CreationDate: T,
      Type: 'IBAN',
      OwnerName: 'Ada Martin',
      UserId: 'user_1',
      IBAN: 'FR7630004000031234567890143',
      BIC: 'BNPAFRPP',
    };
    const account = bankAccountToExternal(mangopayBankAccount.parse(raw), raw);
    expect(account.raw).toMatchObject({ IBAN: '***********************0143', BIC: 'BNPAFRPP' });
    expect(JSON.stringify(account)).not.toContain('FR7630004000031234567890143');
    expect(account.metadata).toMatchObject({
      'com.mangopay.spec/userId': 'user_1',
      'com.mangopay.spec/type': 'IBAN',
    });
  });
});

describe('idempotency keys', () => {
  it("the engine's UUID keys go to Mangopay unchanged", () => {
    const key = '3f2c9d0e-1a2b-5c3d-8e4f-a1b2c3d4e5f6';
    expect(mangopayIdempotencyKey(key)).toBe(key);
  });

  it('a key Mangopay would refuse becomes a stable UUID-shaped one', () => {
    const long = `initiation:${'x'.repeat(60)}`;
    expect(mangopayIdempotencyKey(long)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(mangopayIdempotencyKey(long)).toBe(mangopayIdempotencyKey(long));
    expect(mangopayIdempotencyKey('short')).not.toBe(mangopayIdempotencyKey('shorT'));
  });
});
