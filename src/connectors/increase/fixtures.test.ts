// The fixtures follow Increase's documented objects: each parses with the schemas, which follow the official SDK's types (checked at compile time).
import { readFileSync } from 'node:fs';
import type Increase from 'increase';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { parseJson } from '../../domain/json.js';
import {
  accountSchema,
  declinedTransactionSchema,
  eventSchema,
  externalAccountSchema,
  pendingTransactionSchema,
  transactionSchema,
} from './objects.js';

const fixture = (name: string) =>
  parseJson(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

describe('Increase fixtures', () => {
  it.each([
    ['accounts.json', accountSchema],
    ['external_accounts.json', externalAccountSchema],
    ['transactions.json', transactionSchema],
    ['pending_transactions.json', pendingTransactionSchema],
    ['declined_transactions.json', declinedTransactionSchema],
  ] as const)('%s holds documented objects', (file, schema) => {
    const records = fixture(file) as unknown[];
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      const parsed = (schema as z.ZodType).safeParse(record);
      expect(parsed.error?.issues ?? [], String((record as { id?: string }).id)).toEqual([]);
      // `source` holds the sub-object its category names, as Increase documents.
      const source = (record as { source?: Record<string, unknown> }).source;
      if (source) expect(source[String(source.category)], `${file}: source detail`).toBeTypeOf('object');
    }
  });

  it('event.json is a documented event', () => {
    expect(eventSchema.safeParse(fixture('event.json')).success).toBe(true);
  });

  it('the schemas accept what the official SDK types describe', () => {
    // If Increase's SDK renames or retypes a field the connector reads, this stops compiling.
    expectTypeOf<Increase.Account>().toExtend<z.input<typeof accountSchema>>();
    expectTypeOf<Increase.ExternalAccount>().toExtend<z.input<typeof externalAccountSchema>>();
    expectTypeOf<Increase.Transaction>().toExtend<z.input<typeof transactionSchema>>();
    expectTypeOf<Increase.PendingTransaction>().toExtend<z.input<typeof pendingTransactionSchema>>();
    expectTypeOf<Increase.DeclinedTransaction>().toExtend<z.input<typeof declinedTransactionSchema>>();
  });
});
