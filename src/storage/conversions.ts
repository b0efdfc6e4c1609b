// Conversions: idempotent batch writes that keep each conversion at its newest observation.
import { sql } from 'kysely';
import { stringifyJson } from '../domain/json.js';
import type { Db } from './db.js';
import { unnestRows } from './unnest.js';

export interface ConversionWrite {
  id: string;
  connectorId: string;
  reference: string;
  createdAt: string;
  /** The observation's time: a row is only replaced by an observation at least as recent. */
  updatedAt: string;
  sourceAsset: string;
  destinationAsset: string;
  sourceAmount: bigint;
  destinationAmount: bigint | null;
  fee: bigint | null;
  feeAsset: string | null;
  status: string;
  error: string | null;
  sourceAccountId: string | null;
  destinationAccountId: string | null;
  metadata: Record<string, string>;
  raw: unknown;
}

const MUTABLE = [
  'updated_at',
  'source_asset',
  'destination_asset',
  'source_amount',
  'destination_amount',
  'fee',
  'fee_asset',
  'status',
  'error',
  'source_account_id',
  'destination_account_id',
  'metadata',
  'raw',
] as const;

/**
 * Inserts new conversions and rewrites known ones that a newer observation changed, in one statement.
 * Returns the ids of the rows inserted or rewritten (what events describe).
 */
export async function upsertConversions(db: Db, conversions: ConversionWrite[]): Promise<string[]> {
  if (conversions.length === 0) return [];
  const input = unnestRows(conversions, 'i', {
    id: (c) => c.id,
    connector_id: (c) => c.connectorId,
    reference: (c) => c.reference,
    created_at: (c) => c.createdAt,
    updated_at: (c) => c.updatedAt,
    source_asset: (c) => c.sourceAsset,
    destination_asset: (c) => c.destinationAsset,
    source_amount: (c) => c.sourceAmount,
    destination_amount: (c) => c.destinationAmount,
    fee: (c) => c.fee,
    fee_asset: (c) => c.feeAsset,
    status: (c) => c.status,
    error: (c) => c.error,
    source_account_id: (c) => c.sourceAccountId,
    destination_account_id: (c) => c.destinationAccountId,
    metadata: (c) => stringifyJson(c.metadata),
    raw: (c) => stringifyJson(c.raw),
  });
  const columns = sql.join(MUTABLE.map((c) => sql.ref(c)));
  const current = sql.join(MUTABLE.map((c) => sql.ref(`conversions.${c}`)));
  const incoming = sql.join(MUTABLE.map((c) => sql.ref(`excluded.${c}`)));
  const result = await sql<{ id: string }>`
    INSERT INTO conversions (id, connector_id, reference, created_at, ${columns})
    SELECT id, connector_id, reference, created_at::timestamptz, updated_at::timestamptz, source_asset,
      destination_asset, source_amount::numeric, destination_amount::numeric, fee::numeric, fee_asset, status,
      error, source_account_id, destination_account_id, metadata::jsonb, raw::jsonb
    FROM ${input}
    ON CONFLICT (id, connector_id) DO UPDATE SET (${columns}) = ROW(${incoming})
    WHERE excluded.updated_at >= conversions.updated_at AND (${current}) IS DISTINCT FROM (${incoming})
    RETURNING id`.execute(db);
  return result.rows.map((r) => r.id);
}

export function conversionsQuery(db: Db) {
  return db
    .selectFrom('conversions')
    .innerJoin('connectors', 'connectors.id', 'conversions.connector_id')
    .selectAll('conversions')
    .select('connectors.provider');
}
export type ConversionRow = Awaited<
  ReturnType<ReturnType<typeof conversionsQuery>['executeTakeFirstOrThrow']>
>;
