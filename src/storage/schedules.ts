// Schedules (one per task-tree node and parent item), their leases, cursors and run instances.
import { sql } from 'kysely';
import { stringifyJson } from '../domain/json.js';
import type { Db } from './db.js';
import { unnestRows } from './unnest.js';

export interface ScheduleWrite {
  id: string;
  connectorId: string;
  nodePath: string;
  parentId: string;
  /** The schedule whose run spawned this one (null for roots). */
  parentScheduleId: string | null;
  taskType: string;
  periodic: boolean;
  fromPayload: unknown;
}

/**
 * Creates schedules that do not exist yet (due now: their first run) and refreshes the parent payload of
 * those that changed, in one statement. With `rerunOneShots`, existing non-periodic schedules become due
 * again too (a one-shot child runs each time its parent yields its item). Returns the ids of the
 * schedules it made due now, so the caller knows whether to signal the workers.
 */
export async function upsertSchedules(
  db: Db,
  schedules: ScheduleWrite[],
  options: { rerunOneShots?: boolean } = {},
): Promise<string[]> {
  const rerun = options.rerunOneShots === true;
  if (schedules.length === 0) return [];
  const input = unnestRows(schedules, 'i', {
    id: (s) => s.id,
    connector_id: (s) => s.connectorId,
    node_path: (s) => s.nodePath,
    parent_id: (s) => s.parentId,
    parent_schedule_id: (s) => s.parentScheduleId,
    task_type: (s) => s.taskType,
    periodic: (s) => String(s.periodic),
    from_payload: (s) => (s.fromPayload === undefined ? null : stringifyJson(s.fromPayload)),
  });
  const result = await sql<{ id: string; created: boolean; periodic: boolean }>`
    INSERT INTO schedules (id, connector_id, node_path, parent_id, parent_schedule_id, task_type, periodic,
      from_payload, next_run_at)
    SELECT id, connector_id, node_path, parent_id, parent_schedule_id, task_type, periodic::boolean,
      from_payload::jsonb, now()
    FROM ${input}
    ON CONFLICT (connector_id, node_path, parent_id) DO UPDATE SET
      from_payload = excluded.from_payload, updated_at = now(),
      next_run_at = CASE WHEN ${rerun} AND NOT excluded.periodic THEN now() ELSE schedules.next_run_at END
    WHERE schedules.from_payload IS DISTINCT FROM excluded.from_payload OR (${rerun} AND NOT excluded.periodic)
    RETURNING id, (xmax = 0) AS created, periodic`.execute(db);
  return result.rows.filter((r) => r.created || (rerun && !r.periodic)).map((r) => r.id);
}

export interface LeasedSchedule {
  id: string;
  connector_id: string;
  node_path: string;
  parent_id: string;
  task_type: string;
  periodic: boolean;
  from_payload: unknown;
  state: unknown;
  consecutive_failures: number;
  provider: string;
  config_encrypted: string;
  page_size: number;
  polling_period_ms: string;
  task_tree: unknown;
  max_concurrent_runs: number | null;
  calls_per_second: number | null;
}

/** What a run reads when it takes its schedule: the schedule, and its connector's config and limits. */
const LEASED_COLUMNS = sql`s.id, s.connector_id, s.node_path, s.parent_id, s.task_type, s.periodic, s.from_payload,
  s.state, s.consecutive_failures, c.provider, c.config_encrypted, c.page_size, c.polling_period_ms, c.task_tree,
  c.max_concurrent_runs, c.calls_per_second`;

export interface ClaimedSchedule extends LeasedSchedule {
  /** The run instance the claim opened (it also holds the lease). */
  instance_id: string;
}

export interface ScheduleClaim {
  schedules: ClaimedSchedule[];
  /** Milliseconds until the next schedule that is not due yet falls due, or a held lease runs out. */
  nextDueInMs?: number;
}

/**
 * Claims up to `limit` due schedules in ONE statement: due (`next_run_at` passed), not paused, connector not
 * on its way out, lease free or expired (a dead worker's run is claimed again here, from its last cursor).
 * It takes their leases and opens their run instances in the same statement. Rows another claimer has
 * locked are skipped (`SKIP LOCKED`), and a lease taken meanwhile fails the re-check PostgreSQL makes on the
 * locked row, so two claimers never get the same schedule. A connector with `max_concurrent_runs` gets at
 * most its free slots (runs holding a lease count); concurrent claimers may still overshoot together, which
 * the caller's `keepLeaseWithinLimit` check settles. Also answers when the next schedule falls due.
 */
