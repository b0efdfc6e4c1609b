// Uninstall and reset: mark the connector (runs stop at their next commit), then delete it in a background task.
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { InvalidConfigError, NotImplementedError } from '../../connectors/sdk/errors.js';
import { connectorIdCodec, taskIdCodec } from '../../domain/ids.js';
import { connectorReset } from '../../events/events.js';
import { recordEvents } from '../../events/outbox.js';
import { type ConnectorRow, findConnectorRow } from '../../storage/connectors.js';
import { createTask, findTask, finishTask } from '../../storage/tasks.js';
import { webhookConfigsOf } from '../../storage/webhooks.js';
import { decryptConfig, openConnector } from './connector-instance.js';
import { prepareConnector, storeConnector } from './connectors.js';
import type { EngineDeps } from '../deps.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { RemovalJob } from '../execution/jobs.js';

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
    const marked = await trx
      .updateTable('connectors')
      .set({ scheduled_for_deletion: true, updated_at: new Date().toISOString() })
      .where('id', '=', connectorId)
      .where('scheduled_for_deletion', '=', false)
      .returning('id')
      .executeTakeFirst();
    if (!marked)
      return (
        (await findConnectorRow(trx, connectorId)) !== undefined &&
        (await findTask(trx, taskId)) !== undefined
      );
    await createTask(trx, { id: taskId, connectorId });
    await deps.jobs.enqueueRemoval(trx, { connectorId, taskId, reinstall: kind === 'reset' });
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
      await deps.db
        .updateTable('connectors')
        .set({ scheduled_for_deletion: false })
        .where('id', '=', row.id)
        .execute();
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
    await trx.updateTable('tasks').set({ created_object_id: prepared.id }).where('id', '=', taskId).execute();
  });
  return prepared.id;
}

const DELETE_BATCH = 5000;
const DATA_TABLES = [
  'order_adjustments',
  'orders',
  'conversions',
  'payment_adjustments',
  'payments',
  'balances',
  'accounts',
] as const;

/** Deletes a connector and everything it ingested. Returns a warning when the PSP cleanup failed. */
async function deleteConnector(
  deps: EngineDeps,
  row: ConnectorRow,
  logger: Logger,
): Promise<string | undefined> {
  await deps.db.deleteFrom('schedules').where('connector_id', '=', row.id).execute();
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
  for (const table of DATA_TABLES) {
    for (;;) {
      const result = await sql`
        DELETE FROM ${sql.table(table)} WHERE ctid = ANY(ARRAY(
          SELECT ctid FROM ${sql.table(table)} WHERE connector_id = ${row.id} LIMIT ${DELETE_BATCH}))`.execute(
        deps.db,
      );
      if (Number(result.numAffectedRows ?? 0n) < DELETE_BATCH) break;
    }
  }
  await deps.db.deleteFrom('connectors').where('id', '=', row.id).execute();
  return warning;
}
