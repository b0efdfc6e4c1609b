// Set-based writes: a batch travels as one text[] parameter per column and is expanded with unnest().
import { type RawBuilder, sql } from 'kysely';

/**
 * Builds `unnest($1::text[], $2::text[], …) AS alias(col1, col2, …)` from rows. Every value is sent as
 * text (or NULL) and cast in SQL, which keeps bigint, timestamps and JSON exact on both pg and PGlite.
 */
export function unnestRows<Row>(
  rows: readonly Row[],
  alias: string,
  columns: { [K in string]: (row: Row) => string | null },
): RawBuilder<unknown> {
  const names = Object.keys(columns);
  const arrays = names.map((name) => {
    const pick = columns[name] as (row: Row) => string | null;
    return sql`${rows.map(pick)}::text[]`;
  });
  return sql`unnest(${sql.join(arrays)}) AS ${sql.raw(alias)}(${sql.join(names.map((n) => sql.ref(n)))})`;
}
