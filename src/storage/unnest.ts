// Set-based writes: a batch travels as one text[] parameter per column and is expanded with unnest().
import { type RawBuilder, sql } from 'kysely';

/**
 * Builds `unnest($1::text[], $2::text[], …) AS alias(col1, col2, …)` from rows. Every value is sent as
 * text (or NULL) and cast in SQL, which keeps bigint, timestamps and JSON exact on both pg and PGlite; a
 * bigint (an amount) is written out in digits here, so callers need not.
 */
export function unnestRows<Row>(
  rows: readonly Row[],
  alias: string,
  columns: { [K in string]: (row: Row) => string | bigint | null },
): RawBuilder<unknown> {
  const names = Object.keys(columns);
  const arrays = names.map((name) => {
    const pick = columns[name] as (row: Row) => string | bigint | null;
    const texts = rows.map((row) => {
      const value = pick(row);
      return typeof value === 'bigint' ? value.toString() : value;
    });
    return sql`${texts}::text[]`;
  });
  return sql`unnest(${sql.join(arrays)}) AS ${sql.raw(alias)}(${sql.join(names.map((n) => sql.ref(n)))})`;
}
