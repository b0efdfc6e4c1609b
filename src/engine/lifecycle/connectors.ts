// Connector lifecycle: install, config update, resume (uninstall and reset are in removal.ts).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Capability } from '../../connectors/sdk/capabilities.js';
import type { Connector, TaskNode } from '../../connectors/sdk/contract.js';
import { InvalidConfigError, isRetryable } from '../../connectors/sdk/errors.js';
import { type ConnectorRegistration, findConnector } from '../../connectors/sdk/registry.js';
import { connectorIdCodec, type ConnectorId } from '../../domain/ids.js';
import { stringifyJson } from '../../domain/json.js';
import { findLiveConnectorRow } from '../../storage/connectors.js';
import type { Db } from '../../storage/db.js';
import { resumeSchedules, upsertSchedules } from '../../storage/schedules.js';
import {
  checkDestinationsAllowed,
  checkSecretsFollowDestinations,
  restoreMaskedSecrets,
  validateConfig,
  type ValidatedConfig,
} from './connector-config.js';
import { decryptConfig, instantiate, registrationOf } from './connector-instance.js';
import type { EngineDeps } from '../deps.js';
import { CapabilityError, ConflictError, isUniqueViolation, NotFoundError } from '../../domain/errors.js';
import { signalWork } from '../execution/wakeups.js';
import { scheduleId, treePaths, validateTree } from '../ingestion/task-tree.js';

/** A validated connector, ready to be stored: its new id, config and task tree. */
export interface PreparedConnector {
  id: string;
  reference: string;
  provider: string;
  config: ValidatedConfig;
  workflow: TaskNode[];
}

/** A test double is installed, or its config changed, only in debug mode. */
function requireInstallable(deps: EngineDeps, registration: ConnectorRegistration): void {
  if (registration.hidden && !deps.connectors.debug) {
    throw new InvalidConfigError(
      `connector ${registration.provider} is a test double: it can be installed or updated only when ` +
        'PAYBRIDGE_DEBUG=true',
    );
  }
}

/**
 * The connector's task tree, from its `install` (which may check the config at the PSP). A PSP that cannot
 * be reached or fails there makes the config unusable for now: a 400 naming the reason (generic when the
 * PSP is internal, see connector-instance.ts), rather than a 500 that says nothing. Refused credentials
 * (AuthenticationError) and refused requests pass through as they are: the API answers them 400 with the
 * PSP's reason (api/errors.ts).
 */
