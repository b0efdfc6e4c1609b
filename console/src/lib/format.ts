// How the console shows amounts and times: major units with the asset's precision, times in the viewer's zone.
import { formatAmount } from '../../../src/domain/amount-format.js';

/** A wire amount: a number when a double holds it exactly, a bigint beyond 2^53 (see parseJson). */
export type Amount = bigint | number;

/** The viewer's locale, so grouping and decimal marks read the way they expect. */
export function viewerLocale(): string {
  return typeof navigator === 'undefined' ? 'en-US' : navigator.language || 'en-US';
}

/** `USD/2` 123456 → `1,234.56 USD`; exact at any size (integer arithmetic only). */
export function amountText(amount: Amount | string, asset: string, locale = viewerLocale()): string {
  try {
    return formatAmount(amount, asset, locale);
  } catch {
    // Never hide a value the formatter cannot read: show it raw rather than a made-up number.
    return `${String(amount)} ${asset}`;
  }
}

/** Formance writes this for "no time" (e.g. an initiation that is not scheduled). */
const ZERO_TIME = /^0001-01-01T00:00:00/;

export function isZeroTime(iso: string): boolean {
  return ZERO_TIME.test(iso);
}

/** A timestamp in the viewer's zone (or `timeZone`), naming the zone so nobody mistakes it for UTC. */
export function timeText(
  iso: string,
  locale = viewerLocale(),
  timeZone?: string,
  now: Date = new Date(),
): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  // The year only when it is not this one: shorter times keep tables within a laptop's width.
  const yearOf = (d: Date) =>
    new Intl.DateTimeFormat('en-US', { year: 'numeric', ...(timeZone ? { timeZone } : {}) }).format(d);
  return new Intl.DateTimeFormat(locale, {
    ...(yearOf(date) === yearOf(now) ? {} : { year: 'numeric' as const }),
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}

/** Upper-snake wire values (`WAITING_FOR_VALIDATION`) as words (`Waiting for validation`). */
export function enumText(value: string): string {
  const words = value.replace(/_/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
