// A task's saved state as its connector declared it: validated when read back, or the task starts over.
import type { Logger } from 'pino';
import type { TaskType } from '../../connectors/sdk/contract.js';
import type { ConnectorRegistration } from '../../connectors/sdk/registry.js';
import type { Db } from '../../storage/db.js';
import { addRunWarnings } from '../../storage/schedules.js';

/**
 * The state to resume a task from. With a schema in the registration for this task type, the stored
 * state must pass it (the schema's output is returned); when it does not (a connector upgrade changed
 * the shape), the task restarts from scratch (undefined), and the run carries a warning saying so. The
 * state is overwritten by the next commit, so the next run resumes normally: never a crash loop.
 */
export async function resumableState(
  f: {
    db: Db;
    logger: Logger;
    registration: ConnectorRegistration;
    taskType: TaskType;
    instanceId: string;
  },
  stored: unknown,
): Promise<unknown> {
  const schema = f.registration.state?.[f.taskType];
  if (stored === undefined || stored === null || !schema) return stored ?? undefined;
  const parsed = schema.safeParse(stored);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  const warning =
    `the saved ${f.taskType} state does not match what the connector now reads (${issues}); ` +
    'the task restarted from the beginning';
  f.logger.warn({ taskType: f.taskType, issues: parsed.error.issues }, warning);
  await addRunWarnings(f.db, f.instanceId, [warning]);
  return undefined;
}
