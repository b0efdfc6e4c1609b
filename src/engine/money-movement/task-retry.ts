// Background tasks that call a connector once (forwarding a bank account, deleting a user at a PSP):
// what happens after a failed call.
import { backoffDelay, retryAfterOf } from '../../connectors/sdk/retry.js';
import type { ClaimedJob, RetryLater } from '../../storage/background-jobs.js';
import { finishTask } from '../../storage/tasks.js';
import type { EngineDeps } from '../deps.js';
import { isRefusal } from './initiation-runner.js';

/** What a task job knows of its own tries: the count, and when the first one was made. */
export type RetriedJob = Pick<ClaimedJob, 'id' | 'kind' | 'tries' | 'firstTryAt'>;

/**
 * When the job should be tried again after a failure whose outcome is unknown (timeout, 5xx): the shared
 * backoff (retry.ts) for its try count, or undefined once the deadline has passed.
 */
export function nextTry(deps: EngineDeps, job: RetriedJob, error: unknown): Date | undefined {
  const { retryMinMs, retryMaxMs, deadlineMs } = deps.initiations;
  if (Date.now() - new Date(job.firstTryAt).getTime() >= deadlineMs) return undefined;
  const delay = backoffDelay({ baseMs: retryMinMs, capMs: retryMaxMs }, job.tries, {
    retryAfterMs: retryAfterOf(error),
  });
  return new Date(Date.now() + delay);
}

/**
 * After a failed call: a refusal fails the task with its reason; an unknown outcome asks for another try
 * after the shared backoff, until the deadline fails the task. Nothing done so far is undone.
 */
export async function retryTaskOrFail(
  deps: EngineDeps,
  job: RetriedJob,
  what: string,
  error: unknown,
): Promise<RetryLater | undefined> {
  const reason = `${what}: ${error instanceof Error ? error.message : String(error)}`;
  if (isRefusal(error)) {
    await finishTask(deps.db, job.id, { status: 'FAILED', error: reason });
    return undefined;
  }
  const at = nextTry(deps, job, error);
  if (!at) {
    await finishTask(deps.db, job.id, {
      status: 'FAILED',
      error: `outcome unknown: ${reason}; gave up after ${job.tries + 1} tries`,
    });
    return undefined;
  }
  deps.logger.warn({ err: error, taskId: job.id, kind: job.kind }, 'task call outcome unknown; retrying');
  return { at, error: `outcome unknown: ${reason}` };
}
