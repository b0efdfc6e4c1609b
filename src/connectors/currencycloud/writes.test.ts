// Transfers and payouts at the fake Currencycloud: the engine's key as unique_request_id, a retry after a lost answer moving money once, and CC's decimals.
import { describe, expect, it } from 'vitest';
import type { PspFetch } from '../sdk/context.js';
import type { PspPaymentInitiation } from '../sdk/contract.js';
import { InvalidRequestError, UpstreamError } from '../sdk/errors.js';
import { ccAmount } from './currencies.js';
import { HOUSE_ACCOUNT } from './fake.js';
import { startHarness } from './test-harness.js';
import { uniqueRequestId } from './writes.js';

const SUB_ACCOUNT = 'a0c1e2d3-0000-4000-8000-000000000002';
const BENEFICIARY = 'c1b2e3f4-0000-4000-8000-000000000001';
const KEY = '3b7f0c2e-1d4a-5e6f-8a9b-0c1d2e3f4a5b';

const account = (reference: string) => ({ reference, createdAt: new Date(), metadata: {}, raw: {} });
function initiation(
  destination: string,
  overrides: Partial<PspPaymentInitiation> = {},
): PspPaymentInitiation {
  return {
    reference: 'pi-1',
    createdAt: new Date(),
    description: 'Invoice 2026-007',
    sourceAccount: account(HOUSE_ACCOUNT),
    destinationAccount: account(destination),
    amount: 123_45n,
    asset: 'EUR/2',
    metadata: {},
    ...overrides,
  };
}

/** A fetch that lets the first write reach the fake, then loses its answer (a connection lost after sending). */
function losingFirstAnswer(inner: () => PspFetch, path: string): PspFetch {
  let lost = false;
  return async (input, init) => {
    const response = await inner()(input, init);
    if (!lost && new URL(String(input)).pathname === path) {
      lost = true;
      throw new TypeError('fetch failed', { cause: new Error('socket hang up') });
    }
    return response;
  };
}

