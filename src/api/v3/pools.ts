// v3 pool routes: create, list, get, delete, change the query or the accounts, and balances summed per asset.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toAmount } from '../../domain/money.js';
import { formatDbTime, parseTimestamp } from '../../domain/time.js';
import {
  addAccountToPool,
  createPool,
  deletePool,
  findPool,
  membershipOf,
  removeAccountFromPool,
  updatePoolQuery,
} from '../../engine/lifecycle/pools.js';
import {
  poolBalances,
  poolMembers,
  poolsQuery,
  type PoolRow,
  staticPoolMembers,
} from '../../storage/pools.js';
import type { Db } from '../../storage/db.js';
import { validationError } from '../errors.js';
import { paginate, readPageRequest } from '../pagination.js';
import { FILTER_BODY } from '../request-guard.js';
import { poolFilterSpec } from '../../storage/query-filter.js';
import {
  amount,
  cursorEnvelope,
  cursorOf,
  dataOf,
  encodedIdParam,
  errorResponse,
  listQuerystring,
  noContent,
  type V3Options,
  uuidId,
  uuidParam,
} from './common.js';
import { time } from './schemas.js';

const poolId = (text: string) => uuidId(text, 'pool');
const poolParams = z.object({ poolID: uuidParam('pool') });
const poolAccountParams = poolParams.extend({ accountID: encodedIdParam('account') });

const pool = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: time,
  type: z.enum(['STATIC', 'DYNAMIC']),
  query: z.record(z.string(), z.unknown()).optional(),
  poolAccounts: z.array(z.string()),
});
const poolBalance = z.object({ asset: z.string(), amount, relatedAccounts: z.array(z.string()) });

const createBody = z.object({
  name: z.string().min(1).max(1000),
  query: z.record(z.string(), z.unknown()).nullish(),
  accountIDs: z.array(z.string()).nullish(),
});
const queryBody = z.object({ query: z.record(z.string(), z.unknown()) });

function presentPool(row: PoolRow, members: string[]): z.input<typeof pool> {
  return {
    id: row.id,
    name: row.name,
    createdAt: formatDbTime(row.created_at),
    type: row.type as 'STATIC' | 'DYNAMIC',
    ...(row.query ? { query: row.query as Record<string, unknown> } : {}),
    poolAccounts: members,
  };
}

/** Members of a page of pools: one query for all the static ones, one per dynamic pool (each its own filter). */
async function membersOf(db: Db, rows: PoolRow[]): Promise<Map<string, string[]>> {
  const members = await staticPoolMembers(
    db,
    rows.filter((r) => r.type === 'STATIC').map((r) => r.id),
  );
  for (const row of rows.filter((r) => r.type === 'DYNAMIC')) {
    members.set(row.id, await poolMembers(db, membershipOf(row)));
  }
  return members;
}

export const poolRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['pools'];
  const db = deps.db;

  server.post(
    '/pools',
    {
      schema: {
        hide: hidden,
        tags,
        body: createBody.describe('A query (dynamic pool) or accountIDs (static pool)'),
        response: { 201: dataOf(z.string()), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const id = await createPool(db, {
        name: body.name,
        ...(body.query ? { query: body.query } : {}),
        ...(body.accountIDs ? { accountIDs: body.accountIDs } : {}),
      });
      return reply.status(201).send({ data: id });
    },
  );

  server.get(
    '/pools',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags,
        querystring: listQuerystring,
        response: { 200: cursorOf(pool), 400: errorResponse },
      },
    },
    async (request) => {
      const page = await paginate(poolsQuery(db), readPageRequest(request.query, request.body), {
        createdAt: 'pools.created_at',
        sortId: 'pools.sort_id',
        filter: poolFilterSpec,
      });
      const members = await membersOf(db, page.data);
      return cursorEnvelope(page, (row) => presentPool(row, members.get(row.id) ?? []));
    },
  );

  server.get(
    '/pools/:poolID',
    {
      schema: {
        hide: hidden,
        tags,
        params: poolParams,
        response: { 200: dataOf(pool), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const row = await findPool(db, poolId(request.params.poolID));
      return { data: presentPool(row, await poolMembers(db, membershipOf(row))) };
    },
  );

  server.delete(
    '/pools/:poolID',
    { schema: { hide: hidden, tags, params: poolParams, response: { 204: noContent, 400: errorResponse } } },
    async (request, reply) => {
      await deletePool(db, poolId(request.params.poolID));
      return reply.status(204).send();
    },
  );

  server.patch(
    '/pools/:poolID/query',
    {
      schema: {
        hide: hidden,
        tags,
        params: poolParams,
        body: queryBody,
        response: { 204: noContent, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const { query } = request.body;
      await updatePoolQuery(db, poolId(request.params.poolID), query);
      return reply.status(204).send();
    },
  );

  server.post(
    '/pools/:poolID/accounts/:accountID',
    {
      schema: {
        hide: hidden,
        tags,
        params: poolAccountParams,
        response: { 204: noContent, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      await addAccountToPool(db, poolId(request.params.poolID), request.params.accountID);
      return reply.status(204).send();
    },
  );

  server.delete(
    '/pools/:poolID/accounts/:accountID',
    {
      schema: {
        hide: hidden,
        tags,
        params: poolAccountParams,
        response: { 204: noContent, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      await removeAccountFromPool(db, poolId(request.params.poolID), request.params.accountID);
      return reply.status(204).send();
    },
  );

  const balancesOf = async (id: string, at?: string) => {
    const row = await findPool(db, id);
    const rows = await poolBalances(db, membershipOf(row), at);
    return {
      data: rows.map((b) => ({ asset: b.asset, amount: toAmount(b.amount), relatedAccounts: b.account_ids })),
    };
  };

  server.get(
    '/pools/:poolID/balances',
    {
      schema: {
        hide: hidden,
        tags,
        params: poolParams,
        querystring: z.object({
          at: z
            .string()
            .optional()
            .meta({ format: 'date-time', description: 'RFC 3339 timestamp; required, not in the future' }),
        }),
        response: { 200: dataOf(z.array(poolBalance)), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const id = poolId(request.params.poolID);
      const text = request.query.at;
      if (text === undefined || text === '') throw validationError("missing 'at' query param");
      const at = parseTimestamp(text);
      if (at === undefined) throw validationError("invalid 'at' query param: not an RFC 3339 timestamp");
      if (at.getTime() > Date.now()) throw validationError("'at' must not be in the future");
      return balancesOf(id, at.toISOString());
    },
  );

  server.get(
    '/pools/:poolID/balances/latest',
    {
      schema: {
        hide: hidden,
        tags,
        params: poolParams,
        response: { 200: dataOf(z.array(poolBalance)), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => balancesOf(poolId(request.params.poolID)),
  );
};
