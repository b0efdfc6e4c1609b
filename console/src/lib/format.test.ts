// Amounts in major units (exact, locale-aware) and times in a given zone, naming the zone.
import { describe, expect, it } from 'vitest';
import { PAYMENT_SCHEMES, PAYMENT_STATUSES, PAYMENT_TYPES } from '../../../src/domain/enums.js';
import { amountText, enumText, isZeroTime, schemeText, shownAmount, statusText, timeText } from './format.js';

describe('console formatting', () => {
  it('shows minor units in major units with the asset precision, exactly', () => {
    expect(amountText(123456, 'USD/2', 'en-US')).toBe('1,234.56 USD');
    expect(amountText(18446744073709551615n, 'USD/2', 'en-US')).toBe('184,467,440,737,095,516.15 USD');
    expect(amountText(-5, 'EUR/2', 'en-US')).toBe('-0.05 EUR');
    expect(amountText(123456, 'USD/2', 'de-DE')).toBe('1.234,56 USD');
  });

  it('shows an amount it cannot read as it came, never a guess', () => {
    expect(amountText('12.5', 'USD/2', 'en-US')).toBe('12.5 USD/2');
  });

  it('shows times in the given zone and names it', () => {
    const text = timeText('2024-01-01T10:00:00Z', 'en-US', 'Europe/Paris');
    expect(text).toContain('11:00:00');
    expect(text).toContain('GMT+1');
    expect(timeText('2024-07-01T10:00:00Z', 'en-US', 'UTC')).toContain('UTC');
  });

  it('leaves the year out only for this year', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    expect(timeText('2026-03-01T10:00:00Z', 'en-US', 'UTC', now)).toBe('Mar 1, 10:00:00 AM UTC');
    expect(timeText('2024-03-01T10:00:00Z', 'en-US', 'UTC', now)).toBe('Mar 1, 2024, 10:00:00 AM UTC');
  });

  it('recognises Formance zero time and words enum values', () => {
    expect(isZeroTime('0001-01-01T00:00:00Z')).toBe(true);
    expect(isZeroTime('2024-01-01T00:00:00Z')).toBe(false);
    expect(enumText('WAITING_FOR_VALIDATION')).toBe('Waiting for validation');
  });

  it('names schemes the way networks and PSPs write them', () => {
    expect(schemeText('SEPA')).toBe('SEPA');
    expect(schemeText('CARD_MASTERCARD')).toBe('Mastercard');
    expect(schemeText('CARD_VISA')).toBe('Visa');
    expect(schemeText('CARD_AMEX')).toBe('Amex');
    expect(schemeText('APPLE_PAY')).toBe('Apple Pay');
    expect(schemeText('ACH_DEBIT')).toBe('ACH Debit');
    expect(schemeText('SEPA_CREDIT')).toBe('SEPA Credit Transfer');
    // Values outside the enum (a PSP's own) keep their acronyms.
    expect(schemeText('SWIFT')).toBe('SWIFT');
    expect(schemeText('swift_gpi')).toBe('SWIFT gpi');
    expect(schemeText('CARD_ELO')).toBe('Elo');
    expect(schemeText('FEDNOW')).toBe('FedNow');
    for (const scheme of PAYMENT_SCHEMES) {
      expect(schemeText(scheme), scheme).not.toMatch(/_|^Card /);
      expect(schemeText(scheme), scheme).not.toBe('');
    }
  });

  it('words statuses and types without the wire spelling', () => {
    expect(statusText('AMOUNT_ADJUSTEMENT')).toBe('Amount adjustment');
    expect(statusText('PAY-IN')).toBe('Pay-in');
    expect(statusText('REFUND_REVERSED')).toBe('Refund reversed');
    expect(statusText('AUTHORISATION')).toBe('Authorised');
    for (const value of [...PAYMENT_STATUSES, ...PAYMENT_TYPES]) {
      expect(statusText(value), value).not.toMatch(/_|ADJUSTEMENT/);
    }
  });

  it('shows the amount a payment concerns, not 0 for an authorisation', () => {
    const base = { asset: 'EUR/2', initialAmount: 10_000, amount: 0 };
    expect(shownAmount({ ...base, status: 'AUTHORISATION' }, 'en-US')).toEqual({
      amount: 10_000,
      note: 'not captured yet',
    });
    expect(shownAmount({ ...base, status: 'FAILED' }, 'en-US')).toEqual({ amount: 10_000 });
    expect(shownAmount({ ...base, status: 'AUTHORISATION', amount: 2_500 }, 'en-US')).toEqual({
      amount: 10_000,
      note: '25.00 EUR captured',
    });
    expect(shownAmount({ ...base, status: 'PENDING', amount: 10_000 }, 'en-US')).toEqual({ amount: 10_000 });
    // A partial refund: what moved, and out of how much.
    expect(shownAmount({ ...base, status: 'REFUNDED', amount: 7_000 }, 'en-US')).toEqual({
      amount: 7_000,
      note: 'of 100.00 EUR',
    });
    const huge = 2n ** 70n;
    expect(shownAmount({ ...base, status: 'AUTHORISATION', initialAmount: huge }, 'en-US').amount).toBe(huge);
  });
});
