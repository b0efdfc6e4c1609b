// Uninstall and reset: mark the connector (runs stop at their next commit), then delete it in a background task.
import type { Logger } from 'pino';
import { InvalidConfigError, NotImplementedError } from '../../connectors/sdk/errors.js';
import { connectorIdCodec, taskIdCodec } from '../../domain/ids.js';
import { connectorReset } from '../../events/events.js';
import { recordEvents } from '../../events/outbox.js';
import { requestJob } from '../../storage/background-jobs.js';
import {
  deleteConnectorData,
  deleteSchedulesOf,
  markForDeletion,
  unmarkForDeletion,
} from '../../storage/connector-removal.js';
import { type ConnectorRow, findConnectorRow } from '../../storage/connectors.js';
import { createTask, findTask, finishTask, setTaskCreatedObject } from '../../storage/tasks.js';
import { webhookConfigsOf } from '../../storage/webhooks.js';
import { decryptConfig, openConnector } from './connector-instance.js';
import { prepareConnector, storeConnector } from './connectors.js';
import type { EngineDeps } from '../deps.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { signalWork } from '../execution/wakeups.js';

/** Removes a connector (uninstall), or replaces it with a fresh one first (reset). */
export interface RemovalJob {
  connectorId: string;
  taskId: string;
  reinstall: boolean;
}

type RemovalKind = 'uninstall' | 'reset';

function removalTaskId(connectorId: string, kind: RemovalKind): string {
  const id = connectorIdCodec.decode(connectorId);
  return taskIdCodec.encode(id, `${kind}-${id.provider}-${id.reference}`);
}

/**
 * Marks the connector for deletion, records a task and queues the removal, in one transaction. Asking
 * again while it is under way returns the same task; a connector that is gone, or being removed the
 * other way, is not found.
 */
async function scheduleRemoval(deps: EngineDeps, connectorId: string, kind: RemovalKind): Promise<string> {
  const taskId = removalTaskId(connectorId, kind);
  const scheduled = await deps.db.transaction().execute(async (trx) => {
    if (!(await markForDeletion(trx, connectorId)))
      return (
        (await findConnectorRow(trx, connectorId)) !== undefined &&
        (await findTask(trx, taskId)) !== undefined
      );
    await createTask(trx, { id: taskId, connectorId });
    await requestJob(trx, { kind: 'removal', id: taskId, connectorId, reinstall: kind === 'reset' });
    await signalWork(trx, 'jobs');
    return true;
  });
  if (!scheduled) throw new NotFoundError('connector not found');
  return taskId;
}

export function uninstallConnector(deps: EngineDeps, connectorId: string): Promise<string> {
  return scheduleRemoval(deps, connectorId, 'uninstall');
}

/** Reset: the same config under a new connector id (all data fetched again), then the old one removed. */
export function resetConnector(deps: EngineDeps, connectorId: string): Promise<string> {
  return scheduleRemoval(deps, connectorId, 'reset');
}

/**
 * The background task. For a reset the replacement connector is created first, with the
 * CONNECTOR_RESET event and its id recorded on the task in one transaction, so a retried task never
 * creates two. Then the old connector is deleted: schedules first (a page commit in flight finishes,
 * later ones find no schedule and stop), the connector's own cleanup at the PSP (a failure there is a
 * warning, not a stuck uninstall), the data in batches, and the connector row last.
 */
export async function runRemoval(deps: EngineDeps, job: RemovalJob): Promise<void> {
  const logger = deps.logger.child({ connectorId: job.connectorId, taskId: job.taskId });
  const row = await findConnectorRow(deps.db, job.connectorId);
  let outcome = job.connectorId;
  if (job.reinstall) {
    let replacement: string | null | undefined;
    try {
      replacement =
        (await findTask(deps.db, job.taskId))?.created_object_id ??
        (row && (await reinstall(deps, row, job.taskId)));
    } catch (error) {
      if (!(error instanceof InvalidConfigError || error instanceof ConflictError) || !row) throw error;
      // The stored config no longer installs (say its directory is gone): keep the old connector as it was.
      await unmarkForDeletion(deps.db, row.id);
      await finishTask(deps.db, job.taskId, { status: 'FAILED', error: `reset failed: ${error.message}` });
      return;
    }
    if (!replacement) {
      await finishTask(deps.db, job.taskId, {
        status: 'FAILED',
        error: 'the connector was removed before it could be reset',
      });
      return;
    }
    outcome = replacement;
  }
  const warning = row ? await deleteConnector(deps, row, logger) : undefined;
  await finishTask(deps.db, job.taskId, { status: 'SUCCEEDED', createdObjectId: outcome, error: warning });
  logger.info({ outcome }, job.reinstall ? 'connector reset' : 'connector uninstalled');
}

async function reinstall(deps: EngineDeps, row: ConnectorRow, taskId: string): Promise<string> {
  const prepared = await prepareConnector(
    deps,
    row.provider,
    decryptConfig(deps.keyring, row.config_encrypted),
  );
  await deps.db.transaction().execute(async (trx) => {
    await storeConnector(deps, trx, prepared);
    await recordEvents(trx, [connectorReset(row.id, prepared.id)]);
    await setTaskCreatedObject(trx, taskId, prepared.id);
  });
  return prepared.id;
}

const DELETE_BATCH = 5000;

/** Deletes a connector and everything it ingested. Returns a warning when the PSP cleanup failed. */
async function deleteConnector(
  deps: EngineDeps,
  row: ConnectorRow,
  logger: Logger,
): Promise<string | undefined> {
  await deleteSchedulesOf(deps.db, row.id);
  let warning: string | undefined;
  try {
    const connector = openConnector(deps, row, row.id, logger);
    await connector.uninstall({ webhookConfigs: await webhookConfigsOf(deps.db, deps.keyring, row.id) });
  } catch (error) {
    if (!(error instanceof NotImplementedError)) {
      warning = `warning: cleanup at the PSP failed: ${error instanceof Error ? error.message : String(error)}`;
      logger.warn({ err: error }, 'connector cleanup at the PSP failed; uninstall goes on');
    }
  }
  await deleteConnectorData(deps.db, row.id, DELETE_BATCH);
  return warning;
}
