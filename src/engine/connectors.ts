// Connector lifecycle: install, config update and uninstall (whose data deletion runs as a background task).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { TaskNode } from '../connectors/sdk/contract.js';
import { NotImplementedError } from '../connectors/sdk/errors.js';
import { connectorIdCodec, taskIdCodec } from '../domain/ids.js';
import { stringifyJson } from '../domain/json.js';
import { findConnectorRow, findLiveConnectorRow } from '../storage/connectors.js';
import type { Db } from '../storage/db.js';
import { resumeSchedules, upsertSchedules } from '../storage/schedules.js';
import { createTask, finishTask } from '../storage/tasks.js';
import { restoreMaskedSecrets, validateConfig } from './connector-config.js';
import { decryptConfig, instantiate, registrationOf } from './connector-instance.js';
import type { EngineDeps } from './deps.js';
import { ConflictError, isUniqueViolation, NotFoundError } from './errors.js';
import { scheduleId, treePaths, validateTree } from './task-tree.js';

/**
 * Validates the config, asks the connector for its task tree, then stores the connector (config
 * encrypted), one schedule per root node and their first runs in one transaction.
 */
export async function installConnector(
  deps: EngineDeps,
  providerInPath: string,
  rawConfig: unknown,
): Promise<string> {
  const registration = registrationOf(providerInPath);
  const config = validateConfig(registration, rawConfig, deps.limits);
  const reference = randomUUID();
  const id = connectorIdCodec.encode({ provider: registration.provider, reference });
  const connector = instantiate(registration, config.connectorConfig, id, deps.logger);
  const { workflow } = await connector.install();
  validateTree(workflow);
  try {
    await deps.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('connectors')
        .values({
          id,
          reference,
          provider: registration.provider,
          name: config.name,
          config_encrypted: deps.keyring.encrypt(stringifyJson(config.stored)),
          polling_period_ms: config.pollingPeriodMs,
          page_size: config.pageSize,
          task_tree: stringifyJson(workflow),
        })
        .execute();
      await scheduleRoots(deps, trx, id, workflow);
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError(`a connector named '${config.name}' already exists`);
    throw error;
  }
  deps.logger.info({ connectorId: id, provider: registration.provider }, 'connector installed');
  return id;
}

async function scheduleRoots(
  deps: EngineDeps,
  trx: Db,
  connectorId: string,
  workflow: TaskNode[],
): Promise<void> {
  const created = await upsertSchedules(
    trx,
    workflow.map((node) => ({
      id: scheduleId(connectorId, node.name, ''),
      connectorId,
      nodePath: node.name,
      parentId: '',
      taskType: node.type,
      periodic: node.periodic,
      fromPayload: undefined,
    })),
  );
  await deps.jobs.enqueueRuns(trx, created);
}

/**
 * Replaces a connector's config after validating it exactly like an install (the connector's `install`
 * runs again, so it can check the new config and its task tree is refreshed: new root nodes get their
 * first run, schedules of nodes that left the tree are dropped). Masked secrets sent back unchanged keep
 * their stored value. Paused schedules resume. A shorter polling period brings queued runs forward; a
 * longer one applies from the next run.
 */
export async function updateConnectorConfig(
  deps: EngineDeps,
  connectorId: string,
  rawConfig: unknown,
): Promise<void> {
  const row = await findLiveConnectorRow(deps.db, connectorId);
  if (!row) throw new NotFoundError('connector not found');
  const registration = registrationOf(row.provider);
  const previous = decryptConfig(deps.keyring, row.config_encrypted);
  const config = validateConfig(
    registration,
    restoreMaskedSecrets(registration, rawConfig, previous),
    deps.limits,
  );
  const connector = instantiate(registration, config.connectorConfig, connectorId, deps.logger);
  const { workflow } = await connector.install();
  validateTree(workflow);
  try {
    await deps.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('connectors')
        .set({
          name: config.name,
          config_encrypted: deps.keyring.encrypt(stringifyJson(config.stored)),
          polling_period_ms: config.pollingPeriodMs,
          page_size: config.pageSize,
          task_tree: stringifyJson(workflow),
          updated_at: new Date().toISOString(),
        })
        .where('id', '=', connectorId)
        .execute();
      await trx
        .deleteFrom('schedules')
        .where('connector_id', '=', connectorId)
        .where(sql<boolean>`node_path <> ALL(${treePaths(workflow)}::text[])`)
        .execute();
      await scheduleRoots(deps, trx, connectorId, workflow);
      if (config.pollingPeriodMs < Number(row.polling_period_ms)) {
        const soonest = new Date(Date.now() + config.pollingPeriodMs);
        await trx
          .updateTable('schedules')
          .set({ next_run_at: soonest.toISOString() })
          .where('connector_id', '=', connectorId)
          .where('periodic', '=', true)
          .where('next_run_at', '>', soonest.toISOString())
          .execute();
        await deps.jobs.bringRunsForward(trx, connectorId, soonest);
      }
      await deps.jobs.enqueueRuns(trx, await resumeSchedules(trx, connectorId));
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError(`a connector named '${config.name}' already exists`);
    throw error;
  }
}