export async function claimSchedules(db: Db, limit: number, leaseMs: number): Promise<ScheduleClaim> {
  const result = await sql<ClaimedSchedule & { next_due_ms: number | string | null }>`
    WITH candidates AS (
      SELECT s.id, s.connector_id, s.next_run_at FROM schedules s JOIN connectors c ON c.id = s.connector_id
      WHERE s.paused_at IS NULL AND s.next_run_at IS NOT NULL AND s.next_run_at <= now()
        AND (s.lease_until IS NULL OR s.lease_until < now()) AND NOT c.scheduled_for_deletion
        AND (c.max_concurrent_runs IS NULL OR c.max_concurrent_runs > (
          SELECT count(*) FROM schedules h WHERE h.connector_id = s.connector_id AND h.lease_until > now()))
      ORDER BY s.next_run_at
      LIMIT ${limit}
      FOR UPDATE OF s SKIP LOCKED
    ), ranked AS (
      SELECT k.id, k.connector_id, c.max_concurrent_runs,
        row_number() OVER (PARTITION BY k.connector_id ORDER BY k.next_run_at, k.id) AS rank
      FROM candidates k JOIN connectors c ON c.id = k.connector_id
    ), picked AS (
      SELECT r.id FROM ranked r
      WHERE r.max_concurrent_runs IS NULL OR r.rank + (
        SELECT count(*) FROM schedules h WHERE h.connector_id = r.connector_id AND h.lease_until > now()
      ) <= r.max_concurrent_runs
    ), leased AS (
      UPDATE schedules s SET lease_until = now() + ${leaseMs} * interval '1 millisecond',
        lease_instance_id = gen_random_uuid()::text, updated_at = now()
      FROM picked p, connectors c
      WHERE s.id = p.id AND c.id = s.connector_id
      RETURNING ${LEASED_COLUMNS}, s.lease_instance_id AS instance_id
    ), opened AS (
      INSERT INTO schedule_instances (id, schedule_id, connector_id)
      SELECT instance_id, id, connector_id FROM leased
    ), next_due AS (
      SELECT EXTRACT(EPOCH FROM LEAST(
        (SELECT min(next_run_at) FROM schedules WHERE paused_at IS NULL AND next_run_at IS NOT NULL
          AND next_run_at > now()),
        (SELECT min(lease_until) FROM schedules WHERE lease_until IS NOT NULL AND lease_until > now()
          AND paused_at IS NULL AND next_run_at <= now())) - now()) * 1000 AS next_due_ms
    )
    SELECT l.*, n.next_due_ms FROM next_due n LEFT JOIN leased l ON true`.execute(db);
  const first = result.rows[0];
  const nextDue = first?.next_due_ms;
  const schedules = result.rows
    .filter((row) => row.id !== null)
    .map(({ next_due_ms: _ignored, ...row }) => row as ClaimedSchedule);
  return {
    schedules,
    ...(nextDue === null || nextDue === undefined ? {} : { nextDueInMs: Math.max(0, Number(nextDue)) }),
  };
}

/**
 * Renews the leases of the runs this process holds, in one statement (a slow PSP page never lets the
 * lease run out under a live run). Returns the schedules whose lease is still theirs.
 */
export async function renewLeases(
  db: Db,
  leases: readonly { scheduleId: string; instanceId: string }[],
  leaseMs: number,
): Promise<string[]> {
  if (leases.length === 0) return [];
  const input = unnestRows(leases, 'i', {
    schedule_id: (l) => l.scheduleId,
    instance_id: (l) => l.instanceId,
  });
  const result = await sql<{ id: string }>`
    UPDATE schedules s SET lease_until = now() + ${leaseMs} * interval '1 millisecond'
    FROM ${input}
    WHERE s.id = i.schedule_id AND s.lease_instance_id = i.instance_id
    RETURNING s.id`.execute(db);
  return result.rows.map((r) => r.id);
}

