// Adyen's minor units: ISO 4217 exponents, except where Adyen's currency codes table says otherwise.
import { currencyPrecision } from '../../domain/assets.js';
import { InvalidAmountError } from '../sdk/money.js';

/**
 * Currencies whose Adyen exponent departs from ISO 4217 (docs.adyen.com/development-resources/currency-codes):
 * Adyen counts CLP and ISK in hundredths (ISO: none) and CVE and IDR in whole units (ISO: two decimals).
 * Amounts are kept exactly as Adyen sends them, with Adyen's exponent in the asset (`ISK/2`), so nothing
 * is rounded.
 */
export const ADYEN_EXPONENTS: Readonly<Record<string, number>> = { CLP: 2, CVE: 0, IDR: 0, ISK: 2 };

/** The exponent Adyen uses for a currency code, undefined for a code that is not a currency. */
export function adyenExponent(currency: string): number | undefined {
  const code = currency.toUpperCase();
  return ADYEN_EXPONENTS[code] ?? currencyPrecision(code);
}

/** Adyen's `{currency, value}` (value in Adyen's minor units) as the engine stores it. */
export function adyenMoney(currency: string, value: number | bigint): { amount: bigint; asset: string } {
  const exponent = adyenExponent(currency);
  if (!/^[A-Za-z]{3}$/.test(currency) || exponent === undefined) {
    throw new InvalidAmountError(`'${currency.slice(0, 16)}' is not a currency Adyen uses`);
  }
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new InvalidAmountError(`${value} is not an exact amount in minor units`);
  }
  return { amount: BigInt(value), asset: `${currency.toUpperCase()}/${exponent}` };
}

/** The asset of a currency alone (a merchant's settlement currency), undefined when Adyen has no such currency. */
export function adyenAsset(currency: string | undefined): string | undefined {
  if (!currency) return undefined;
  const exponent = adyenExponent(currency);
  return exponent === undefined ? undefined : `${currency.toUpperCase()}/${exponent}`;
}
