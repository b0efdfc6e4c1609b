// Balances as history intervals: an unchanged value extends the current row, a new value opens a new one.
import { sql } from 'kysely';
import type { Db } from './db.js';
import { unnestRows } from './unnest.js';

export interface BalanceWrite {
  accountId: string;
  connectorId: string;
  asset: string;
  createdAt: string;
  amount: bigint;
}

/**
 * One statement per batch. For each (account, asset): an observation older than the current interval
 * is ignored; the same amount moves `last_updated_at` forward; a different amount closes the current
 * interval at the observation time and opens a new one. Returns the intervals it opened: a balance
 * value seen for the first time, or changed.
 */
export interface OpenedBalanceRow {
  account_id: string;
  connector_id: string;
  asset: string;
  created_at: string;
  balance: string;
}

export async function recordBalances(db: Db, balances: BalanceWrite[]): Promise<OpenedBalanceRow[]> {
  if (balances.length === 0) return [];
  const input = unnestRows(balances, 'i', {
    account_id: (b) => b.accountId,
    asset: (b) => b.asset,
    created_at: (b) => b.createdAt,
    balance: (b) => b.amount,
    connector_id: (b) => b.connectorId,
  });
  const result = await sql<OpenedBalanceRow>`
    WITH input AS (
      SELECT account_id, asset, created_at::timestamptz AS created_at, balance::numeric AS balance, connector_id
      FROM ${input}
    ), latest AS (
      SELECT DISTINCT ON (b.account_id, b.asset) b.account_id, b.asset, b.created_at, b.last_updated_at, b.balance
      FROM balances b JOIN input i ON b.account_id = i.account_id AND b.asset = i.asset
      ORDER BY b.account_id, b.asset, b.created_at DESC
    ), extended AS (
      UPDATE balances b SET last_updated_at = i.created_at
      FROM input i JOIN latest l ON l.account_id = i.account_id AND l.asset = i.asset
      WHERE b.account_id = l.account_id AND b.asset = l.asset AND b.created_at = l.created_at
        AND i.created_at > l.last_updated_at
      RETURNING b.account_id
    )
    INSERT INTO balances (account_id, asset, created_at, last_updated_at, balance, connector_id)
    SELECT i.account_id, i.asset, i.created_at, i.created_at, i.balance, i.connector_id
    FROM input i LEFT JOIN latest l ON l.account_id = i.account_id AND l.asset = i.asset
    WHERE l.account_id IS NULL OR (l.balance <> i.balance AND i.created_at > l.created_at)
    ON CONFLICT DO NOTHING
    RETURNING account_id, connector_id, asset, created_at, balance`.execute(db);
  return result.rows;
}

export function balancesQuery(db: Db, accountId: string) {
  return db
    .selectFrom('balances')
    .select(['account_id', 'asset', 'created_at', 'last_updated_at', 'balance', 'sort_id'])
    .where('account_id', '=', accountId);
}
export type BalanceRow = Awaited<ReturnType<ReturnType<typeof balancesQuery>['executeTakeFirstOrThrow']>>;