/**
 * Takes the schedule's lease and opens a run instance, in one round trip. Returns nothing when the
 * schedule is gone, paused, its connector is being uninstalled, or another run holds the lease.
 */
export async function startRun(
  db: Db,
  scheduleId: string,
  instanceId: string,
  leaseMs: number,
): Promise<LeasedSchedule | undefined> {
  const result = await sql<LeasedSchedule>`
    WITH leased AS (
      UPDATE schedules s SET lease_until = now() + ${leaseMs} * interval '1 millisecond',
        lease_instance_id = ${instanceId}, updated_at = now()
      FROM connectors c
      WHERE s.id = ${scheduleId} AND c.id = s.connector_id AND NOT c.scheduled_for_deletion
        AND s.paused_at IS NULL AND (s.lease_until IS NULL OR s.lease_until < now())
      RETURNING ${LEASED_COLUMNS}
    ), opened AS (
      INSERT INTO schedule_instances (id, schedule_id, connector_id)
      SELECT ${instanceId}, id, connector_id FROM leased
    )
    SELECT * FROM leased`.execute(db);
  return result.rows[0];
}

/** A run keeps at most this many distinct warnings (the migration's check holds the same bound)... */
export const RUN_WARNINGS_MAX = 50;
/** ...of at most this many characters each: a longer one is cut, with an ellipsis. */
export const RUN_WARNING_LENGTH = 500;

/** Warnings as stored: cut to length, blank ones dropped. */
function boundedWarnings(warnings: readonly string[]): string[] {
  return warnings
    .map((warning) =>
      warning.length > RUN_WARNING_LENGTH ? `${warning.slice(0, RUN_WARNING_LENGTH - 1)}…` : warning,
    )
    .filter((warning) => warning.trim() !== '');
}

/**
 * The SQL value of a run's warnings after adding `added`: the distinct warnings in the order they first
 * came, the first RUN_WARNINGS_MAX kept (a PSP that maps every record to OTHER repeats itself page after page).
 */
function mergedWarnings(added: readonly string[]) {
  return sql<string[]>`ARRAY(
    SELECT w FROM unnest(warnings || ${boundedWarnings(added)}::text[]) WITH ORDINALITY AS t(w, i)
    GROUP BY w ORDER BY min(i) LIMIT ${RUN_WARNINGS_MAX})`;
}

/** Adds warnings to a run at once (not with a page): a run that fails before its first page still shows them. */
export async function addRunWarnings(db: Db, instanceId: string, warnings: readonly string[]): Promise<void> {
  if (warnings.length === 0) return;
  await sql`UPDATE schedule_instances SET warnings = ${mergedWarnings(warnings)}, updated_at = now()
    WHERE id = ${instanceId}`.execute(db);
}

export interface PageProgress {
  scheduleId: string;
  instanceId: string;
  newState: unknown;
  pages: number;
  items: number;
  skipped: number;
  /** What the connector said about these pages (FetchNextResponse.warnings); kept on the run, bounded. */
  warnings?: readonly string[];
  leaseMs: number;
  /** Set on the run's last page: when the next run is due (null: none), which releases the lease. */
  finish?: { nextRunAt: string | null };
}

/**
 * Saves the progress of several runs' pages in ONE statement (a group commit): each run's cursor and counts,
 * its lease renewed (or, on its last page, released with its next run set), its warnings. Returns the
 * schedules whose lease was still theirs (and whose connector is not being uninstalled): only those runs
 * may write their rows; the others must write nothing. At most one entry per schedule.
 */
