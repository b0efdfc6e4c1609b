// Amounts in minor units: bigint in code, NUMERIC in SQL, bare integer literals in JSON.

/** Converts a value read from JSON or SQL (number, bigint or digit string) to bigint, or throws. */
export function toAmount(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new TypeError(`not an integer amount: ${String(value)}`);
}
