// Payment service users at connectors: forwarding one (the connector creates the user at its PSP), and
// deleting the user there again, at one connector, or at all of them before the PSU itself is deleted.
import { z } from 'zod';
import type { Connector, PspPaymentServiceUser } from '../../connectors/sdk/contract.js';
import { type ConnectorId, connectorIdCodec, taskIdCodec } from '../../domain/ids.js';
import { parseJson, stringifyJson } from '../../domain/json.js';
import type { Keyring } from '../../security/encryption.js';
import {
  deletePaymentServiceUser as deletePaymentServiceUserRow,
  deletePaymentServiceUserConnector as deleteLinkRow,
  insertPaymentServiceUserConnector,
  lockPaymentServiceUser,
  type PaymentServiceUserConnectorRow,
  type PaymentServiceUserRow,
  paymentServiceUserConnectors,
  paymentServiceUsersQuery,
} from '../../storage/payment-service-users.js';
import { type ClaimedJob, requestJob, type RetryLater } from '../../storage/background-jobs.js';
import { findConnectorRow } from '../../storage/connectors.js';
import { createTask, finishTask } from '../../storage/tasks.js';
import { openConnector } from '../lifecycle/connector-instance.js';
import type { EngineDeps } from '../deps.js';
import { isForeignKeyViolation, NotFoundError, ValidationError } from '../../domain/errors.js';
import { idempotencyKey } from './initiation-runner.js';
import { retryTaskOrFail } from './task-retry.js';
import { signalWork } from '../execution/wakeups.js';
import { openDetails } from './payment-service-users.js';

type LinkDeletionJob = Extract<ClaimedJob, { kind: 'psu-connector-deletion' }>;
type UserDeletionJob = Extract<ClaimedJob, { kind: 'psu-deletion' }>;

const metadataShape = z.record(z.string(), z.string());

/** The PSU as connectors see it: its details opened just before the call, and going no further. */
function pspUser(keyring: Keyring, row: PaymentServiceUserRow): PspPaymentServiceUser {
  const { contactDetails, address } = openDetails(keyring, row.details_sealed);
  return {
    id: row.id,
    name: row.name,
    createdAt: new Date(row.created_at),
    ...(contactDetails ? { contactDetails } : {}),
    ...(address ? { address } : {}),
    metadata: row.metadata ?? {},
  };
}

function openMetadata(keyring: Keyring, sealed: string | null): Record<string, string> {
  return sealed === null ? {} : metadataShape.parse(parseJson(keyring.decrypt(sealed)));
}

/** The connector, built from its stored config; undefined when it no longer exists (or, `live`, is going). */
async function connectorOf(
  deps: EngineDeps,
  connectorId: string,
  options: { live: boolean },
): Promise<Connector | undefined> {
  const row = await findConnectorRow(deps.db, connectorId);
  if (!row || (options.live && row.scheduled_for_deletion)) return undefined;
  return openConnector(deps, row, connectorId, deps.logger);
}

/**
 * Forwards a PSU to a connector, synchronously: the connector creates the user at its PSP under a key
 * derived from the PSU and the connector (so a forward repeated after a lost answer finds the user the
 * first one created), then the link is stored with the connector's answer sealed. A connector without
 * the operation throws NotImplementedError, which the API answers as an unsupported capability.
 */
export async function forwardPaymentServiceUser(
  deps: EngineDeps,
  psuId: string,
  connectorId: string,
): Promise<void> {
  const psu = await paymentServiceUsersQuery(deps.db).where('id', '=', psuId).executeTakeFirst();
  if (!psu) throw new NotFoundError('payment service user not found');
  const connector = await connectorOf(deps, connectorId, { live: true });
  if (!connector) throw new NotFoundError('connector not found');
  // Checked before the PSP is called, as Formance does: a second forward is a mistake, not a retry.
  if ((await paymentServiceUserConnectors(deps.db, psuId, connectorId)).length > 0) {
    throw new ValidationError('user already exists on this connector');
  }

  const user = pspUser(deps.keyring, psu);
  const { metadata = {} } = await connector.createUser({
    paymentServiceUser: user,
    idempotencyKey: idempotencyKey(psuId, connectorId, 'user'),
  });
  const metadataSealed =
    Object.keys(metadata).length > 0 ? deps.keyring.encrypt(stringifyJson(metadata)) : null;
  try {
    await insertPaymentServiceUserConnector(deps.db, { psuId, connectorId, metadataSealed });
  } catch (error) {
    if (!isForeignKeyViolation(error)) throw error;
    // The PSU (or the connector) was deleted during the call: take the user back off the PSP, as best we
    // can, rather than leave it there unknown to us.
    await connector.deleteUser({ paymentServiceUser: user, metadata }).catch((cleanup: unknown) => {
      deps.logger.warn(
        { err: cleanup, psuId, connectorId },
        'deleted while the payment service user was being forwarded; its user at the PSP remains',
      );
    });
    const psuLeft = await paymentServiceUsersQuery(deps.db).where('id', '=', psuId).executeTakeFirst();
    throw new NotFoundError(psuLeft ? 'connector not found' : 'payment service user not found');
  }
}

/**
 * Formance's task ids need a connector; PSU work that concerns no connector uses its zero connector id
 * (empty provider, nil UUID), so `delete-user-…` tasks decode like any other.
 */
const NO_CONNECTOR: ConnectorId = { provider: '', reference: '00000000-0000-0000-0000-000000000000' };

function deleteUserTaskId(psuId: string): string {
  return taskIdCodec.encode(NO_CONNECTOR, `delete-user-${psuId}`);
}

