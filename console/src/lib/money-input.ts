// Amounts typed by a person in major units (`1,234.56`), turned into exact minor units for the asset's
// precision with string and bigint arithmetic only: a float would turn 0.29 EUR into 28 cents.
import { splitAsset } from '../../../src/domain/amount-format.js';

export type MinorUnits = { ok: true; minor: bigint } | { ok: false; error: string };

/**
 * `1,234.56` with `EUR/2` → 123456n. The decimal mark is a point; commas, spaces and underscores may
 * group thousands. More decimals than the asset has, a sign, or anything else is refused with a reason.
 */
export function toMinorUnits(text: string, asset: string): MinorUnits {
  const { precision } = splitAsset(asset);
  const compact = text.trim().replace(/[\s_\u00a0\u202f]/g, '');
  if (compact === '') return { ok: false, error: 'Enter an amount.' };
  if (compact.startsWith('-')) return { ok: false, error: 'The amount must be positive.' };
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d*))?$/.exec(compact);
  if (!match || (match[1] === undefined && !match[2]))
    return {
      ok: false,
      error: 'Type digits with a point for the decimals, e.g. 1234.56 (commas may group thousands).',
    };
  const whole = (match[1] ?? '0').replace(/,/g, '');
  const fraction = match[2] ?? '';
  if (fraction.length > precision)
    return {
      ok: false,
      error:
        precision === 0
          ? `${splitAsset(asset).code} has no decimals here (${asset}).`
          : `${asset} has ${precision} decimal${precision === 1 ? '' : 's'}: at most ${precision} after the point.`,
    };
  const minor = BigInt(whole + fraction.padEnd(precision, '0'));
  if (minor === 0n) return { ok: false, error: 'The amount must be more than zero.' };
  return { ok: true, minor };
}

/** 123456n with `EUR/2` → `1234.56`: minor units as a person types them back (no grouping). */
export function toMajorText(minor: bigint | number, asset: string): string {
  const { precision } = splitAsset(asset);
  const digits = BigInt(minor)
    .toString()
    .padStart(precision + 1, '0');
  if (precision === 0) return digits;
  return `${digits.slice(0, -precision)}.${digits.slice(-precision)}`;
}
