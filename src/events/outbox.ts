// The outbox table: events written with their data, claimed in batches by publishers, then marked.
import { sql } from 'kysely';
import { stringifyWithNumbers } from '../domain/json.js';
import { notifyWork } from '../engine/execution/wakeups.js';
import type { Db } from '../storage/db.js';
import { unnestRows } from '../storage/unnest.js';
import type { OutboxEvent } from './events.js';

/**
 * Writes events in one statement, inside the caller's transaction; an event already there is kept. The
 * same statement signals the publishers (`events` work, delivered at commit) when it wrote any.
 */
export async function recordEvents(db: Db, events: OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const input = unnestRows(events, 'i', {
    id: (e) => e.id,
    connector_id: (e) => e.connectorId,
    entity_id: (e) => e.entityId,
    type: (e) => e.type,
    payload: (e) => stringifyWithNumbers(e.payload),
  });
  await sql`
    WITH written AS (
      INSERT INTO outbox_events (id, connector_id, entity_id, type, payload)
      SELECT id, connector_id, entity_id, type, payload::jsonb FROM ${input}
      ON CONFLICT (id) DO NOTHING
      RETURNING 1
    )
    SELECT ${notifyWork('events')} FROM (SELECT 1 FROM written LIMIT 1) AS any_written`.execute(db);
}

export interface ClaimedEvent {
  id: string;
  type: string;
  payload: unknown;
  created_at: string;
  attempts: number;
}

/**
 * Locks up to `limit` deliverable events, oldest first. Several publishers can claim at once (SKIP
 * LOCKED), and an entity's events stay in order: an event is held back while an older one of the same
 * entity is locked by another publisher or waiting for its retry.
 */
export async function claimEvents(trx: Db, limit: number): Promise<ClaimedEvent[]> {
  const result = await sql<ClaimedEvent>`
    SELECT e.id, e.type, e.payload, e.created_at, e.attempts
    FROM outbox_events e
    WHERE e.status = 'PENDING' AND e.next_attempt_at <= now()
      AND NOT EXISTS (
        SELECT 1 FROM outbox_events o
        WHERE o.entity_id = e.entity_id AND o.status = 'PENDING' AND o.seq < e.seq AND o.next_attempt_at > now())
      AND pg_try_advisory_xact_lock(hashtext(e.entity_id))
    ORDER BY e.seq
    LIMIT ${limit}
    FOR UPDATE SKIP LOCKED`.execute(trx);
  return result.rows;
}

export async function markSent(trx: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`UPDATE outbox_events SET status = 'SENT', sent_at = now(), attempts = attempts + 1
    WHERE id = ANY(${ids})`.execute(trx);
}

/** A failed delivery comes back after `retryAfterMs`, or is given up (DEAD) after `maxAttempts`. */
export async function markFailed(
  trx: Db,
  ids: string[],
  error: string,
  retryAfterMs: number,
  maxAttempts: number,
): Promise<void> {
  if (ids.length === 0) return;
  await sql`UPDATE outbox_events SET attempts = attempts + 1, last_error = ${error},
      status = CASE WHEN attempts + 1 >= ${maxAttempts} THEN 'DEAD' ELSE status END,
      next_attempt_at = now() + ${retryAfterMs} * interval '1 millisecond'
    WHERE id = ANY(${ids})`.execute(trx);
}

/** Deletes delivered events older than the retention period. */
export async function deleteSentEvents(db: Db, retentionMs: number): Promise<number> {
  const result = await sql`DELETE FROM outbox_events
    WHERE status = 'SENT' AND sent_at < now() - ${retentionMs} * interval '1 millisecond'`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