async function taskTreeOf(connector: Connector, capabilities: readonly Capability[]): Promise<TaskNode[]> {
  let workflow: TaskNode[];
  try {
    ({ workflow } = await connector.install());
  } catch (error) {
    if (!isRetryable(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidConfigError(`the connector could not check its config with the PSP: ${reason}`);
  }
  validateTree(workflow, capabilities);
  return workflow;
}

/** Validates a config and asks the connector for its task tree (nothing is stored yet). */
export async function prepareConnector(
  deps: EngineDeps,
  provider: string,
  rawConfig: unknown,
): Promise<PreparedConnector> {
  const registration = registrationOf(provider);
  requireInstallable(deps, registration);
  const config = validateConfig(registration, rawConfig, deps.limits);
  checkDestinationsAllowed(registration, config.connectorConfig, deps.connectors.outbound.allow);
  const reference = randomUUID();
  const id = connectorIdCodec.encode({ provider: registration.provider, reference });
  // Not stored yet, so no call budget: the install check makes a handful of calls at most.
  const connector = instantiate(registration, config.connectorConfig, id, deps.logger, deps.connectors);
  const workflow = await taskTreeOf(connector, registration.capabilities);
  return { id, reference, provider: registration.provider, config, workflow };
}

/**
 * Stores a prepared connector (config encrypted), one schedule per root node and their first runs, in
 * the caller's transaction. A live connector with the same name is a ConflictError.
 */
export async function storeConnector(deps: EngineDeps, trx: Db, prepared: PreparedConnector): Promise<void> {
  try {
    await trx
      .insertInto('connectors')
      .values({
        id: prepared.id,
        reference: prepared.reference,
        provider: prepared.provider,
        name: prepared.config.name,
        config_encrypted: deps.keyring.encrypt(stringifyJson(prepared.config.stored)),
        polling_period_ms: prepared.config.pollingPeriodMs,
        page_size: prepared.config.pageSize,
        max_concurrent_runs: prepared.config.maxConcurrentRuns,
        calls_per_second: prepared.config.callsPerSecond,
        task_tree: stringifyJson(prepared.workflow),
      })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError(`a connector named '${prepared.config.name}' already exists`);
    }
    throw error;
  }
  await scheduleRoots(trx, prepared.id, prepared.workflow);
}

/** Install: validate, then store the connector and start its first runs. */
export async function installConnector(
  deps: EngineDeps,
  providerInPath: string,
  rawConfig: unknown,
): Promise<string> {
  const prepared = await prepareConnector(deps, providerInPath, rawConfig);
  await deps.db.transaction().execute((trx) => storeConnector(deps, trx, prepared));
  deps.logger.info({ connectorId: prepared.id, provider: prepared.provider }, 'connector installed');
  return prepared.id;
}

async function scheduleRoots(trx: Db, connectorId: string, workflow: TaskNode[]): Promise<void> {
  const created = await upsertSchedules(
    trx,
    workflow.map((node) => ({
      id: scheduleId(connectorId, node.name, ''),
      connectorId,
      nodePath: node.name,
      parentId: '',
      parentScheduleId: null,
      taskType: node.type,
      periodic: node.periodic,
      fromPayload: undefined,
    })),
  );
  // New schedules are due now: wake the workers when this transaction commits.
  if (created.length > 0) await signalWork(trx, 'schedules');
}

/**
 * Replaces a connector's config after validating it exactly like an install (the connector's `install`
 * runs again, so it can check the new config and its task tree is refreshed: new root nodes get their
 * first run, schedules of nodes that left the tree are dropped). Masked secrets sent back unchanged keep
 * their stored value, unless a destination (the endpoint) changes: then every secret must be sent again.
 * Paused schedules resume. A shorter polling period brings the next runs forward (a schedule's
 * `next_run_at` is its queue entry); a longer one applies from the next run.
 */
export async function updateConnectorConfig(
  deps: EngineDeps,
  connectorId: string,
  rawConfig: unknown,
): Promise<void> {
  const row = await findLiveConnectorRow(deps.db, connectorId);
  if (!row) throw new NotFoundError('connector not found');
  const registration = registrationOf(row.provider);
  requireInstallable(deps, registration);
  const previous = decryptConfig(deps.keyring, row.config_encrypted);
  const { raw, restored } = restoreMaskedSecrets(registration, rawConfig, previous);
  // Before validation: a secret left out because the form keeps it blank must hear why it is needed now,
  // not that it is required; after it, with defaults applied, in case a default moved a destination.
  checkSecretsFollowDestinations(registration, previous, raw, restored);
  const config = validateConfig(registration, raw, deps.limits);
  checkDestinationsAllowed(registration, config.connectorConfig, deps.connectors.outbound.allow);
  checkSecretsFollowDestinations(registration, previous, config.connectorConfig, restored);
  const connector = instantiate(
    registration,
    config.connectorConfig,
    connectorId,
    deps.logger,
    deps.connectors,
    {
      db: deps.db,
      callsPerSecond: config.callsPerSecond,
    },
  );
  const workflow = await taskTreeOf(connector, registration.capabilities);
  try {
    await deps.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('connectors')
        .set({
          name: config.name,
          config_encrypted: deps.keyring.encrypt(stringifyJson(config.stored)),
          polling_period_ms: config.pollingPeriodMs,
          page_size: config.pageSize,
          max_concurrent_runs: config.maxConcurrentRuns,
          calls_per_second: config.callsPerSecond,
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
      await scheduleRoots(trx, connectorId, workflow);
      if (config.pollingPeriodMs < Number(row.polling_period_ms)) {
        const soonest = new Date(Date.now() + config.pollingPeriodMs);
        await trx
          .updateTable('schedules')
          .set({ next_run_at: soonest.toISOString() })
          .where('connector_id', '=', connectorId)
          .where('periodic', '=', true)
          .where('next_run_at', '>', soonest.toISOString())
          .execute();
      }
      if ((await resumeSchedules(trx, connectorId)).length > 0) await signalWork(trx, 'schedules');
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
    if ((await resumeSchedules(trx, connectorId, scheduleId)).length > 0) await signalWork(trx, 'schedules');
  });
}

/** The stored config, decrypted (the API masks secrets before answering). */
export async function readConnectorConfig(deps: EngineDeps, connectorId: string) {
  const row = await findLiveConnectorRow(deps.db, connectorId);
  if (!row) throw new NotFoundError('connector not found');
  return { row, config: decryptConfig(deps.keyring, row.config_encrypted) };
}

/**
 * The connector a request names: it must exist, not be on its way out, and its provider must have
 * `capability`. Returns its decoded id.
 */
export async function requireCapability(
  db: Db,
  connectorId: string,
  capability: Capability,
): Promise<ConnectorId> {
  const row = await db
    .selectFrom('connectors')
    .select(['provider', 'scheduled_for_deletion'])
    .where('id', '=', connectorId)
    .executeTakeFirst();
  if (!row || row.scheduled_for_deletion) throw new NotFoundError('connector not found');
  if (!findConnector(row.provider)?.capabilities.includes(capability)) {
    throw new CapabilityError(`connector ${row.provider} does not support ${capability}`);
  }
  return connectorIdCodec.decode(connectorId);
}
