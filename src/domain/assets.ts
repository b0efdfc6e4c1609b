// Assets in the `CUR/precision` form, derived from ISO 4217 through the runtime's ICU data.

const PSP_ASSET = /^[A-Z][A-Z0-9]{0,16}(_[A-Z]{1,16})?(\/\d{1,6})?$/;
const ISO_CODES = new Set(Intl.supportedValuesOf('currency'));
const PRECISIONS = new Map<string, number>();

export function isValidAsset(asset: string): boolean {
  return PSP_ASSET.test(asset);
}

/**
 * An asset as the API accepts it from users: an ISO 4217 code (any case), one slash, and a precision
 * (`EUR/2`). PSP data may carry wider forms (`BTC/8`, `USDC_ETH/6`); money movement requests may not.
 */
export function isIsoAsset(asset: string): boolean {
  const match = /^([A-Za-z]{3})\/(\d{1,6})$/.exec(asset);
  return match !== null && ISO_CODES.has((match[1] as string).toUpperCase());
}

/** The number of minor-unit digits of an ISO 4217 currency, or undefined when the code is unknown. */
export function currencyPrecision(code: string): number | undefined {
  const upper = code.toUpperCase();
  if (!ISO_CODES.has(upper)) return undefined;
  let precision = PRECISIONS.get(upper);
  if (precision === undefined) {
    // Building a NumberFormat is slow; a poll maps the same few currencies thousands of times.
    precision = new Intl.NumberFormat('en', { style: 'currency', currency: upper }).resolvedOptions()
      .maximumFractionDigits as number;
    PRECISIONS.set(upper, precision);
  }
  return precision;
}

/** `EUR` → `EUR/2`, `JPY` → `JPY/0`; a value that already carries a precision is returned unchanged. */
export function assetFromCurrency(currency: string): string | undefined {
  if (currency.includes('/')) return isValidAsset(currency) ? currency : undefined;
  const precision = currencyPrecision(currency);
  return precision === undefined ? undefined : `${currency.toUpperCase()}/${precision}`;
}
