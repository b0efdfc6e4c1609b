// A PSP call budget per connector: a token bucket in the database, so the rate holds across all processes.
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Db } from './db.js';

/**
 * Takes one call from the connector's bucket (capacity: one second's worth, at least one call). Returns
 * 0 when granted, else how long to wait before asking again. One statement per call.
 */
export async function tryTakeCall(db: Db, connectorId: string, callsPerSecond: number): Promise<number> {
  const capacity = Math.max(1, callsPerSecond);
  const result = await sql<{ granted: boolean; tokens: number }>`
    WITH current AS (
      SELECT LEAST(${capacity}::float8,
        tokens + extract(epoch FROM clock_timestamp() - refilled_at) * ${callsPerSecond}::float8) AS tokens
      FROM connector_call_budgets WHERE connector_id = ${connectorId}
      FOR UPDATE
    ), taken AS (
      INSERT INTO connector_call_budgets (connector_id, tokens, refilled_at)
      VALUES (${connectorId}, ${capacity}::float8 - 1, clock_timestamp())
      ON CONFLICT (connector_id) DO UPDATE SET
        tokens = (SELECT tokens FROM current) - 1, refilled_at = clock_timestamp()
      WHERE (SELECT tokens FROM current) >= 1
      RETURNING tokens
    )
    SELECT EXISTS (SELECT 1 FROM taken) AS granted, COALESCE((SELECT tokens FROM current), ${capacity}::float8) AS tokens`.execute(
    db,
  );
  const row = result.rows[0];
  if (!row || row.granted) return 0;
  return Math.max(1, Math.ceil(((1 - row.tokens) / callsPerSecond) * 1000));
}

/** Waits until the connector may make one more PSP call. */
export async function takeCall(db: Db, connectorId: string, callsPerSecond: number): Promise<void> {
  for (;;) {
    const waitMs = await tryTakeCall(db, connectorId, callsPerSecond);
    if (waitMs === 0) return;
    await sleep(waitMs);
  }
}