export async function savePagesProgress(db: Db, pages: readonly PageProgress[]): Promise<Set<string>> {
  if (pages.length === 0) return new Set();
  const input = unnestRows(pages, 'i', {
    schedule_id: (p) => p.scheduleId,
    instance_id: (p) => p.instanceId,
    state: (p) => stringifyJson(p.newState ?? null),
    pages: (p) => String(p.pages),
    items: (p) => String(p.items),
    skipped: (p) => String(p.skipped),
    warnings: (p) => JSON.stringify(boundedWarnings(p.warnings ?? [])),
    lease_ms: (p) => String(p.leaseMs),
    finishing: (p) => String(p.finish !== undefined),
    next_run_at: (p) => p.finish?.nextRunAt ?? null,
  });
  const result = await sql<{ id: string }>`
    WITH input AS (
      SELECT schedule_id, instance_id, state::jsonb AS state, pages::int AS pages, items::int AS items,
        skipped::int AS skipped, warnings::jsonb AS warnings, lease_ms::bigint AS lease_ms,
        finishing::boolean AS finishing, next_run_at::timestamptz AS next_run_at
      FROM ${input}
    ), saved AS (
      UPDATE schedules s SET
        state = i.state,
        updated_at = now(),
        lease_until = CASE WHEN i.finishing THEN NULL ELSE now() + i.lease_ms * interval '1 millisecond' END,
        lease_instance_id = CASE WHEN i.finishing THEN NULL ELSE s.lease_instance_id END,
        next_run_at = CASE WHEN i.finishing THEN i.next_run_at ELSE s.next_run_at END,
        -- Committing a page is progress: only runs that fail without moving the cursor count towards a pause.
        consecutive_failures = 0
      FROM input i
      WHERE s.id = i.schedule_id AND s.lease_instance_id = i.instance_id
        AND EXISTS (SELECT 1 FROM connectors c WHERE c.id = s.connector_id AND NOT c.scheduled_for_deletion)
      RETURNING s.id
    ), counted AS (
      UPDATE schedule_instances si SET pages = si.pages + i.pages, items = si.items + i.items,
        skipped = si.skipped + i.skipped, updated_at = now(),
        warnings = ARRAY(
          SELECT w FROM unnest(si.warnings || ARRAY(SELECT jsonb_array_elements_text(i.warnings)))
            WITH ORDINALITY AS t(w, n)
          GROUP BY w ORDER BY min(n) LIMIT ${RUN_WARNINGS_MAX}),
        terminated = i.finishing, terminated_at = CASE WHEN i.finishing THEN now() ELSE NULL END
      FROM input i JOIN saved ON saved.id = i.schedule_id
      WHERE si.id = i.instance_id
    )
    SELECT id FROM saved`.execute(db);
  return new Set(result.rows.map((r) => r.id));
}

/**
 * Saves one page's cursor and counts, renews (or on the last page releases) the lease. Returns false when
 * the lease is no longer ours or the connector is being uninstalled: the caller must roll back.
 */
export async function savePageProgress(db: Db, p: PageProgress): Promise<boolean> {
  return (await savePagesProgress(db, [p])).has(p.scheduleId);
}

/**
 * After a full listing by `parentScheduleId`, drops its child schedules whose parent item was not in
 * it (the account left the PSP); their own children go with them (foreign key cascade).
 */
