// Shows an amount in minor units as a person reads it: `USD/2` 123456 → `1,234.56 USD`, exact for any size.

/** Splits `USD/2` into its code and precision; an asset without one is shown with no decimals. */
export function splitAsset(asset: string): { code: string; precision: number } {
  const slash = asset.lastIndexOf('/');
  if (slash < 0) return { code: asset, precision: 0 };
  const precision = Number(asset.slice(slash + 1));
  if (!Number.isInteger(precision) || precision < 0) return { code: asset, precision: 0 };
  return { code: asset.slice(0, slash), precision };
}

function toBigInt(amount: bigint | number | string): bigint {
  if (typeof amount === 'bigint') return amount;
  if (typeof amount === 'number' && Number.isSafeInteger(amount)) return BigInt(amount);
  if (typeof amount === 'string' && /^-?\d+$/.test(amount)) return BigInt(amount);
  throw new TypeError(`not an integer amount: ${String(amount)}`);
}

/**
 * The amount in major units with the asset's precision, grouped the locale's way, then the asset's
 * code. Only integer arithmetic is used, so 2^63 minor units print every digit.
 */
export function formatAmount(amount: bigint | number | string, asset: string, locale = 'en-US'): string {
  const { code, precision } = splitAsset(asset);
  const minor = toBigInt(amount);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(precision + 1, '0');
  const whole = BigInt(digits.slice(0, digits.length - precision));
  const fraction = digits.slice(digits.length - precision);
  const format = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const decimal =
    new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
  const major = format.format(whole) + (precision > 0 ? decimal + fraction : '');
  return `${negative ? '-' : ''}${major} ${code}`;
}
