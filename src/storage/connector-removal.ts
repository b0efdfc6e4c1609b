// Removing a connector: the mark that stops its work, and the deletion of everything it ingested.
import { sql } from 'kysely';
import type { Db } from './db.js';

/** Marks the connector for deletion; false when it is gone or already marked. */
export async function markForDeletion(db: Db, connectorId: string): Promise<boolean> {
  const marked = await db
    .updateTable('connectors')
    .set({ scheduled_for_deletion: true, updated_at: new Date().toISOString() })
    .where('id', '=', connectorId)
    .where('scheduled_for_deletion', '=', false)
    .returning('id')
    .executeTakeFirst();
  return marked !== undefined;
}

/** Takes the mark back (a reset that could not go ahead keeps the old connector as it was). */
export async function unmarkForDeletion(db: Db, connectorId: string): Promise<void> {
  await db
    .updateTable('connectors')
    .set({ scheduled_for_deletion: false })
    .where('id', '=', connectorId)
    .execute();
}

export async function deleteSchedulesOf(db: Db, connectorId: string): Promise<void> {
  await db.deleteFrom('schedules').where('connector_id', '=', connectorId).execute();
}

/** The tables of ingested data, children before their parents. */
const DATA_TABLES = [
  'order_adjustments',
  'orders',
  'conversions',
  'payment_adjustments',
  'payments',
  'balances',
  'accounts',
] as const;

/** Deletes a connector's ingested data in batches of `batch` rows (no single huge transaction), then its row. */
export async function deleteConnectorData(db: Db, connectorId: string, batch: number): Promise<void> {
  for (const table of DATA_TABLES) {
    for (;;) {
      const result = await sql`
        DELETE FROM ${sql.table(table)} WHERE ctid = ANY(ARRAY(
          SELECT ctid FROM ${sql.table(table)} WHERE connector_id = ${connectorId} LIMIT ${batch}))`.execute(
        db,
      );
      if (Number(result.numAffectedRows ?? 0n) < batch) break;
    }
  }
  await db.deleteFrom('connectors').where('id', '=', connectorId).execute();
}