/** The task of deleting a PSU's user at one connector. */
function linkDeletionTaskId(psuId: string, connectorId: string): string {
  const id = connectorIdCodec.decode(connectorId);
  return taskIdCodec.encode(id, `delete-user-connector-${id.provider}-${id.reference}-${psuId}`);
}

/**
 * Starts deleting a PSU's user at one connector: a task and a job holding only ids, in one transaction.
 * The link stays until the connector has deleted the user. Returns the task.
 */
export async function deletePaymentServiceUserConnector(
  deps: EngineDeps,
  psuId: string,
  connectorId: string,
): Promise<string> {
  const taskId = linkDeletionTaskId(psuId, connectorId);
  await deps.db.transaction().execute(async (trx) => {
    if (!(await lockPaymentServiceUser(trx, psuId)))
      throw new NotFoundError('payment service user not found');
    if ((await paymentServiceUserConnectors(trx, psuId, connectorId)).length === 0) {
      const connector = await findConnectorRow(trx, connectorId);
      throw new NotFoundError(
        connector ? 'the payment service user was not forwarded to this connector' : 'connector not found',
      );
    }
    await createTask(trx, { id: taskId, connectorId });
    await requestJob(trx, { kind: 'psu-connector-deletion', id: taskId, psuId, connectorId });
    await signalWork(trx, 'jobs');
  });
  return taskId;
}

/** Asks the connector to delete the user; a connector that is gone took the link with it. */
async function deleteUserAt(
  deps: EngineDeps,
  user: PspPaymentServiceUser,
  link: PaymentServiceUserConnectorRow,
): Promise<void> {
  const connector = await connectorOf(deps, link.connector_id, { live: false });
  if (!connector) return;
  await connector.deleteUser({
    paymentServiceUser: user,
    metadata: openMetadata(deps.keyring, link.metadata_sealed),
  });
}

/** The worker side of deleting a PSU's user at one connector; the link goes once the PSP has deleted it. */
export async function runPaymentServiceUserConnectorDeletion(
  deps: EngineDeps,
  job: LinkDeletionJob,
): Promise<RetryLater | undefined> {
  const psu = await paymentServiceUsersQuery(deps.db).where('id', '=', job.psuId).executeTakeFirst();
  const [link] = psu ? await paymentServiceUserConnectors(deps.db, job.psuId, job.connectorId) : [];
  if (psu && link) {
    try {
      await deleteUserAt(deps, pspUser(deps.keyring, psu), link);
    } catch (error) {
      return retryTaskOrFail(deps, job, `connector ${job.connectorId}`, error);
    }
  }
  // Without a PSU or a link, another task (the PSU's deletion, an earlier run) already did the work.
  await deps.db.transaction().execute(async (trx) => {
    await deleteLinkRow(trx, job.psuId, job.connectorId);
    await finishTask(trx, job.id, { status: 'SUCCEEDED', createdObjectId: job.psuId });
  });
  return undefined;
}

/**
 * The worker side of deleting a PSU that was forwarded: the user is deleted at each connector in turn,
 * each link going as soon as its connector succeeded (so a retry resumes where this run stopped), then
 * the PSU itself. The task succeeds only once all of it is done; a refusal fails it and keeps the PSU.
 */
export async function runPaymentServiceUserDeletion(
  deps: EngineDeps,
  job: UserDeletionJob,
): Promise<RetryLater | undefined> {
  const psu = await paymentServiceUsersQuery(deps.db).where('id', '=', job.psuId).executeTakeFirst();
  if (psu) {
    const user = pspUser(deps.keyring, psu);
    for (const link of await paymentServiceUserConnectors(deps.db, job.psuId)) {
      try {
        await deleteUserAt(deps, user, link);
      } catch (error) {
        return retryTaskOrFail(deps, job, `connector ${link.connector_id}`, error);
      }
      await deleteLinkRow(deps.db, job.psuId, link.connector_id);
    }
  }
  const done = await deps.db.transaction().execute(async (trx) => {
    // Locked against a forward recording a new link between the last check and the delete.
    if (await lockPaymentServiceUser(trx, job.psuId, 'update')) {
      if ((await paymentServiceUserConnectors(trx, job.psuId)).length > 0) return false;
      await deletePaymentServiceUserRow(trx, job.psuId);
    }
    await finishTask(trx, job.id, { status: 'SUCCEEDED', createdObjectId: job.psuId });
    return true;
  });
  // A forward finished meanwhile: that user has to go too.
  return done ? undefined : { at: new Date(), error: 'a forward finished meanwhile; deleting that user too' };
}

/**
 * Deletes a PSU; returns its task (`delete-user-<psuID>`, with the zero connector id). A PSU forwarded to
 * no connector goes at once, its task recorded as SUCCEEDED in the same transaction (its bank accounts
 * stay, unlinked). One that was forwarded is deleted in the background: first its user at every
 * connector, then the PSU, and the task stays PROCESSING until then.
 */
export async function deletePaymentServiceUser(deps: EngineDeps, psuId: string): Promise<string> {
  const taskId = deleteUserTaskId(psuId);
  await deps.db.transaction().execute(async (trx) => {
    // Locked against a forward recording a link while this decides.
    if (!(await lockPaymentServiceUser(trx, psuId, 'update'))) {
      throw new NotFoundError('payment service user not found');
    }
    await createTask(trx, { id: taskId, connectorId: null });
    if ((await paymentServiceUserConnectors(trx, psuId)).length > 0) {
      await requestJob(trx, { kind: 'psu-deletion', id: taskId, psuId });
      await signalWork(trx, 'jobs');
      return;
    }
    await deletePaymentServiceUserRow(trx, psuId);
    await finishTask(trx, taskId, { status: 'SUCCEEDED', createdObjectId: psuId });
  });
  return taskId;
}
