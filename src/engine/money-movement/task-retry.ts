// Background tasks that call a connector once (forwarding a bank account, deleting a user at a PSP):
// what happens after a failed call.
import { backoffDelay, retryAfterOf } from '../../connectors/sdk/retry.js';
import { finishTask } from '../../storage/tasks.js';
import type { EngineDeps } from '../deps.js';
import { isRefusal } from './initiation-runner.js';
import type { MovementJob } from '../execution/jobs.js';

/** A task job that carries its own try count and the time of its first try. */
type RetriedJob = Extract<MovementJob, { tries: number; firstTryAt: string }>;

/**
 * After a failed call: a refusal fails the task with its reason; an unknown outcome (timeout, 5xx) wakes
 * the job again after the shared backoff (retry.ts), until the deadline fails the task. Nothing done so far is undone.
 */
export async function retryTaskOrFail(
  deps: EngineDeps,
  job: RetriedJob,
  what: string,
  error: unknown,
): Promise<void> {
  const reason = `${what}: ${error instanceof Error ? error.message : String(error)}`;
  if (isRefusal(error)) {
    await finishTask(deps.db, job.id, { status: 'FAILED', error: reason });
    return;
  }
  const { retryMinMs, retryMaxMs, deadlineMs } = deps.initiations;
  if (Date.now() - new Date(job.firstTryAt).getTime() >= deadlineMs) {
    await finishTask(deps.db, job.id, {
      status: 'FAILED',
      error: `outcome unknown: ${reason}; gave up after ${job.tries + 1} tries`,
    });
    return;
  }
  const delay = backoffDelay({ baseMs: retryMinMs, capMs: retryMaxMs }, job.tries, {
    retryAfterMs: retryAfterOf(error),
  });
  deps.logger.warn({ err: error, taskId: job.id, kind: job.kind }, 'task call outcome unknown; retrying');
  await deps.jobs.enqueueMovement(deps.db, { ...job, tries: job.tries + 1 }, new Date(Date.now() + delay));
}
