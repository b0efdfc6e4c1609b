// Exact JSON for money: integers beyond 2^53 are read as bigint and bigints are written as bare digits.
import { isLosslessNumber, isSafeNumber, parse } from 'lossless-json';

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
 * Serialises to JSON; bigint values (and lossless-json's LosslessNumber) are written as exact number
 * literals (no quotes). Natively: a value without them takes JSON.stringify as is (it throws a TypeError
 * on a bigint, and shows a LosslessNumber as an object); one with them (an event's amounts) goes through
 * JSON.stringify again with each number as a marked string, whose quotes and marks are then taken off.
 * lossless-json, which wrote the same text element by element in JavaScript, was the top of the
 * ingestion profile.
 */
export function stringifyJson(value: unknown): string {
  try {
    const text = JSON.stringify(value) ?? 'null';
    if (!text.includes('"isLosslessNumber":true')) return text;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  return stringifyWithNumbers(value);
}

/**
 * The same text as stringifyJson, in one pass for a value that most likely holds a bigint (an event
 * payload's amounts): the native attempt without them would only throw halfway.
 */
export function stringifyWithNumbers(value: unknown): string {
  const text = JSON.stringify(value, markNumber) ?? 'null';
  return text.includes(NUMBER_MARK) ? text.replace(MARKED_NUMBER, '$1') : text;
}

/** A mark no stored text carries: a NUL (which JSON writes as \u0000) and a random nonce of this process. */
const NUMBER_NONCE = Array.from(globalThis.crypto.getRandomValues(new Uint32Array(2)), (n) =>
  n.toString(16),
).join('');
const NUMBER_MARK = `\\u0000${NUMBER_NONCE}`;
const MARKED_NUMBER = new RegExp(`"\\\\u0000${NUMBER_NONCE}(-?[0-9][0-9.eE+-]*)"`, 'g');
function markNumber(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint' || isLosslessNumber(value)) return `\u0000${NUMBER_NONCE}${String(value)}`;
  return value;
}
