// The claim source of the background-job table (migration 0021, kind 'jobs'): bank-account forwards,
// deletions of payment service users at PSPs, connector removal, and the once-a-minute housekeeping.
// A job's lease is renewed while it runs (a removal of a large connector, a slow PSP), so no second worker
// runs it at the same time; a dead worker's job is claimed again once its lease expires.
import { renewTokenLeases } from '../../storage/leases.js';
import {
  type ClaimedJob,
  claimJobs,
  endJob,
  type JobKind,
  retryJob,
  type RetryLater,
} from '../../storage/background-jobs.js';
import { finishTask } from '../../storage/tasks.js';
import type { EngineDeps } from '../deps.js';
import { nextTry } from '../money-movement/task-retry.js';
import { LeaseHeartbeat } from './lease-heartbeat.js';
import type { ClaimSource } from './loop.js';

/** What runs each kind of job. A handler may ask for another try (an unknown outcome at a PSP). */
export type JobHandlers = {
  [K in JobKind]: (job: Extract<ClaimedJob, { kind: K }>) => Promise<RetryLater | undefined | void>;
};

export function backgroundJobSource(
  deps: EngineDeps,
  handlers: JobHandlers,
): ClaimSource<ClaimedJob> & { heartbeat: LeaseHeartbeat } {
  const heartbeat = new LeaseHeartbeat(
    (held) => renewTokenLeases(deps.db, 'background_jobs', held, deps.leaseMs),
    deps.leaseMs,
    deps.logger,
    'background jobs',
  );
  const run = (job: ClaimedJob) =>
    (handlers[job.kind] as (job: ClaimedJob) => Promise<RetryLater | undefined | void>)(job);
  return {
    kind: 'jobs',
    heartbeat,
    async claim(limit) {
      const { jobs, nextDueInMs } = await claimJobs(deps.db, limit, deps.leaseMs);
      return { items: jobs, ...(nextDueInMs === undefined ? {} : { nextDueInMs }) };
    },
    async handle(job) {
      const logger = deps.logger.child({ jobId: job.id, kind: job.kind });
      let retry: RetryLater | undefined;
      try {
        retry = (await heartbeat.during({ id: job.id, token: job.leaseToken }, () => run(job))) ?? undefined;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (job.kind === 'housekeeping') {
          logger.error({ err: error }, 'housekeeping failed; it runs again next minute');
        } else {
          // Not a PSP's answer (a database error, a removal that broke): tried again with the shared
          // backoff, and past the deadline the task fails with the error, for all to see.
          const at = nextTry(deps, job, error);
          if (at) {
            logger.error({ err: error }, 'background job failed; it will be tried again');
            retry = { at, error: reason };
          } else {
            logger.error({ err: error }, 'background job failed past its deadline; its task fails');
            await finishTask(deps.db, job.id, {
              status: 'FAILED',
              error: `${reason}; gave up after ${job.tries + 1} tries`,
            });
          }
        }
      }
      const kept =
        job.kind === 'housekeeping'
          ? await endJob(deps.db, job, { again: 'next-minute' })
          : retry
            ? await retryJob(deps.db, job, retry)
            : await endJob(deps.db, job, { finished: true });
      if (!kept) logger.warn('a background job lost its lease before it ended; another worker has it');
    },
  };
}
