// Accounts: idempotent batch upsert for ingestion, and reads for the API.
import { sql } from 'kysely';
import { stringifyJson } from '../domain/json.js';
import type { Db } from './db.js';
import { unnestRows } from './unnest.js';

export interface AccountWrite {
  id: string;
  connectorId: string;
  reference: string;
  type: 'INTERNAL' | 'EXTERNAL';
  createdAt: string;
  name: string | null;
  defaultAsset: string | null;
  metadata: Record<string, string>;
  raw: unknown;
}

export interface SavedAccountRow {
  id: string;
  connector_id: string;
  reference: string;
  type: string;
  created_at: string;
  name: string | null;
  default_asset: string | null;
  metadata: Record<string, string>;
  raw: unknown;
}

/**
 * Inserts new accounts and updates the mutable fields of known ones. Unchanged rows are not rewritten;
 * the rows that were inserted or changed are returned (they are what events describe).
 */
export async function upsertAccounts(db: Db, accounts: AccountWrite[]): Promise<SavedAccountRow[]> {
  if (accounts.length === 0) return [];
  const input = unnestRows(accounts, 'i', {
    id: (a) => a.id,
    connector_id: (a) => a.connectorId,
    reference: (a) => a.reference,
    type: (a) => a.type,
    created_at: (a) => a.createdAt,
    name: (a) => a.name,
    default_asset: (a) => a.defaultAsset,
    metadata: (a) => stringifyJson(a.metadata),
    raw: (a) => stringifyJson(a.raw),
  });
  const result = await sql<SavedAccountRow>`
    INSERT INTO accounts (id, connector_id, reference, type, created_at, name, default_asset, metadata, raw)
    SELECT id, connector_id, reference, type, created_at::timestamptz, name, default_asset, metadata::jsonb, raw::jsonb
    FROM ${input}
    ON CONFLICT (id, connector_id) DO UPDATE SET
      name = excluded.name, default_asset = excluded.default_asset, metadata = excluded.metadata,
      raw = excluded.raw, updated_at = now()
    WHERE (accounts.name, accounts.default_asset, accounts.metadata, accounts.raw)
      IS DISTINCT FROM (excluded.name, excluded.default_asset, excluded.metadata, excluded.raw)
    RETURNING id, connector_id, reference, type, created_at, name, default_asset, metadata, raw`.execute(db);
  return result.rows;
}

export function accountsQuery(db: Db) {
  return db
    .selectFrom('accounts')
    .innerJoin('connectors', 'connectors.id', 'accounts.connector_id')
    .select([
      'accounts.id',
      'accounts.connector_id',
      'accounts.reference',
      'accounts.type',
      'accounts.created_at',
      'accounts.name',
      'accounts.default_asset',
      'accounts.metadata',
      'accounts.raw',
      'accounts.sort_id',
      'connectors.provider',
      'connectors.name as connector_name',
      'connectors.reference as connector_reference',
      'connectors.created_at as connector_created_at',
    ]);
}
export type AccountRow = Awaited<ReturnType<ReturnType<typeof accountsQuery>['executeTakeFirstOrThrow']>>;
