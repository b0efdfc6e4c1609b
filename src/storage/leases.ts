// Lease renewal for the tables whose rows are leased with a token (a claim sets `lease_token` and
// `lease_until`): one statement renews every lease a process still holds.
import { sql } from 'kysely';
import type { Db } from './db.js';
import { unnestRows } from './unnest.js';

export type TokenLeasedTable = 'background_jobs' | 'payment_initiations';

/**
 * Extends the leases of the rows still held (same id and token), in one statement; returns the ids
 * renewed. A row missing from the answer lost its lease: another worker may have taken it over.
 */
export async function renewTokenLeases(
  db: Db,
  table: TokenLeasedTable,
  held: readonly { id: string; token: string }[],
  leaseMs: number,
): Promise<string[]> {
  if (held.length === 0) return [];
  const result = await sql<{ id: string }>`
    UPDATE ${sql.table(table)} t SET lease_until = now() + ${`${leaseMs} milliseconds`}::interval
    FROM ${unnestRows(held, 'h', { id: (h) => h.id, token: (h) => h.token })}
    WHERE t.id = h.id AND t.lease_token = h.token
    RETURNING t.id`.execute(db);
  return result.rows.map((r) => r.id);
}