export async function dropChildrenNotIn(
  db: Db,
  parentScheduleId: string,
  seenParentIds: string[],
): Promise<number> {
  const result = await sql`
    DELETE FROM schedules WHERE parent_schedule_id = ${parentScheduleId} AND parent_id <> ALL(${seenParentIds}::text[])`.execute(
    db,
  );
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * For a connector limited to `max` concurrent runs: keeps this run's lease only while no more than
 * `max` runs hold one. Every contender checks after taking its lease, so the limit is never exceeded
 * (when several take a lease at the same instant, all of them may back off and retry). A run that backs
 * off gives its lease back, drops its instance and becomes due again in `retryInMs`.
 */
export async function keepLeaseWithinLimit(
  db: Db,
  f: { scheduleId: string; instanceId: string; connectorId: string; max: number; retryInMs: number },
): Promise<boolean> {
  const held = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM schedules WHERE connector_id = ${f.connectorId} AND lease_until > now()`.execute(
    db,
  );
  if ((held.rows[0]?.n ?? 0) <= f.max) return true;
  await sql`
    WITH released AS (
      UPDATE schedules SET lease_until = NULL, lease_instance_id = NULL,
        next_run_at = now() + ${f.retryInMs} * interval '1 millisecond'
      WHERE id = ${f.scheduleId} AND lease_instance_id = ${f.instanceId}
    )
    DELETE FROM schedule_instances WHERE id = ${f.instanceId}`.execute(db);
  return false;
}

/**
 * Ends a failed run: records the error on its instance, releases the lease and sets the next run. With a
 * `pausedReason` the schedule pauses instead (no next run) until a config update or a resume.
 */
export async function recordRunFailure(
  db: Db,
  f: {
    scheduleId: string;
    instanceId: string;
    error: string;
    nextRunAt: string | null;
    pausedReason: string | null;
  },
): Promise<boolean> {
  const result = await sql<{ id: string }>`
    WITH released AS (
      UPDATE schedules SET lease_until = NULL, lease_instance_id = NULL, updated_at = now(),
        consecutive_failures = consecutive_failures + 1, next_run_at = ${f.nextRunAt}::timestamptz,
        paused_at = CASE WHEN ${f.pausedReason}::text IS NULL THEN paused_at ELSE now() END,
        paused_reason = COALESCE(${f.pausedReason}::text, paused_reason)
      WHERE id = ${f.scheduleId} AND lease_instance_id = ${f.instanceId}
      RETURNING id
    ), ended AS (
      UPDATE schedule_instances SET terminated = true, terminated_at = now(), updated_at = now(), error = ${f.error}
      WHERE id = ${f.instanceId}
    )
    SELECT id FROM released`.execute(db);
  return result.rows.length === 1;
}

/** Unpauses schedules (all of a connector's, or one) and returns their ids, which need a run. */
export async function resumeSchedules(db: Db, connectorId: string, scheduleId?: string): Promise<string[]> {
  let query = db
    .updateTable('schedules')
    .set({ paused_at: null, paused_reason: null, consecutive_failures: 0, next_run_at: sql`now()` })
    .where('connector_id', '=', connectorId)
    .where('paused_at', 'is not', null);
  if (scheduleId !== undefined) query = query.where('id', '=', scheduleId);
  return (await query.returning('id').execute()).map((r) => r.id);
}

/** Deletes finished runs older than the retention period (runs in progress are kept, whatever their age). */
export async function deleteOldRuns(db: Db, retentionMs: number): Promise<number> {
  const result = await sql`DELETE FROM schedule_instances
    WHERE terminated AND terminated_at < now() - ${retentionMs} * interval '1 millisecond'`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** Schedules with what a health view needs: the task they run, when next, and their newest run (one lateral read each). */
export function schedulesQuery(db: Db) {
  return db
    .selectFrom('schedules')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('schedule_instances')
          .select([
            'schedule_instances.id as last_run_id',
            'schedule_instances.created_at as last_run_at',
            'schedule_instances.terminated_at as last_run_terminated_at',
            'schedule_instances.error as last_run_error',
            'schedule_instances.items as last_run_items',
            'schedule_instances.skipped as last_run_skipped',
            'schedule_instances.warnings as last_run_warnings',
          ])
          .whereRef('schedule_instances.schedule_id', '=', 'schedules.id')
          .orderBy('schedule_instances.created_at', 'desc')
          .orderBy('schedule_instances.sort_id', 'desc')
          .limit(1)
          .as('last_run'),
      (join) => join.onTrue(),
    )
    .select([
      'schedules.id',
      'schedules.connector_id',
      'schedules.created_at',
      'schedules.paused_at',
      'schedules.paused_reason',
      'schedules.sort_id',
      'schedules.task_type',
      'schedules.next_run_at',
      'schedules.consecutive_failures',
      'last_run.last_run_id',
      'last_run.last_run_at',
      'last_run.last_run_terminated_at',
      'last_run.last_run_error',
      'last_run.last_run_items',
      'last_run.last_run_skipped',
      'last_run.last_run_warnings',
    ]);
}
export type ScheduleRow = Awaited<ReturnType<ReturnType<typeof schedulesQuery>['executeTakeFirstOrThrow']>>;

export function instancesQuery(db: Db) {
  return db
    .selectFrom('schedule_instances')
    .select([
      'id',
      'schedule_id',
      'connector_id',
      'created_at',
      'updated_at',
      'terminated',
      'terminated_at',
      'error',
      'pages',
      'items',
      'skipped',
      'warnings',
      'sort_id',
    ]);
}
export type InstanceRow = Awaited<ReturnType<ReturnType<typeof instancesQuery>['executeTakeFirstOrThrow']>>;
