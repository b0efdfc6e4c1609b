// Pools: their rows, their static members, and balances summed per asset over their accounts in one query.
import { type Expression, sql, type SqlBool } from 'kysely';
import { stringifyJson } from '../domain/json.js';
import type { Db } from './db.js';

export type PoolType = 'STATIC' | 'DYNAMIC';

export interface PoolRow {
  id: string;
  name: string;
  created_at: string;
  type: string;
  query: unknown;
  sort_id: string;
}

export function poolsQuery(db: Db) {
  return db.selectFrom('pools').select(['id', 'name', 'created_at', 'type', 'query', 'sort_id']);
}

export async function insertPool(
  db: Db,
  pool: { id: string; name: string; type: PoolType; query: unknown },
): Promise<PoolRow> {
  return db
    .insertInto('pools')
    .values({
      id: pool.id,
      name: pool.name,
      type: pool.type,
      query: pool.query === null ? null : stringifyJson(pool.query),
    })
    .returning(['id', 'name', 'created_at', 'type', 'query', 'sort_id'])
    .executeTakeFirstOrThrow();
}

export async function addPoolAccounts(db: Db, poolId: string, accountIds: string[]): Promise<void> {
  if (accountIds.length === 0) return;
  // Each member row carries its account's connector (the key and the foreign key to accounts include it).
  await sql`
    INSERT INTO pool_accounts (pool_id, account_id, connector_id)
    SELECT ${poolId}, id, connector_id FROM accounts WHERE id = ANY(${accountIds}::text[])
    ON CONFLICT DO NOTHING`.execute(db);
}

/** Returns whether the account was a member. */
export async function removePoolAccount(db: Db, poolId: string, accountId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('pool_accounts')
    .where('pool_id', '=', poolId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function setPoolQuery(db: Db, poolId: string, query: unknown): Promise<void> {
  await db
    .updateTable('pools')
    .set({ query: stringifyJson(query) })
    .where('id', '=', poolId)
    .execute();
}

/** Returns whether a pool was deleted (its memberships go with it). */
export async function deletePool(db: Db, poolId: string): Promise<boolean> {
  const result = await db.deleteFrom('pools').where('id', '=', poolId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Who is in a pool: the listed accounts of a static pool, or the accounts a dynamic pool's compiled
 * query selects. Both are subqueries, so callers read members and balances in one statement.
 */
export type Membership = { poolId: string } | { accounts: Expression<SqlBool> | undefined };

function memberIds(db: Db, membership: Membership) {
  if ('poolId' in membership) {
    return db.selectFrom('pool_accounts').select('account_id').where('pool_id', '=', membership.poolId);
  }
  let accounts = db.selectFrom('accounts').select('accounts.id as account_id');
  if (membership.accounts) accounts = accounts.where(membership.accounts);
  return accounts;
}

export async function poolMembers(db: Db, membership: Membership): Promise<string[]> {
  const rows: { account_id: string }[] = await memberIds(db, membership).execute();
  return rows.map((row) => row.account_id).sort();
}

/** The members of several static pools at once, sorted, by pool id (every asked pool has an entry). */
export async function staticPoolMembers(db: Db, poolIds: string[]): Promise<Map<string, string[]>> {
  const members = new Map<string, string[]>(poolIds.map((id) => [id, []]));
  if (poolIds.length === 0) return members;
  const rows = await db
    .selectFrom('pool_accounts')
    .select(['pool_id', 'account_id'])
    .where('pool_id', 'in', poolIds)
    .orderBy('account_id')
    .execute();
  for (const row of rows) members.get(row.pool_id)?.push(row.account_id);
  return members;
}

export interface PoolBalanceRow {
  asset: string;
  amount: string;
  account_ids: string[];
}

/**
 * Per asset, the sum of each member's balance: the newest value, or the value in force at `at` (the
 * newest interval opened at or before it). An account keeps its balance until a new value is seen,
 * so one not observed since before `at` still counts (Formance's query drops it).
 */
export async function poolBalances(db: Db, membership: Membership, at?: string): Promise<PoolBalanceRow[]> {
  const members = memberIds(db, membership);
  const result = await sql<PoolBalanceRow>`
    WITH current AS (
      SELECT DISTINCT ON (b.account_id, b.asset) b.account_id, b.asset, b.balance
      FROM balances b
      WHERE b.account_id IN (${members})
        ${at === undefined ? sql`` : sql`AND b.created_at <= ${at}::timestamptz`}
      ORDER BY b.account_id, b.asset, b.created_at DESC
    )
    SELECT asset, SUM(balance)::text AS amount, array_agg(account_id ORDER BY account_id) AS account_ids
    FROM current GROUP BY asset ORDER BY asset`.execute(db);
  return result.rows;
}
