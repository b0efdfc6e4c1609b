// Exact JSON for money: integers beyond 2^53 are read as bigint and bigints are written as bare digits.
import { parse, stringify, isSafeNumber } from 'lossless-json';

const INTEGER = /^-?\d+$/;

function parseNumber(text: string): number | bigint {
  if (INTEGER.test(text) && !isSafeNumber(text)) return BigInt(text);
  return Number(text);
}

/** Parses JSON text; integers that a double cannot hold exactly become bigint, all others stay numbers. */
export function parseJson(text: string): unknown {
  return parse(text, null, parseNumber);
}

/**
 * Serialises to JSON; bigint values are written as exact integer literals (no quotes). Values without a
 * bigint (nearly all) take the native JSON.stringify, which writes the same text; it throws a TypeError
 * on a bigint, and then lossless-json writes the value.
 */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  return stringify(value) ?? 'null';
}
