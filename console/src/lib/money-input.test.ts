import { describe, expect, it } from 'vitest';
import { toMajorText, toMinorUnits } from './money-input.js';

describe('toMinorUnits', () => {
  it('converts major units exactly, where a float would not', () => {
    expect(toMinorUnits('0.29', 'EUR/2')).toEqual({ ok: true, minor: 29n });
    expect(toMinorUnits('1,234.56', 'EUR/2')).toEqual({ ok: true, minor: 123456n });
    expect(toMinorUnits('12', 'EUR/2')).toEqual({ ok: true, minor: 1200n });
    expect(toMinorUnits('.5', 'EUR/2')).toEqual({ ok: true, minor: 50n });
    expect(toMinorUnits('100', 'JPY/0')).toEqual({ ok: true, minor: 100n });
    expect(toMinorUnits('92233720368547758.08', 'USD/2')).toEqual({ ok: true, minor: 9223372036854775808n });
    expect(toMinorUnits('0.000000000000000001', 'ETH/18')).toEqual({ ok: true, minor: 1n });
  });

  it('refuses more decimals than the asset has, zero, signs and other text, with a reason', () => {
    for (const [text, asset, reason] of [
      ['1.234', 'EUR/2', /at most 2/],
      ['1.5', 'JPY/0', /no decimals/],
      ['0', 'EUR/2', /more than zero/],
      ['-5', 'EUR/2', /positive/],
      ['', 'EUR/2', /Enter an amount/],
      ['12,34', 'EUR/2', /point for the decimals/],
      ['1e3', 'EUR/2', /point for the decimals/],
    ] as const) {
      const result = toMinorUnits(text, asset);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.error, text).toMatch(reason);
    }
  });
});

describe('toMajorText', () => {
  it('writes minor units back as typed', () => {
    expect(toMajorText(123456n, 'EUR/2')).toBe('1234.56');
    expect(toMajorText(5, 'EUR/2')).toBe('0.05');
    expect(toMajorText(7n, 'JPY/0')).toBe('7');
  });
});
