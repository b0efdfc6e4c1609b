// Request validation shared by the contract and admin routes: zod schemas for common fields, and zod issues turned into 400s.
import { z } from 'zod';
import { validationError } from './errors.js';
import { normalizeAsset } from './store.js';

/** Parses with a schema, or throws a 400 whose Detail names every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw validationError(`invalid ${what}: ${problems.join('; ')}`);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i;

/** Milliseconds since the epoch of an RFC 3339 date-time (finer fractions are truncated), or undefined. */
export function parseRfc3339(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', offset = 'Z'] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), Number(fraction.slice(0, 3).padEnd(3, '0')));
  // Date rolls 31 February over into March; a real RFC 3339 parser refuses it.
  const valid =
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day) &&
    Number(hour) < 24 &&
    Number(minute) < 60 &&
    Number(second) < 60;
  if (!valid) return undefined;
  let offsetMs = 0;
  if (offset.toUpperCase() !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const hours = Number(offset.slice(1, 3));
    const minutes = Number(offset.slice(4, 6));
    if (hours > 23 || minutes > 59) return undefined;
    offsetMs = sign * (hours * 60 + minutes) * 60_000;
  }
  return date.getTime() - offsetMs;
}

/** A query parameter holding an integer in [min, max]. */
export function integerParam(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,10}$/, message)
    .transform(Number)
    .refine((value) => value >= min && value <= max, message);
}

export const dateTimeParam = z.string().transform((text, context) => {
  const ms = parseRfc3339(text);
  if (ms === undefined) {
    context.addIssue({
      code: 'custom',
      message: `must be an RFC 3339 date-time such as 2024-05-01T10:00:00.000Z, got "${text}"`,
    });
    return z.NEVER;
  }
  return ms;
});

export const metadataSchema = z.record(z.string().max(256), z.string().max(4096));

/** `EUR` or `EUR/2`, normalised to `EUR/2`. */
export const currencySchema = z.string().transform((text, context) => {
  const asset = normalizeAsset(text);
  if (asset === undefined) {
    context.addIssue({
      code: 'custom',
      message: `"${text}" is not a currency in CODE or CODE/precision form (EUR, EUR/2, JPY/0)`,
    });
    return z.NEVER;
  }
  return asset;
});

/** A positive amount in minor units, as the contract sends it: an integer string. */
export const positiveAmountString = z
  .string()
  .regex(/^\d{1,40}$/, 'must be a positive integer string in minor units')
  .transform((text) => BigInt(text))
  .refine((amount) => amount > 0n, 'must be a positive integer string in minor units');

/** An admin amount: an integer string or a JSON integer, at least `min`. */
export function adminAmount(min: bigint) {
  const message = `must be an integer (string or number) of at least ${min}`;
  return z
    .union([z.string().regex(/^-?\d{1,40}$/, message), z.number().int(message), z.bigint()])
    .transform((value) => BigInt(value))
    .refine((amount) => amount >= min, message);
}

const isHttpUrl = (text: string): boolean => {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
};

/** Where a webhook goes: an absolute http(s) URL. */
export const webhookUrlSchema = z
  .string()
  .max(2048)
  .refine(isHttpUrl, 'must be an absolute http:// or https:// URL');
