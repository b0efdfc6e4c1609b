// Amounts and metadata as every PSP sends them: decimal strings to exact minor units and back, and the spec metadata namespace.
import { assetFromCurrency, currencyPrecision, MAX_ASSET_PRECISION } from '../../domain/assets.js';
import { ConnectorError } from './errors.js';

/**
 * A PSP amount that cannot be read exactly: not a plain decimal, more decimals than its currency has,
 * or an unknown currency. A connector usually reports the record as skipped (FetchNextResponse.skipped)
 * with this message instead of failing the page.
 */
export class InvalidAmountError extends ConnectorError {
  override name = 'InvalidAmountError';
}

/**
 * A currency as PSPs name it (`EUR`, `jpy`), an asset with its precision (`BTC/8`), or the precision
 * itself (number of minor-unit digits).
 */
export type CurrencyOrPrecision = string | number;

function precisionOf(currency: CurrencyOrPrecision): number {
  if (typeof currency === 'number') {
    if (!Number.isInteger(currency) || currency < 0 || currency > MAX_ASSET_PRECISION) {
      throw new InvalidAmountError(`${currency} is not a precision (0 to ${MAX_ASSET_PRECISION} digits)`);
    }
    return currency;
  }
  const slash = currency.indexOf('/');
  if (slash >= 0) return precisionOf(Number(currency.slice(slash + 1)));
  const precision = currencyPrecision(currency);
  if (precision === undefined) throw new InvalidAmountError(`'${currency}' is not an ISO 4217 currency`);
  return precision;
}

// Digits with an optional sign and fraction; no exponent, no grouping, no leading '+', no bare '.5' or '5.'.
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * A major-unit decimal string as PSPs send it (`"1234.56"` EUR) as minor units (123456n), exactly: the
 * digits are shifted as text, never through a float, so any size is exact. Negative amounts (balances,
 * refunds) keep their sign. Extra decimals are accepted only when they are zeros (`"1.50"` for JPY is
 * refused, `"150.000"` is not); exponents (`"1e3"`), grouping (`"1,000"`), blanks and a leading `+`
 * are refused with InvalidAmountError.
 */
export function toMinorUnits(amount: string, currency: CurrencyOrPrecision): bigint {
  const precision = precisionOf(currency);
  const match = DECIMAL.exec(amount);
  if (!match) {
    const why = /e/i.test(amount) ? 'exponents are not accepted' : 'expected digits with an optional . part';
    throw new InvalidAmountError(`'${amount.slice(0, 64)}' is not a decimal amount (${why})`);
  }
  const [, sign = '', whole = '', fraction = ''] = match;
  const kept = fraction.slice(0, precision);
  const dropped = fraction.slice(precision);
  if (/[1-9]/.test(dropped)) {
    throw new InvalidAmountError(
      `'${amount.slice(0, 64)}' has more decimals than its currency's ${precision}: it cannot be stored exactly`,
    );
  }
  const minor = BigInt(whole + kept.padEnd(precision, '0'));
  return sign === '-' ? -minor : minor;
}

/**
 * A PSP's amount and ISO 4217 currency as the engine stores them: `("1234.56", "eur")` →
 * `{amount: 123456n, asset: "EUR/2"}`. Throws InvalidAmountError like toMinorUnits.
 */
export function pspMoney(amount: string, currency: string): { amount: bigint; asset: string } {
  const asset = assetFromCurrency(currency);
  if (asset === undefined)
    throw new InvalidAmountError(`'${currency.slice(0, 32)}' is not an ISO 4217 currency`);
  return { amount: toMinorUnits(amount, asset), asset };
}

/**
 * Minor units as a major-unit decimal string with exactly the currency's decimals (123456n EUR →
 * `"1234.56"`, 5n JPY → `"5"`, -5n EUR → `"-0.05"`), what PSP write APIs usually expect.
 */
export function fromMinorUnits(minor: bigint, currency: CurrencyOrPrecision): string {
  const precision = precisionOf(currency);
  const sign = minor < 0n ? '-' : '';
  const digits = (minor < 0n ? -minor : minor).toString();
  if (precision === 0) return sign + digits;
  const padded = digits.padStart(precision + 1, '0');
  return `${sign}${padded.slice(0, -precision)}.${padded.slice(-precision)}`;
}

// A provider id as registered: lower case letters, digits and dashes.
const PROVIDER = /^[a-z0-9][a-z0-9-]*$/;

/**
 * A connector's own metadata keys in Formance's namespace: `specMetadata('stripe', {type: 'card'})` →
 * `{"com.stripe.spec/type": "card"}`. Undefined and null values are left out, so optional PSP fields
 * can be passed as they come; other values are written as strings.
 */
export function specMetadata(
  provider: string,
  values: Record<string, string | number | bigint | boolean | null | undefined>,
): Record<string, string> {
  const namespace = provider.toLowerCase();
  if (!PROVIDER.test(namespace)) throw new Error(`'${provider}' is not a provider id`);
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    metadata[specMetadataKey(namespace, key)] = String(value);
  }
  return metadata;
}

/** The namespaced key alone: `specMetadataKey('stripe', 'type')` → `com.stripe.spec/type`. */
export function specMetadataKey(provider: string, key: string): string {
  if (key === '') throw new Error('a metadata key cannot be empty');
  return `com.${provider.toLowerCase()}.spec/${key}`;
}
