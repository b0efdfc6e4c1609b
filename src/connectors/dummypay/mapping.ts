// Shared mapping rules: each file record becomes a PSP object on its own, and one that cannot is logged
// and left out so that the rest of its page still goes through.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SkippedRecord } from '../sdk/contract.js';
import type { FileEntry } from './client.js';

export type Mapped<T> = { item: T } | { skip: string };

export function mapEntries<R, T>(
  entries: readonly FileEntry<R>[],
  map: (record: R, raw: unknown) => Mapped<T>,
  logger: Logger,
  file: string,
): { items: T[]; skipped: SkippedRecord[] } {
  const items: T[] = [];
  const skipped: SkippedRecord[] = [];
  entries.forEach(({ record, raw }, index) => {
    const mapped = map(record, raw);
    if ('item' in mapped) {
      items.push(mapped.item);
      return;
    }
    logger.warn({ record: raw, file, reason: mapped.skip }, 'dummypay: skipping a record it cannot map');
    const id =
      (raw as { id?: unknown; reference?: unknown } | null)?.id ??
      (raw as { reference?: unknown })?.reference;
    skipped.push({ reference: typeof id === 'string' ? id : `${file}[${index}]`, reason: mapped.skip });
  });
  return { items, skipped };
}

const rfc3339 = z.iso.datetime({ offset: true });

/** An RFC 3339 timestamp with a `Z` or numeric offset; anything else (including a bare date) is undefined. */
export function parseTimestamp(text: string): Date | undefined {
  if (!rfc3339.safeParse(text).success) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
