import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromMinorUnits,
  InvalidAmountError,
  pspMoney,
  specMetadata,
  specMetadataKey,
  toMinorUnits,
} from './money.js';

describe('toMinorUnits', () => {
  it('reads a decimal string in the currency minor units exactly', () => {
    expect(toMinorUnits('1234.56', 'EUR')).toBe(123456n);
    expect(toMinorUnits('1234.5', 'EUR')).toBe(123450n);
    expect(toMinorUnits('1234', 'eur')).toBe(123400n);
    expect(toMinorUnits('1234', 'JPY')).toBe(1234n);
    expect(toMinorUnits('1.234', 'KWD')).toBe(1234n);
    expect(toMinorUnits('0.00000001', 'BTC/8')).toBe(1n);
    expect(toMinorUnits('0.1', 2)).toBe(10n);
  });

  it('does not drift where a float would (0.29 * 100 is 28.999999999999996)', () => {
    expect(toMinorUnits('0.29', 'EUR')).toBe(29n);
    expect(toMinorUnits('1.15', 'USD')).toBe(115n);
  });

  it('keeps the sign of negative amounts', () => {
    expect(toMinorUnits('-12.34', 'EUR')).toBe(-1234n);
    expect(toMinorUnits('-0.05', 'EUR')).toBe(-5n);
  });

  it('accepts extra decimals only when they are zeros', () => {
    expect(toMinorUnits('150.000', 'JPY')).toBe(150n);
    expect(toMinorUnits('1.2300', 'EUR')).toBe(123n);
    expect(() => toMinorUnits('1.50', 'JPY')).toThrow(/more decimals than its currency's 0/);
    expect(() => toMinorUnits('1.001', 'EUR')).toThrow(InvalidAmountError);
  });

  it('refuses exponents, grouping, blanks, a plus sign and half-written numbers', () => {
    expect(() => toMinorUnits('1e3', 'EUR')).toThrow(/exponents are not accepted/);
    expect(() => toMinorUnits('1.5E-2', 'EUR')).toThrow(/exponents/);
    for (const bad of [
      '1,000.00',
      ' 1.00',
      '1.00 ',
      '+1.00',
      '.5',
      '5.',
      '',
      '-',
      'NaN',
      'Infinity',
      '0x10',
    ]) {
      expect(() => toMinorUnits(bad, 'EUR'), bad).toThrow(InvalidAmountError);
    }
  });

  it('refuses unknown currencies and impossible precisions', () => {
    expect(() => toMinorUnits('1', 'XYZ')).toThrow(/not an ISO 4217 currency/);
    expect(() => toMinorUnits('1', 25)).toThrow(InvalidAmountError);
    expect(() => toMinorUnits('1', 1.5)).toThrow(InvalidAmountError);
  });

  it('stays exact far beyond the float range', () => {
    expect(toMinorUnits('123456789012345678901234567890.12', 'EUR')).toBe(12345678901234567890123456789012n);
  });
});

describe('pspMoney', () => {
  it('gives the amount in minor units with the asset of its currency', () => {
    expect(pspMoney('1234.56', 'eur')).toEqual({ amount: 123456n, asset: 'EUR/2' });
    expect(pspMoney('1234', 'JPY')).toEqual({ amount: 1234n, asset: 'JPY/0' });
    expect(() => pspMoney('1', 'EURO')).toThrow(InvalidAmountError);
  });
});

describe('fromMinorUnits', () => {
  it('writes minor units with exactly the currency decimals', () => {
    expect(fromMinorUnits(123456n, 'EUR')).toBe('1234.56');
    expect(fromMinorUnits(5n, 'EUR')).toBe('0.05');
    expect(fromMinorUnits(-5n, 'EUR')).toBe('-0.05');
    expect(fromMinorUnits(0n, 'EUR')).toBe('0.00');
    expect(fromMinorUnits(5n, 'JPY')).toBe('5');
    expect(fromMinorUnits(1n, 'BTC/8')).toBe('0.00000001');
  });
});

describe('minor units round trip', () => {
  const precision = fc.integer({ min: 0, max: 24 });
  const minor = fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n });

  it('gives back the same minor units for any amount and precision', () => {
    fc.assert(
      fc.property(minor, precision, (value, digits) => {
        expect(toMinorUnits(fromMinorUnits(value, digits), digits)).toBe(value);
      }),
    );
  });

  it('gives back the same decimal text for any canonical decimal', () => {
    const decimal = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 18 }))
      .chain(([negative, whole, digits]) =>
        fc
          .string({ unit: fc.constantFrom(...'0123456789'), minLength: digits, maxLength: digits })
          .map((fraction) => ({
            text: `${negative && (whole > 0n || /[1-9]/.test(fraction)) ? '-' : ''}${whole}${digits > 0 ? `.${fraction}` : ''}`,
            digits,
          })),
      );
    fc.assert(
      fc.property(decimal, ({ text, digits }) => {
        expect(fromMinorUnits(toMinorUnits(text, digits), digits)).toBe(text);
      }),
    );
  });

  it('agrees with integer arithmetic on cents, where floats drift', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 99 }), (units, cents) => {
        const text = `${units}.${String(cents).padStart(2, '0')}`;
        expect(toMinorUnits(text, 'USD')).toBe(BigInt(units) * 100n + BigInt(cents));
      }),
    );
  });
});

describe('specMetadata', () => {
  it('namespaces keys under com.<provider>.spec and leaves out absent values', () => {
    expect(
      specMetadata('Stripe', { type: 'card', fee: 12n, live: false, refund: undefined, note: null }),
    ).toEqual({
      'com.stripe.spec/type': 'card',
      'com.stripe.spec/fee': '12',
      'com.stripe.spec/live': 'false',
    });
    expect(specMetadataKey('moneycorp', 'accountId')).toBe('com.moneycorp.spec/accountId');
  });

  it('refuses a provider that would break the namespace, and empty keys', () => {
    expect(() => specMetadata('a.b', { x: '1' })).toThrow(/not a provider id/);
    expect(() => specMetadata('acme', { '': '1' })).toThrow(/cannot be empty/);
  });
});
