// Amounts in major units (exact, locale-aware) and times in a given zone, naming the zone.
import { describe, expect, it } from 'vitest';
import { amountText, enumText, isZeroTime, timeText } from './format.js';

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
});
