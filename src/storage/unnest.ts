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
    return sql`${arrayLiteral(texts)}::text[]`;
  });
  return sql`unnest(${sql.join(arrays)}) AS ${sql.raw(alias)}(${sql.join(names.map((n) => sql.ref(n)))})`;
}

/** Characters JSON and an array literal escape differently (control characters, surrogates). */
// eslint-disable-next-line no-control-regex -- control characters are what this pattern is for
const NOT_LITERAL_SAFE = /[\u0000-\u001f\ud800-\udfff]/;

/**
 * The array as PostgreSQL's text form of a text[] (`{"a","b\\"c",null}`), written by JSON.stringify:
 * for strings without control characters or surrogates, JSON's escapes (`\\`, `\"`) are exactly the
 * array literal's, and an unquoted `null` is a NULL element. Natively that is several times cheaper than
 * pg's element-by-element array encoding, which dominated the CPU profile of ingestion (raw PSP objects
 * are long and full of quotes). Any other array is left to pg.
 */
function arrayLiteral(texts: (string | null)[]): string | (string | null)[] {
  for (const text of texts) if (text !== null && NOT_LITERAL_SAFE.test(text)) return texts;
  return `{${JSON.stringify(texts).slice(1, -1)}}`;
}
