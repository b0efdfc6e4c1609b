import { describe, expect, it } from 'vitest';
import { formatAmount, splitAsset } from './amount-format.js';

describe('formatAmount', () => {
  it('shows minor units in major units with the asset precision and grouping', () => {
    expect(formatAmount(123456n, 'USD/2')).toBe('1,234.56 USD');
    expect(formatAmount(5, 'EUR/2')).toBe('0.05 EUR');
    expect(formatAmount('1000', 'JPY/0')).toBe('1,000 JPY');
    expect(formatAmount(12345678n, 'BTC/8')).toBe('0.12345678 BTC');
    expect(formatAmount(-250, 'EUR/2')).toBe('-2.50 EUR');
    expect(formatAmount(0n, 'USDC_ETH/6')).toBe('0.000000 USDC_ETH');
  });

  it('keeps every digit of amounts beyond 2^53', () => {
    expect(formatAmount(123456789012345678901234567890n, 'USD/2')).toBe(
      '1,234,567,890,123,456,789,012,345,678.90 USD',
    );
  });

  it('follows the locale for separators', () => {
    expect(formatAmount(123456n, 'EUR/2', 'de-DE')).toBe('1.234,56 EUR');
  });

  it('shows an asset without a precision as whole units', () => {
    expect(formatAmount(42, 'POINTS')).toBe('42 POINTS');
    expect(splitAsset('USD/2')).toEqual({ code: 'USD', precision: 2 });
  });

  it('refuses a value that is not an integer amount', () => {
    expect(() => formatAmount(1.5, 'USD/2')).toThrow(TypeError);
    expect(() => formatAmount('12.3', 'USD/2')).toThrow(TypeError);
  });
});
