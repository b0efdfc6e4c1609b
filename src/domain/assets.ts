// Assets in the `CUR/precision` form, derived from ISO 4217 through the runtime's ICU data.

/**
 * The most minor-unit digits an asset may have. ISO 4217 currencies use 0 to 4, Bitcoin 8, Ether and most
 * ERC-20 tokens 18, and NEAR, the largest in wide use, 24. Beyond that a precision is a mistake, and it would
 * make every amount formatter build a power of ten as large as the caller likes.
 */
export const MAX_ASSET_PRECISION = 24;

// The code, as Formance's asset rule has it; the precision in canonical form: digits without a leading zero.
const ASSET = /^([A-Z][A-Z0-9]{0,16}(?:_[A-Z]{1,16})?)(?:\/(0|[1-9]\d?))?$/;
const ISO_CODES = new Set(Intl.supportedValuesOf('currency'));
const PRECISIONS = new Map<string, number>();

/** The parts of an asset in canonical form, or undefined. `precision` is undefined for a bare code (`COIN`). */
function parseAsset(asset: string): { code: string; precision: number | undefined } | undefined {
  const match = ASSET.exec(asset);
  if (!match) return undefined;
  const precision = match[2] === undefined ? undefined : Number(match[2]);
  if (precision !== undefined && precision > MAX_ASSET_PRECISION) return undefined;
  return { code: match[1] as string, precision };
}

/**
 * An asset as PSP data may carry it: a code (`USD`, `BTC`, `USDC_ETH`) and usually a precision in canonical form
 * (`USD/2`; not `USD/02`, not beyond MAX_ASSET_PRECISION). Some PSPs know assets without a precision (`COIN`).
 */
export function isValidAsset(asset: string): boolean {
  return parseAsset(asset) !== undefined;
}

/** An asset as the API accepts it on payments and accounts: a code and a canonical precision (`BTC/8`, not `EUR`). */
export function isAsset(asset: string): boolean {
  return parseAsset(asset)?.precision !== undefined;
}

/**
 * An asset as money movement requests accept it: an ISO 4217 code (any case, as Formance checks it) and a
 * canonical precision (`EUR/2`). PSP data may carry wider forms (`BTC/8`, `USDC_ETH/6`); initiations may not.
 */
export function isIsoAsset(asset: string): boolean {
  const slash = asset.indexOf('/');
  if (slash !== 3) return false;
  const code = asset.slice(0, 3).toUpperCase();
  return ISO_CODES.has(code) && isAsset(`${code}${asset.slice(3)}`);
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
