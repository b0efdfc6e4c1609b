// Stripe's own currency exponents: amounts in the API are integers in these units, which depart from ISO 4217 (and ICU) for a few currencies.
import { InvalidAmountError } from '../sdk/money.js';

/** Stripe's zero-decimal currencies: the API amount is in whole units. */
const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);

/** Stripe's three-decimal currencies (charges must end in 0, which changes nothing to the exponent). */
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/**
 * Currencies Stripe keeps two-decimal in the API although their money has no minor unit (ISK) or Stripe
 * pays them out in whole units only (HUF, TWD): payout and transfer amounts must be divisible by 100.
 */
export const WHOLE_UNIT_PAYOUTS = new Set(['ISK', 'HUF', 'TWD']);

const CODE = /^[A-Za-z]{3}$/;

/** The number of decimals of Stripe's integer amounts for `currency` (`eur` → 2, `jpy` → 0, `isk` → 2). */
export function stripeExponent(currency: string): number {
  const code = currency.toUpperCase();
  if (!CODE.test(code)) throw new InvalidAmountError(`'${currency.slice(0, 16)}' is not a currency code`);
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

/**
 * A Stripe amount as the engine stores it: the integer unchanged, with an asset carrying Stripe's own
 * exponent (`1000, 'isk'` → `{1000n, 'ISK/2'}`), so nothing is ever rounded.
 */
export function stripeMoney(amount: number, currency: string): { amount: bigint; asset: string } {
  if (!Number.isSafeInteger(amount))
    throw new InvalidAmountError(`${amount} is not an integer amount in minor units`);
  const code = currency.toUpperCase();
  return { amount: BigInt(amount), asset: `${code}/${stripeExponent(code)}` };
}

const ASSET = /^([A-Z]{3})\/(\d{1,2})$/;

/**
 * An engine amount and asset as Stripe's integer amount and lower-case currency. An asset of another
 * precision than Stripe's is converted when exact (`ISK/0` 5 → 500), refused otherwise.
 */
export function toStripeAmount(amount: bigint, asset: string): { amount: number; currency: string } {
  const match = ASSET.exec(asset.toUpperCase());
  if (!match) throw new InvalidAmountError(`'${asset.slice(0, 16)}' is not an asset (CUR/precision)`);
  const code = match[1] ?? '';
  const precision = Number(match[2]);
  const exponent = stripeExponent(code);
  let minor = amount;
  if (precision < exponent) minor = amount * 10n ** BigInt(exponent - precision);
  else if (precision > exponent) {
    const factor = 10n ** BigInt(precision - exponent);
    if (amount % factor !== 0n)
      throw new InvalidAmountError(
        `${amount} ${asset} cannot be sent exactly: Stripe takes ${code} with ${exponent} decimals`,
      );
    minor = amount / factor;
  }
  if (minor > BigInt(Number.MAX_SAFE_INTEGER))
    throw new InvalidAmountError(`${amount} ${asset} is too large`);
  return { amount: Number(minor), currency: code.toLowerCase() };
}