describe('Currencycloud writes', () => {
  it('a transfer whose answer was lost, asked again with the same key, moves money once and answers the same transfer', async () => {
    const fetch = losingFirstAnswer(() => h.psp.fetch, '/v2/transfers/create');
    const h = await startHarness({ fetch: (input, init) => fetch(input, init) });
    try {
      const request = { paymentInitiation: initiation(SUB_ACCOUNT), idempotencyKey: KEY };
      await expect(h.connector.createTransfer(request)).rejects.toBeInstanceOf(UpstreamError);
      const answer = await h.connector.createTransfer(request);
      expect(h.world.transfers).toHaveLength(1);
      expect(h.psp.movements).toHaveLength(1);
      expect(answer.payment?.reference).toBe(h.world.transfers[0]?.id);
      expect(answer.payment).toMatchObject({
        type: 'TRANSFER',
        status: 'SUCCEEDED',
        amount: 123_45n,
        asset: 'EUR/2',
        sourceAccountReference: HOUSE_ACCOUNT,
        destinationAccountReference: SUB_ACCOUNT,
      });
      const sent = h.psp
        .requestsTo('POST', '/v2/transfers/create')
        .map((r) => r.form().get('unique_request_id'));
      expect(sent).toEqual([KEY, KEY]);
      expect(h.psp.requestsTo('POST', '/v2/transfers/create')[0]?.form().get('amount')).toBe('123.45');
    } finally {
      await h.close();
    }
  });

  it('a payout whose answer was lost, asked again, moves money once; until final it answers a polling id that polls', async () => {
    const fetch = losingFirstAnswer(() => h.psp.fetch, '/v2/payments/create');
    const h = await startHarness({ fetch: (input, init) => fetch(input, init) });
    try {
      const request = {
        paymentInitiation: initiation(BENEFICIARY, {
          metadata: { 'com.currencycloud.spec/payment_type': 'priority' },
        }),
        idempotencyKey: KEY,
      };
      await expect(h.connector.createPayout(request)).rejects.toBeInstanceOf(UpstreamError);
      const answer = await h.connector.createPayout(request);
      expect(h.world.payments).toHaveLength(1);
      expect(h.psp.movements).toHaveLength(1);
      expect(answer).toEqual({ pollingId: KEY });
      const form = h.psp.requestsTo('POST', '/v2/payments/create')[0]?.form();
      expect(form?.get('payment_type')).toBe('priority');
      expect(form?.get('reference')).toBe('Invoice 2026-007');
      expect(await h.connector.pollPayoutStatus({ pollingId: KEY })).toEqual({});
      const made = h.world.payments[0];
      if (!made) throw new Error('no payment at the fake');
      made.status = 'completed';
      const polled = await h.connector.pollPayoutStatus({ pollingId: KEY });
      expect(polled.payment).toMatchObject({
        reference: made.id,
        type: 'PAYOUT',
        status: 'SUCCEEDED',
        amount: 123_45n,
        destinationAccountReference: BENEFICIARY,
      });
    } finally {
      await h.close();
    }
  });

  it('a refusal other than a duplicate stays a refusal (nothing moved)', async () => {
    const h = await startHarness();
    try {
      const request = {
        paymentInitiation: initiation('c1b2e3f4-0000-4000-8000-0000000000ff'),
        idempotencyKey: KEY,
      };
      const error = await h.connector.createPayout(request).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as Error).message).toContain(
        'payment_create_failed: beneficiary_id: Beneficiary was not found for this id',
      );
      expect(h.psp.requestsTo('GET', '/v2/payments/find')).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  it('a transfer without a source, or an unknown payment type, is refused before anything is sent', async () => {
    const h = await startHarness();
    try {
      await expect(
        h.connector.createTransfer({
          paymentInitiation: { ...initiation(SUB_ACCOUNT), sourceAccount: undefined } as PspPaymentInitiation,
          idempotencyKey: KEY,
        }),
      ).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(
        h.connector.createPayout({
          paymentInitiation: initiation(BENEFICIARY, {
            metadata: { 'com.currencycloud.spec/payment_type': 'swift' },
          }),
          idempotencyKey: KEY,
        }),
      ).rejects.toBeInstanceOf(InvalidRequestError);
      expect(h.psp.writes().filter((r) => r.path !== '/v2/authenticate/api')).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('Currencycloud beneficiary creation', () => {
  const bankAccount = {
    id: 'ba-1',
    createdAt: new Date(),
    name: 'Lieferant GmbH',
    iban: 'DE89370400440532013000',
    swiftBicCode: 'COBADEFFXXX',
    country: 'de',
    metadata: {
      'com.currencycloud.spec/currency': 'eur',
      'com.currencycloud.spec/beneficiary_entity_type': 'company',
    },
  };

  it('a creation whose answer was lost, asked again with the same key, finds the first beneficiary instead of making a second', async () => {
    const fetch = losingFirstAnswer(() => h.psp.fetch, '/v2/beneficiaries/create');
    const h = await startHarness({ fetch: (input, init) => fetch(input, init) });
    try {
      const before = h.world.beneficiaries.length;
      const request = { bankAccount, idempotencyKey: KEY };
      await expect(h.connector.createBankAccount(request)).rejects.toBeInstanceOf(UpstreamError);
      const answer = await h.connector.createBankAccount(request);
      expect(h.world.beneficiaries).toHaveLength(before + 1);
      expect(h.psp.requestsTo('POST', '/v2/beneficiaries/create')).toHaveLength(1);
      expect(answer.relatedAccount).toMatchObject({
        reference: h.world.beneficiaries[before]?.id,
        name: 'Lieferant GmbH',
        defaultAsset: 'EUR/2',
      });
      const form = h.psp.requestsTo('POST', '/v2/beneficiaries/create')[0]?.form();
      expect(Object.fromEntries(form?.entries() ?? [])).toMatchObject({
        bank_country: 'DE',
        currency: 'EUR',
        iban: 'DE89370400440532013000',
        bic_swift: 'COBADEFFXXX',
        beneficiary_entity_type: 'company',
        beneficiary_company_name: 'Lieferant GmbH',
        beneficiary_external_reference: KEY,
      });
    } finally {
      await h.close();
    }
  });

  it('without a currency, a country or an account identifier nothing is sent', async () => {
    const h = await startHarness();
    try {
      for (const broken of [
        { ...bankAccount, metadata: {} },
        { ...bankAccount, country: undefined },
        { ...bankAccount, iban: undefined },
      ]) {
        await expect(
          h.connector.createBankAccount({ bankAccount: broken as typeof bankAccount, idempotencyKey: KEY }),
        ).rejects.toBeInstanceOf(InvalidRequestError);
      }
      expect(h.psp.requests.filter((r) => r.path.startsWith('/v2/beneficiaries'))).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('unique_request_id', () => {
  it('is the engine key when CC can take it, else a stable digest of at most 100 characters', () => {
    expect(uniqueRequestId(KEY)).toBe(KEY);
    const long = 'k'.repeat(150);
    expect(uniqueRequestId(long)).toBe(uniqueRequestId(long));
    expect(uniqueRequestId(long).length).toBeLessThanOrEqual(100);
    expect(uniqueRequestId(long)).not.toBe(uniqueRequestId(`${long}x`));
  });
});

describe("amounts in CC's decimals", () => {
  it('are exact, with CC departures from ISO 4217 (KWD with 2 decimals, HUF and JPY with none)', () => {
    expect(ccAmount(123_45n, 'EUR/2')).toEqual({ amount: '123.45', currency: 'EUR' });
    expect(ccAmount(1500n, 'JPY/0')).toEqual({ amount: '1500', currency: 'JPY' });
    expect(ccAmount(12_340n, 'KWD/3')).toEqual({ amount: '12.34', currency: 'KWD' });
    expect(ccAmount(2500n, 'HUF/0')).toEqual({ amount: '2500', currency: 'HUF' });
    expect(ccAmount(123_456_789_012_345_678_901n, 'USD/2')).toEqual({
      amount: '1234567890123456789.01',
      currency: 'USD',
    });
  });

  it('refuse what CC cannot carry: a third KWD decimal, a foreign precision, a non-positive amount', () => {
    expect(() => ccAmount(12_345n, 'KWD/3')).toThrow(/more decimals than Currencycloud's 2/);
    expect(() => ccAmount(100n, 'EUR/3')).toThrow(InvalidRequestError);
    expect(() => ccAmount(100n, 'BTC/8')).toThrow(InvalidRequestError);
    expect(() => ccAmount(0n, 'EUR/2')).toThrow(InvalidRequestError);
    expect(() => ccAmount(-5n, 'EUR/2')).toThrow(InvalidRequestError);
  });
});
