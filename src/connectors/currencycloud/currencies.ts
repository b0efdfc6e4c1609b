// Currencycloud's own decimal places: amounts are stored in ISO 4217 precision, but written with the decimals Currencycloud takes.
import { currencyPrecision } from '../../domain/assets.js';
import { InvalidRequestError } from '../sdk/errors.js';
import { fromMinorUnits, InvalidAmountError, pspMoney } from '../sdk/money.js';

/**
 * Where Currencycloud departs from ISO 4217 ("Currency Decimal Places" in its support centre): it takes
 * KWD, OMR and BHD with 2 decimals (ISO: 3), and HUF with none (ISO: 2; Paybridge's precision, from
 * CLDR, is already 0). Amounts CC sends fit the asset's precision exactly (fewer decimals), so assets
 * stay what every other connector uses (`KWD/3`, `HUF/0`); only writes must go through these decimals,
 * and refuse what they cannot carry.
 */
export const CURRENCYCLOUD_DECIMALS: Readonly<Record<string, number>> = { HUF: 0, KWD: 2, OMR: 2, BHD: 2 };

/** A Currencycloud amount (decimal major units, a string) as exact minor units of its ISO asset. */
export function ccMoney(amount: string, currency: string): { amount: bigint; asset: string } {
  return pspMoney(amount, currency);
}

/**
 * Minor units of an ISO asset (`KWD/3`) as the decimal string Currencycloud takes for that currency.
 * Refused (InvalidRequestError, nothing sent) when the amount is not positive, the asset is not an ISO
 * currency at its ISO precision, or the amount has more decimals than Currencycloud takes.
 */
export function ccAmount(minor: bigint, asset: string): { amount: string; currency: string } {
  const [code = '', precisionText] = asset.split('/');
  const currency = code.toUpperCase();
  const iso = currencyPrecision(currency);
  if (iso === undefined || precisionText === undefined || Number(precisionText) !== iso) {
    throw new InvalidRequestError(
      `Currencycloud takes ISO 4217 currencies at their ISO precision; '${asset}' is not one`,
    );
  }
  if (minor <= 0n) throw new InvalidRequestError(`the amount must be positive (got ${minor})`);
  const decimals = CURRENCYCLOUD_DECIMALS[currency] ?? iso;
  const drop = iso - decimals;
  const scale = 10n ** BigInt(drop);
  if (minor % scale !== 0n) {
    throw new InvalidRequestError(
      `${fromMinorUnits(minor, iso)} ${currency} has more decimals than Currencycloud's ${decimals} for ${currency}`,
    );
  }
  try {
    return { amount: fromMinorUnits(minor / scale, decimals), currency };
  } catch (error) {
    if (error instanceof InvalidAmountError) throw new InvalidRequestError(error.message);
    throw error;
  }
}