/** Unpauses one schedule of a live connector and runs it now. */
export async function resumeSchedule(
  deps: EngineDeps,
  connectorId: string,
  scheduleId: string,
): Promise<void> {
  const row = await findLiveConnectorRow(deps.db, connectorId);
  if (!row) throw new NotFoundError('connector not found');
  const exists = await deps.db
    .selectFrom('schedules')
    .select('id')
    .where('id', '=', scheduleId)
    .where('connector_id', '=', connectorId)
    .executeTakeFirst();
  if (!exists) throw new NotFoundError('schedule not found');
  await deps.db.transaction().execute(async (trx) => {
    await deps.jobs.enqueueRuns(trx, await resumeSchedules(trx, connectorId, scheduleId));
  });
}

/** The stored config, decrypted (the API masks secrets before answering). */
export async function readConnectorConfig(deps: EngineDeps, connectorId: string) {
  const row = await findLiveConnectorRow(deps.db, connectorId);
  if (!row) throw new NotFoundError('connector not found');
  return { row, config: decryptConfig(deps.keyring, row.config_encrypted) };
}

export function uninstallTaskId(connectorId: string): string {
  const id = connectorIdCodec.decode(connectorId);
  return taskIdCodec.encode(id, `uninstall-${id.provider}-${id.reference}`);
}

/**
 * Marks the connector for deletion (which stops every run at its next commit), records a task and queues
 * the deletion. Asking again while it is under way returns the same task.
 */
export async function uninstallConnector(deps: EngineDeps, connectorId: string): Promise<string> {
  const taskId = uninstallTaskId(connectorId);
  const found = await deps.db.transaction().execute(async (trx) => {
    const marked = await trx
      .updateTable('connectors')
      .set({ scheduled_for_deletion: true, updated_at: new Date().toISOString() })
      .where('id', '=', connectorId)
      .where('scheduled_for_deletion', '=', false)
      .returning('id')
      .executeTakeFirst();
    if (!marked) return (await findConnectorRow(trx, connectorId)) !== undefined;
    await createTask(trx, { id: taskId, connectorId });
    await deps.jobs.enqueueUninstall(trx, { connectorId, taskId });
    return true;
  });
  if (!found) throw new NotFoundError('connector not found');
  return taskId;
}

const DELETE_BATCH = 5000;
const DATA_TABLES = ['payment_adjustments', 'payments', 'balances', 'accounts'] as const;

/** The background half of uninstall: stop schedules, let the PSP clean up, delete data in batches. */
export async function runUninstall(deps: EngineDeps, connectorId: string, taskId: string): Promise<void> {
  const logger = deps.logger.child({ connectorId, taskId });
  const row = await findConnectorRow(deps.db, connectorId);
  if (!row) {
    await finishTask(deps.db, taskId, { status: 'SUCCEEDED', createdObjectId: connectorId });
    return;
  }
  // Deleting the schedules waits for any page commit in flight; later commits find no schedule and stop.
  await deps.db.deleteFrom('schedules').where('connector_id', '=', connectorId).execute();
  try {
    const registration = registrationOf(row.provider);
    const connector = instantiate(
      registration,
      decryptConfig(deps.keyring, row.config_encrypted),
      connectorId,
      logger,
    );
    await connector.uninstall({ webhookConfigs: [] });
  } catch (error) {
    if (!(error instanceof NotImplementedError)) {
      logger.warn({ err: error }, 'connector cleanup at the PSP failed; uninstall goes on');
    }
  }
  for (const table of DATA_TABLES) {
    for (;;) {
      const result = await sql`
        DELETE FROM ${sql.table(table)} WHERE ctid = ANY(ARRAY(
          SELECT ctid FROM ${sql.table(table)} WHERE connector_id = ${connectorId} LIMIT ${DELETE_BATCH}))`.execute(
        deps.db,
      );
      if (Number(result.numAffectedRows ?? 0n) < DELETE_BATCH) break;
    }
  }
  await deps.db.deleteFrom('connectors').where('id', '=', connectorId).execute();
  await finishTask(deps.db, taskId, { status: 'SUCCEEDED', createdObjectId: connectorId });
  logger.info('connector uninstalled');
}
