// The safety net against frozen schedules: re-queues schedules whose run died or never started.
import { sql } from 'kysely';
import type { EngineDeps } from '../deps.js';

/** A run normally starts within a second of being due; past this, its job was lost (a crash, an outage). */
const OVERDUE_AFTER = '1 minute';

/**
 * Every next run is queued in the transaction that ends the previous one, so this finds nothing in
 * normal operation. It catches the rest: a worker that died mid-run (its lease expired), and a job whose
 * retries ran out while the database was down. Queuing is idempotent (one queued run per schedule), and
 * a re-queued run resumes from the last committed cursor.
 */
export async function sweepOverdueSchedules(deps: EngineDeps): Promise<number> {
  const overdue = await sql<{ id: string }>`
    SELECT s.id FROM schedules s JOIN connectors c ON c.id = s.connector_id
    WHERE NOT c.scheduled_for_deletion AND s.paused_at IS NULL
      AND (
        -- a run took the lease and stopped renewing it: its worker died
        s.lease_until < now()
        -- or the run was due a while ago and nothing started it
        OR (s.lease_until IS NULL AND s.next_run_at < now() - ${OVERDUE_AFTER}::interval))
    ORDER BY s.next_run_at
    LIMIT 10000`.execute(deps.db);
  const ids = overdue.rows.map((r) => r.id);
  if (ids.length > 0) {
    await deps.jobs.enqueueRuns(deps.db, ids);
    deps.logger.warn({ count: ids.length }, 're-queued overdue schedules');
  }
  return ids.length;
}
