// Exact JSON for money: integers beyond 2^53 are read as bigint and bigints are written as bare digits.
import { parse, isSafeNumber } from 'lossless-json';

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
 * Serialises to JSON; bigint values are written as exact integer literals (no quotes). Natively: a value
 * without a bigint takes JSON.stringify as is (it throws a TypeError on a bigint); one with bigints (an
 * event's amounts) goes through JSON.stringify again with each bigint as a marked string, whose quotes
 * and marks are then taken off. lossless-json, which wrote the same text element by element in
 * JavaScript, was the top of the ingestion profile.
 */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  const text = JSON.stringify(value, markBigint) ?? 'null';
  return text.includes(BIGINT_MARK) ? text.replace(MARKED_BIGINT, '$1') : text;
}

/** A mark no stored text carries: a NUL (which JSON writes as \u0000) and a random nonce of this process. */
const BIGINT_NONCE = Array.from(globalThis.crypto.getRandomValues(new Uint32Array(2)), (n) =>
  n.toString(16),
).join('');
const BIGINT_MARK = `\\u0000${BIGINT_NONCE}`;
const MARKED_BIGINT = new RegExp(`"\\\\u0000${BIGINT_NONCE}(-?\\d+)"`, 'g');
function markBigint(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `\u0000${BIGINT_NONCE}${value.toString()}` : value;
}
