// Background jobs (migration 0021): the queue of the rare kinds of work (bank-account forwards, deletions
// of payment service users at PSPs, connector removal) and the recurring housekeeping. A row holds ids
// only; the worker reads everything else from the rows they name, just before it acts.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { stringifyJson } from '../domain/json.js';
import type { Db } from './db.js';

/** What a job is asked to do. `id` is the task it works for (one job per task). */
export type JobRequest =
  | { kind: 'bank-account-forward'; id: string; bankAccountId: string; connectorId: string }
  /** Deletes the user at one connector it was forwarded to, then the link. */
  | { kind: 'psu-connector-deletion'; id: string; psuId: string; connectorId: string }
  /** Deletes the user at every connector it was forwarded to, then the payment service user. */
  | { kind: 'psu-deletion'; id: string; psuId: string }
  /** Removes a connector (uninstall), or replaces it with a fresh one first (reset). */
  | { kind: 'removal'; id: string; connectorId: string; reinstall: boolean };

/** A claimed job: its request, its try count and first try, and the lease that lets it finish. */
export type ClaimedJob =
  | (JobRequest & { tries: number; firstTryAt: string; leaseToken: string; generation: number })
  | {
      kind: 'housekeeping';
      id: string;
      tries: number;
      firstTryAt: string;
      leaseToken: string;
      generation: number;
    };

export type JobKind = ClaimedJob['kind'];

/** What a job asks for after a failed call whose outcome is unknown: another try at `at`. */
export interface RetryLater {
  at: Date;
  error: string;
}

/**
 * Requests a job, in the caller's transaction. Asking again for a job already requested (the same task)
 * starts it over: due now, tries and deadline reset, and a run already under way does not finish it.
 */
export async function requestJob(db: Db, job: JobRequest): Promise<void> {
  const { kind, id, ...payload } = job;
  await sql`
    INSERT INTO background_jobs (id, kind, payload)
    VALUES (${id}, ${kind}, ${stringifyJson(payload)}::jsonb)
    ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, payload = excluded.payload, run_at = now(),
      tries = 0, first_try_at = now(), last_error = NULL, finished_at = NULL,
      generation = background_jobs.generation + 1, updated_at = now()`.execute(db);
}

interface JobRow {
  id: string;
  kind: JobKind;
  payload: Record<string, unknown>;
  tries: number;
  first_try_at: string;
  lease_token: string;
  generation: number;
  next_due_ms: number | null;
}

/**
 * Claims up to `limit` due jobs and takes their leases in one statement; a job whose lease expired (its
 * worker died) is due again. Also says how long until the next job falls due, for the loop's sleep.
 */
export async function claimJobs(
  db: Db,
  limit: number,
  leaseMs: number,
): Promise<{ jobs: ClaimedJob[]; nextDueInMs?: number }> {
  const token = randomUUID();
  const result = await sql<JobRow>`
    WITH due AS (
      SELECT id FROM background_jobs
      WHERE finished_at IS NULL AND run_at <= now() AND (lease_until IS NULL OR lease_until < now())
      ORDER BY run_at LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), claimed AS (
      UPDATE background_jobs j
      SET lease_until = now() + ${`${leaseMs} milliseconds`}::interval, lease_token = ${token},
        updated_at = now()
      FROM due WHERE j.id = due.id
      RETURNING j.id, j.kind, j.payload, j.tries, j.first_try_at, j.lease_token, j.generation
    )
    SELECT c.*, (
      SELECT (extract(epoch FROM min(GREATEST(run_at, lease_until)) - now()) * 1000)::float8
      FROM background_jobs WHERE finished_at IS NULL AND GREATEST(run_at, lease_until) > now()
    ) AS next_due_ms
    FROM (VALUES (1)) AS one (x) LEFT JOIN claimed c ON true`.execute(db);
  const nextDue = result.rows[0]?.next_due_ms;
  const jobs = result.rows
    .filter((r) => r.id !== null)
    .map(
      (r) =>
        ({
          ...r.payload,
          kind: r.kind,
          id: r.id,
          tries: r.tries,
          firstTryAt: r.first_try_at,
          leaseToken: r.lease_token,
          generation: r.generation,
        }) as ClaimedJob,
    );
  return { jobs, ...(nextDue === null || nextDue === undefined ? {} : { nextDueInMs: Number(nextDue) }) };
}

/**
 * Ends a run: a finished job is marked so (kept for inspection until the housekeeping deletes it), a
 * recurring one is due again at `again`. A job requested anew while it ran stays due. False when the
 * lease was lost (another worker took the job over).
 */
export async function endJob(
  db: Db,
  job: Pick<ClaimedJob, 'id' | 'leaseToken' | 'generation'>,
  outcome: { finished: true } | { again: 'next-minute' },
): Promise<boolean> {
  const finish =
    'finished' in outcome
      ? sql`finished_at = CASE WHEN generation = ${job.generation} THEN now() END`
      : sql`run_at = date_trunc('minute', now()) + interval '1 minute', tries = 0, first_try_at = now()`;
  const result = await sql`
    UPDATE background_jobs SET ${finish}, lease_until = NULL, lease_token = NULL, updated_at = now()
    WHERE id = ${job.id} AND lease_token = ${job.leaseToken}`.execute(db);
  return Number(result.numAffectedRows ?? 0n) > 0;
}

/** Gives the job back to be tried again at `retry.at`, one try more. False when the lease was lost. */
export async function retryJob(
  db: Db,
  job: Pick<ClaimedJob, 'id' | 'leaseToken' | 'generation'>,
  retry: RetryLater,
): Promise<boolean> {
  const result = await sql`
    UPDATE background_jobs SET run_at = CASE WHEN generation = ${job.generation} THEN ${retry.at.toISOString()}::timestamptz
        ELSE run_at END,
      tries = CASE WHEN generation = ${job.generation} THEN tries + 1 ELSE tries END,
      last_error = ${retry.error}, lease_until = NULL, lease_token = NULL, updated_at = now()
    WHERE id = ${job.id} AND lease_token = ${job.leaseToken}`.execute(db);
  return Number(result.numAffectedRows ?? 0n) > 0;
}

/** Deletes jobs finished before `ms` ago (the housekeeping's retention). */
export async function deleteFinishedJobs(db: Db, ms: number): Promise<number> {
  const result = await sql`
    DELETE FROM background_jobs
    WHERE finished_at < now() - ${`${ms} milliseconds`}::interval`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
