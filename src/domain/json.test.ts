import { LosslessNumber, stringify } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson, stringifyWithNumbers } from './json.js';
import { toAmount } from './money.js';

describe('money JSON', () => {
  it('round-trips 18 446 744 073 709 551 615 without loss or quotes', () => {
    const text = '{"amount":18446744073709551615,"small":42}';
    const value = parseJson(text) as { amount: bigint; small: number };
    expect(value.amount).toBe(18446744073709551615n);
    expect(value.small).toBe(42);
    expect(stringifyJson(value)).toBe(text);
  });

  it('keeps 2^53 + 1 exact, which a double cannot hold', () => {
    const value = parseJson('[9007199254740993]') as bigint[];
    expect(value[0]).toBe(9007199254740993n);
  });

  it('writes bigints as bare integer literals', () => {
    expect(stringifyJson({ a: -5n, b: [1n] })).toBe('{"a":-5,"b":[1]}');
  });

  it('leaves fractions as numbers, which an amount check then refuses', () => {
    const value = parseJson('{"amount":1.5}') as { amount: number };
    expect(value.amount).toBe(1.5);
    expect(() => toAmount(value.amount)).toThrow(TypeError);
  });

  it('rejects malformed JSON', () => {
    expect(() => parseJson('{"a":')).toThrow();
  });

  it('converts NUMERIC text and safe numbers to bigint', () => {
    expect(toAmount('18446744073709551615')).toBe(18446744073709551615n);
    expect(toAmount(12)).toBe(12n);
    expect(() => toAmount('12.5')).toThrow(TypeError);
  });

  it('writes the same text as lossless-json, with and without bigints, quotes, NULs and dates', () => {
    const values: unknown[] = [
      { a: 1n, b: 'x"\\y', c: [1n, -5n, null, undefined, 'z'], d: { e: 123456789012345678901234567890n } },
      { s: '\u0000x', t: '\u0000bigint 5', when: new Date(0), nan: NaN, skip: undefined },
      [undefined, () => 1],
      { amount: new LosslessNumber('12.50'), big: 7n, text: 'isLosslessNumber' },
      { n: new LosslessNumber('-1e-7') },
      'plain',
      12n,
      null,
      undefined,
    ];
    for (const value of values) {
      expect(stringifyJson(value)).toBe(stringify(value) ?? 'null');
      expect(stringifyWithNumbers(value)).toBe(stringify(value) ?? 'null');
    }
  });
});
