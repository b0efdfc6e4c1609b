// Amounts in minor units: bigint in code, NUMERIC in SQL, bare integer literals in JSON.

/** Converts a value read from JSON or SQL (number, bigint or digit string) to bigint, or throws. */
export function toAmount(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new TypeError(`not an integer amount: ${String(value)}`);
}

/**
 * The largest amount the API takes, in minor units: 38 digits, i.e. NUMERIC(38, 0), the widest exact integer
 * that databases and data warehouses commonly share (PostgreSQL's NUMERIC goes further, an export usually does
 * not). 10^38 minor units is far beyond any real balance, even in an 18- or 24-decimal crypto asset.
 */
export const MAX_AMOUNT = 10n ** 38n - 1n;

/** Whether an amount lies within ±MAX_AMOUNT. */
export function isAmountInRange(amount: bigint): boolean {
  return amount >= -MAX_AMOUNT && amount <= MAX_AMOUNT;
}
