// Paybridge extension: how many objects Paybridge holds for one connector, i.e. what an uninstall or a reset
// deletes. The v3 lists give no totals, and paging through millions of rows to count them is not an option,
// so the database counts: one COUNT per table, by connector_id (part of every key of those tables).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import { connectorIdCodec } from '../../domain/ids.js';
import type { Db } from '../../storage/db.js';
import { notFoundError } from '../errors.js';
import { dataOf, encodedIdParam, errorResponse, type V3Options } from './common.js';

/** Initiations whose money has moved at the PSP: deleting them loses the record of a real movement. */
export const PROCESSED_INITIATION_STATUSES = [
  'PROCESSED',
  'REVERSE_PROCESSING',
  'REVERSE_FAILED',
  'REVERSED',
];
/** Initiations the PSP may be acting on right now. */
export const IN_FLIGHT_INITIATION_STATUSES = ['SCHEDULED_FOR_PROCESSING', 'PROCESSING'];

const count = z.number().int().min(0);

export const connectorCounts = z
  .object({
    accounts: count.describe('accounts (fetched, or created through the API)'),
    balances: count.describe('balance entries (every observation kept as history)'),
    payments: count,
    paymentAdjustments: count.describe("entries of the payments' status histories"),
    paymentInitiations: z.object({
      total: count,
      processed: count.describe(
        `money moved at the PSP (status ${PROCESSED_INITIATION_STATUSES.join(', ')}): a payout already paid`,
      ),
      inFlight: count.describe(`being sent to the PSP (${IN_FLIGHT_INITIATION_STATUSES.join(', ')})`),
      waitingForValidation: count,
    }),
    bankAccountLinks: count.describe(
      'links from bank accounts to accounts at this connector (the bank accounts themselves stay)',
    ),
    poolMemberships: count.describe("this connector's accounts in pools (the pools themselves stay)"),
    orders: count,
    conversions: count,
    schedules: count,
    webhooks: count.describe('webhook deliveries received'),
  })
  .describe('How many objects Paybridge holds for the connector: what an uninstall or a reset deletes');

export type ConnectorCounts = z.infer<typeof connectorCounts>;

/** The counts, in one statement (one snapshot), each table scanned by connector_id only. */
export async function countConnectorData(db: Db, connectorId: string): Promise<ConnectorCounts | undefined> {
  const c = (table: string) =>
    sql<string>`(SELECT count(*) FROM ${sql.table(table)} WHERE connector_id = ${connectorId})`;
  const result = await sql<Record<string, string | number | null>>`
    SELECT
      (SELECT count(*) FROM connectors WHERE id = ${connectorId}) AS connector,
      ${c('accounts')} AS accounts,
      ${c('balances')} AS balances,
      ${c('payments')} AS payments,
      ${c('payment_adjustments')} AS payment_adjustments,
      pi.total AS pi_total, pi.processed AS pi_processed, pi.in_flight AS pi_in_flight, pi.waiting AS pi_waiting,
      ${c('bank_account_related_accounts')} AS bank_account_links,
      ${c('pool_accounts')} AS pool_memberships,
      ${c('orders')} AS orders,
      ${c('conversions')} AS conversions,
      ${c('schedules')} AS schedules,
      ${c('webhooks')} AS webhooks
    FROM (
      SELECT
        count(*) AS total,
        count(*) FILTER (WHERE status IN (${sql.join(PROCESSED_INITIATION_STATUSES)})) AS processed,
        count(*) FILTER (WHERE status IN (${sql.join(IN_FLIGHT_INITIATION_STATUSES)})) AS in_flight,
        count(*) FILTER (WHERE status = 'WAITING_FOR_VALIDATION') AS waiting
      FROM payment_initiations WHERE connector_id = ${connectorId}
    ) pi`.execute(db);
  const row = result.rows[0];
  if (!row || Number(row.connector) === 0) return undefined;
  const n = (key: string) => Number(row[key] ?? 0);
  return {
    accounts: n('accounts'),
    balances: n('balances'),
    payments: n('payments'),
    paymentAdjustments: n('payment_adjustments'),
    paymentInitiations: {
      total: n('pi_total'),
      processed: n('pi_processed'),
      inFlight: n('pi_in_flight'),
      waitingForValidation: n('pi_waiting'),
    },
    bankAccountLinks: n('bank_account_links'),
    poolMemberships: n('pool_memberships'),
    orders: n('orders'),
    conversions: n('conversions'),
    schedules: n('schedules'),
    webhooks: n('webhooks'),
  };
}

export const connectorCountRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  server.get(
    '/connectors/:connectorID/counts',
    {
      schema: {
        hide: hidden,
        tags: ['connectors'],
        summary: 'Count what Paybridge holds for a connector (Paybridge extension)',
        description:
          'Paybridge extension, not part of Formance Payments v3. Answers how many accounts, balances, ' +
          'payments, payment initiations (and how many of those were processed at the PSP), bank-account ' +
          'links, pool memberships, orders, conversions, schedules and webhook deliveries Paybridge stores ' +
          'for the connector: what an uninstall or a reset would delete. Counted by the database, so it ' +
          'answers at once however many rows there are. Needs payments:read, like the other connector reads.',
        params: z.object({ connectorID: encodedIdParam('connector') }),
        response: { 200: dataOf(connectorCounts), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const connectorId = request.params.connectorID;
      connectorIdCodec.decode(connectorId);
      const counts = await countConnectorData(deps.db, connectorId);
      if (!counts) throw notFoundError('connector not found');
      return { data: counts };
    },
  );
};
