import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { parseAmount, parseMetadata, parseTimeout } from './shared.js';

describe('parseAmount', () => {
  it('reads whole minor units exactly, beyond 2^53', () => {
    expect(parseAmount('18446744073709551615')).toBe(18446744073709551615n);
    expect(parseAmount('1050')).toBe(1050n);
  });

  it('refuses decimals, signs and words with a usage error', () => {
    for (const bad of ['10.50', '-5', '1e3', 'ten', '']) expect(() => parseAmount(bad)).toThrow(UsageError);
  });
});

describe('parseMetadata', () => {
  it('splits key=value at the first equals sign', () => {
    expect(parseMetadata(['a=1', 'b=x=y'])).toEqual({ a: '1', b: 'x=y' });
    expect(() => parseMetadata(['novalue'])).toThrow(UsageError);
  });
});

describe('parseTimeout', () => {
  it('takes Go durations and refuses anything else', () => {
    expect(parseTimeout('90s')).toBe(90_000);
    expect(parseTimeout('1m30s')).toBe(90_000);
    expect(() => parseTimeout('soon')).toThrow(UsageError);
  });
});
