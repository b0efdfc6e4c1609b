// Mapping a PSP's vocabulary (statuses, types, event codes) onto Paybridge's, without dropping what is unknown.
import type { z } from 'zod';
import type { SkippedRecord } from './contract.js';

/**
 * The value `table` maps `value` to; an unknown value is OTHER, and a warning for the run says which
 * (`unknown <what> '<value>' mapped to OTHER`, the value cut to 64 characters so repeats collapse).
 */
export function mappedOrOther<T extends string>(
  table: Readonly<Record<string, T>>,
  value: unknown,
  what: string,
  warnings: string[],
): T | 'OTHER' {
  const text = String(value);
  const mapped = Object.hasOwn(table, text) ? table[text] : undefined;
  if (mapped !== undefined) return mapped;
  warnings.push(`unknown ${what} '${text.slice(0, 64)}' mapped to OTHER`);
  return 'OTHER';
}

/** A PSP record that failed its schema, in a few words for a skipped record or an error: its first issues. */
export function describeZodProblem(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Reads and maps each record of a page, reporting those it cannot read (by their `id` where they have
 * one) as skipped instead of failing the page. A `map` that answers undefined leaves the record out on
 * purpose (it is ingested elsewhere).
 */
export function mapEach<R, T>(
  records: readonly unknown[],
  schema: z.ZodType<R>,
  map: (record: R) => T | undefined,
): { items: { record: R; item: T }[]; skipped: SkippedRecord[] } {
  const items: { record: R; item: T }[] = [];
  const skipped: SkippedRecord[] = [];
  records.forEach((raw, index) => {
    const parsed = schema.safeParse(raw);
    const reference = String((raw as { id?: unknown } | null)?.id ?? `#${index}`);
    if (!parsed.success) {
      skipped.push({ reference, reason: describeZodProblem(parsed.error) });
      return;
    }
    try {
      const item = map(parsed.data);
      if (item !== undefined) items.push({ record: parsed.data, item });
    } catch (error) {
      skipped.push({ reference, reason: error instanceof Error ? error.message : String(error) });
    }
  });
  return { items, skipped };
}
