// Payment service users: their rows (details sealed), the bank accounts linked to them, and the connectors
// they were forwarded to.
import { stringifyJson } from '../domain/json.js';
import type { Db } from './db.js';

export interface PaymentServiceUserWrite {
  id: string;
  name: string;
  /** Contact details and address, already sealed by the engine; null when there are none. */
  detailsSealed: string | null;
  metadata: Record<string, string>;
}

export function paymentServiceUsersQuery(db: Db) {
  return db
    .selectFrom('payment_service_users')
    .select(['id', 'created_at', 'name', 'details_sealed', 'metadata', 'sort_id']);
}
export type PaymentServiceUserRow = Awaited<
  ReturnType<ReturnType<typeof paymentServiceUsersQuery>['executeTakeFirstOrThrow']>
>;

export async function insertPaymentServiceUser(db: Db, psu: PaymentServiceUserWrite): Promise<void> {
  await db
    .insertInto('payment_service_users')
    .values({
      id: psu.id,
      name: psu.name,
      details_sealed: psu.detailsSealed,
      metadata: stringifyJson(psu.metadata),
    })
    .execute();
}

/**
 * Whether the PSU exists; the row stays locked until the transaction ends: against deletion (`share`), or
 * also against new rows that reference it, such as a forward being recorded (`update`).
 */
export async function lockPaymentServiceUser(
  db: Db,
  id: string,
  mode: 'share' | 'update' = 'share',
): Promise<boolean> {
  const query = db.selectFrom('payment_service_users').select('id').where('id', '=', id);
  const row = await (mode === 'share' ? query.forShare() : query.forUpdate()).executeTakeFirst();
  return row !== undefined;
}

/** Returns whether a PSU was deleted; its bank accounts stay, unlinked (ON DELETE SET NULL). */
export async function deletePaymentServiceUser(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('payment_service_users').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Links bank accounts to a PSU in one statement. Only bank accounts that are free or already the PSU's are
 * touched; returns the ids that are now linked, so the caller can tell which ones were refused.
 */
export async function linkBankAccounts(
  db: Db,
  psuId: string,
  bankAccountIds: string[],
): Promise<Set<string>> {
  if (bankAccountIds.length === 0) return new Set();
  const rows = await db
    .updateTable('bank_accounts')
    .set({ psu_id: psuId })
    .where('id', 'in', bankAccountIds)
    .where((eb) => eb.or([eb('psu_id', 'is', null), eb('psu_id', '=', psuId)]))
    .returning('id')
    .execute();
  return new Set(rows.map((row) => row.id));
}

/** Which of the given bank accounts exist, with the PSU each belongs to (null when none). */
export async function bankAccountOwners(
  db: Db,
  bankAccountIds: string[],
): Promise<Map<string, string | null>> {
  if (bankAccountIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('bank_accounts')
    .select(['id', 'psu_id'])
    .where('id', 'in', bankAccountIds)
    .execute();
  return new Map(rows.map((row) => [row.id, row.psu_id]));
}

/** The bank account ids of several PSUs at once, oldest bank account first. */
export async function bankAccountIdsOf(db: Db, psuIds: string[]): Promise<Map<string, string[]>> {
  const linked = new Map<string, string[]>(psuIds.map((id) => [id, []]));
  if (psuIds.length === 0) return linked;
  const rows = await db
    .selectFrom('bank_accounts')
    .select(['id', 'psu_id'])
    .where('psu_id', 'in', psuIds)
    .orderBy('created_at')
    .orderBy('sort_id')
    .execute();
  for (const row of rows) if (row.psu_id !== null) linked.get(row.psu_id)?.push(row.id);
  return linked;
}

export interface PaymentServiceUserConnectorWrite {
  psuId: string;
  connectorId: string;
  /** The connector's answer, already sealed by the engine; null when it answered nothing. */
  metadataSealed: string | null;
}

/** Records that a PSU was forwarded to a connector; recording the same pair again changes nothing. */
export async function insertPaymentServiceUserConnector(
  db: Db,
  link: PaymentServiceUserConnectorWrite,
): Promise<void> {
  await db
    .insertInto('payment_service_user_connectors')
    .values({ psu_id: link.psuId, connector_id: link.connectorId, metadata_sealed: link.metadataSealed })
    .onConflict((oc) => oc.columns(['psu_id', 'connector_id']).doNothing())
    .execute();
}

/** The connectors a PSU was forwarded to (one of them when `connectorId` is given), oldest first. */
export function paymentServiceUserConnectors(db: Db, psuId: string, connectorId?: string) {
  let query = db
    .selectFrom('payment_service_user_connectors')
    .select(['connector_id', 'metadata_sealed'])
    .where('psu_id', '=', psuId);
  if (connectorId !== undefined) query = query.where('connector_id', '=', connectorId);
  return query.orderBy('created_at').orderBy('connector_id').execute();
}
export type PaymentServiceUserConnectorRow = Awaited<ReturnType<typeof paymentServiceUserConnectors>>[number];

export async function deletePaymentServiceUserConnector(
  db: Db,
  psuId: string,
  connectorId: string,
): Promise<void> {
  await db
    .deleteFrom('payment_service_user_connectors')
    .where('psu_id', '=', psuId)
    .where('connector_id', '=', connectorId)
    .execute();
}
