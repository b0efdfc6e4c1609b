// Reports over a filtered set of payments (Paybridge extensions): totals per asset, an export read in
// chunks, and the outbox events one payment produced. Amounts stay exact: NUMERIC comes back as text.
import { sql, type Expression, type SqlBool } from 'kysely';
import { splitAsset } from '../domain/amount-format.js';
import { formatDbTime } from '../domain/time.js';
import type { StoredPayment } from '../events/events.js';
import type { Db } from './db.js';

export interface AssetTotal {
  asset: string;
  /** How many payments of the filter are in this asset. */
  count: bigint;
  /** Sum of their current amounts, in minor units. */
  amount: bigint;
  /** Sum of their initial amounts (what was authorised or asked for), in minor units. */
  initialAmount: bigint;
}

/** Sums per asset over every payment the filter matches, in one grouped statement. */
export async function paymentTotals(db: Db, filter: Expression<SqlBool> | undefined): Promise<AssetTotal[]> {
  let query = db
    .selectFrom('payments')
    .select([
      'payments.asset',
      sql<string>`count(*)::text`.as('count'),
      sql<string>`coalesce(sum(payments.amount), 0)::text`.as('amount'),
      sql<string>`coalesce(sum(payments.initial_amount), 0)::text`.as('initial_amount'),
    ])
    .groupBy('payments.asset')
    .orderBy('payments.asset');
  if (filter) query = query.where(filter);
  const rows = await query.execute();
  return rows.map((r) => ({
    asset: r.asset,
    count: BigInt(r.count),
    amount: BigInt(r.amount),
    initialAmount: BigInt(r.initial_amount),
  }));
}

/** A payment as the export reads it: the stored row without metadata, with its provider and list position. */
export interface ExportRow extends Omit<StoredPayment, 'metadata'> {
  provider: string;
  sort_id: string;
}

/**
 * Every payment the filter matches, newest first (the list's order), read `chunkSize` rows at a time by
 * keyset on (created_at, sort_id): memory stays bounded whatever the set's size, each chunk is one short
 * statement (no transaction held open while a slow client reads), and rows written meanwhile never make
 * the walk repeat or skip one that was there when it started.
 */
export async function* exportPayments(
  db: Db,
  filter: Expression<SqlBool> | undefined,
  chunkSize = 500,
): AsyncGenerator<ExportRow[]> {
  let after: { createdAt: string; sortId: string } | undefined;
  for (;;) {
    let query = db
      .selectFrom('payments')
      .innerJoin('connectors', 'connectors.id', 'payments.connector_id')
      .select([
        'payments.id',
        'payments.reference',
        'payments.connector_id',
        'connectors.provider',
        'payments.created_at',
        'payments.type',
        'payments.status',
        'payments.scheme',
        'payments.asset',
        sql<string>`payments.initial_amount::text`.as('initial_amount'),
        sql<string>`payments.amount::text`.as('amount'),
        'payments.source_account_id',
        'payments.destination_account_id',
        'payments.sort_id',
      ])
      .orderBy('payments.created_at', 'desc')
      .orderBy('payments.sort_id', 'desc')
      .limit(chunkSize);
    if (filter) query = query.where(filter);
    if (after) {
      const { createdAt, sortId } = after;
      query = query.where(
        sql<SqlBool>`(payments.created_at, payments.sort_id) < (${createdAt}::timestamptz, ${sortId}::bigint)`,
      );
    }
    const rows = await query.execute();
    if (rows.length > 0) yield rows;
    const last = rows[rows.length - 1];
    if (!last || rows.length < chunkSize) return;
    after = { createdAt: last.created_at, sortId: last.sort_id };
  }
}

/** Minor units as a plain major-unit decimal with the asset's precision (`USD/2`, -5 → `-0.05`); no grouping. */
export function majorUnits(minor: bigint | string, asset: string): string {
  const { precision } = splitAsset(asset);
  const value = typeof minor === 'bigint' ? minor : BigInt(minor);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(precision + 1, '0');
  const whole = digits.slice(0, digits.length - precision);
  const fraction = digits.slice(digits.length - precision);
  return `${negative ? '-' : ''}${whole}${precision > 0 ? `.${fraction}` : ''}`;
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. */
export function csvField(value: string | null | undefined): string {
  const text = value ?? '';
  // A leading =, +, - or @ makes spreadsheets run the cell as a formula (OWASP "CSV injection"): an
  // apostrophe keeps it text. Numbers (our amounts, negative ones included) are left as they are.
  const guarded = /^[=+\-@]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

export const EXPORT_COLUMNS = [
  'id',
  'reference',
  'connectorID',
  'provider',
  'createdAt',
  'type',
  'status',
  'scheme',
  'asset',
  'initialAmountMinor',
  'amountMinor',
  'initialAmount',
  'amount',
  'sourceAccountID',
  'destinationAccountID',
] as const;

export function csvLine(fields: readonly (string | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

export function exportLine(row: ExportRow): string {
  return csvLine([
    row.id,
    row.reference,
    row.connector_id,
    row.provider,
    formatDbTime(row.created_at),
    row.type,
    row.status,
    row.scheme,
    row.asset,
    row.initial_amount,
    row.amount,
    majorUnits(row.initial_amount, row.asset),
    majorUnits(row.amount, row.asset),
    row.source_account_id,
    row.destination_account_id,
  ]);
}

export interface PaymentEventRow {
  seq: string;
  id: string;
  type: string;
  created_at: string;
  status: string;
  attempts: number;
  sent_at: string | null;
  last_error: string | null;
  payment_status: string | null;
  amount: string | null;
  initial_amount: string | null;
  asset: string | null;
  scheme: string | null;
  raw_status: string | null;
}

/**
 * The outbox events whose entity is this payment, newest first, `limit` of them after `beforeSeq`.
 * Payload fields are read as text in SQL so amounts stay exact; delivered events older than the outbox
 * retention are gone, so this is the recent history, not all of it.
 */
export async function paymentEvents(
  db: Db,
  paymentId: string,
  limit: number,
  beforeSeq?: string,
): Promise<PaymentEventRow[]> {
  const result = await sql<PaymentEventRow>`
    SELECT seq::text AS seq, id, type, created_at::text AS created_at, status, attempts,
      sent_at::text AS sent_at, last_error,
      payload->>'status' AS payment_status, payload->>'amount' AS amount,
      payload->>'initialAmount' AS initial_amount, payload->>'asset' AS asset, payload->>'scheme' AS scheme,
      CASE WHEN jsonb_typeof(payload->'rawData') = 'object' THEN payload->'rawData'->>'status' END AS raw_status
    FROM outbox_events
    WHERE entity_id = ${paymentId}
      ${beforeSeq === undefined ? sql`` : sql`AND seq < ${beforeSeq}::bigint`}
    ORDER BY seq DESC
    LIMIT ${limit}`.execute(db);
  return result.rows;
}
