// v3 account routes: list, get, and an account's balance history.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accountIdCodec, InvalidIdError } from '../../domain/ids.js';
import { parseTimestamp } from '../../domain/time.js';
import { createAccount } from '../../engine/ingestion/direct-entries.js';
import { accountsQuery } from '../../storage/accounts.js';
import { balancesQuery } from '../../storage/balances.js';
import { notFoundError, validationError } from '../errors.js';
import { paginate, readPageRequest } from '../pagination.js';
import { FILTER_BODY } from '../request-guard.js';
import { accountFilterSpec } from '../../storage/query-filter.js';
import {
  cursorEnvelope,
  cursorOf,
  dataOf,
  encodedIdParam,
  errorResponse,
  listQuerystring,
  notInFuture,
  type V3Options,
} from './common.js';
import { presentAccount, presentBalance } from './presenters.js';
import * as S from './schemas.js';

const accountParams = z.object({ accountID: encodedIdParam('account') });
const timestamp = (description: string) =>
  z
    .string()
    .optional()
    .meta({ format: 'date-time', description: `RFC 3339 timestamp: ${description}` });
const balancesQuerystring = listQuerystring.omit({ query: true }).extend({
  asset: z.string().optional().describe('Only balances in this asset'),
  from: timestamp('balances held at or after this time'),
  to: timestamp('balances held at or before this time (default: now)'),
  fromTimestamp: timestamp('same as from (the name the official SDK sends)'),
  toTimestamp: timestamp('same as to (the name the official SDK sends)'),
});

function timeParam(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const date = parseTimestamp(value);
  if (date === undefined) throw validationError(`invalid '${name}' query param: not an RFC 3339 timestamp`);
  return date.toISOString();
}

/** Go reads `from`, the SDK sends `fromTimestamp`: either is read, both are checked, and they must agree. */
function timeBound(name: string, value: string | undefined, alias: string, aliased: string | undefined) {
  const [first, second] = [timeParam(name, value), timeParam(alias, aliased)];
  if (first !== undefined && second !== undefined && first !== second) {
    throw validationError(`'${name}' and '${alias}' are the same parameter: give one, or the same time`);
  }
  return first ?? second;
}

export const accountRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['accounts'];

  server.post(
    '/accounts',
    {
      schema: {
        hide: hidden,
        tags,
        body: S.createAccountBody,
        response: { 201: dataOf(S.account), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      notInFuture('createdAt', body.createdAt);
      const id = await createAccount(deps, {
        reference: body.reference,
        connectorID: body.connectorID,
        createdAt: body.createdAt,
        accountName: body.accountName,
        type: body.type,
        ...(body.defaultAsset ? { defaultAsset: body.defaultAsset } : {}),
        metadata: body.metadata ?? {},
        raw: { ...body, createdAt: body.createdAt.toISOString() },
      });
      const row = await accountsQuery(deps.db).where('accounts.id', '=', id).executeTakeFirstOrThrow();
      return reply.status(201).send({ data: presentAccount(row) });
    },
  );

  server.get(
    '/accounts',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags,
        querystring: listQuerystring,
        response: { 200: cursorOf(S.account), 400: errorResponse },
      },
    },
    async (request) => {
      const page = await paginate(accountsQuery(deps.db), readPageRequest(request.query, request.body), {
        createdAt: 'accounts.created_at',
        sortId: 'accounts.sort_id',
        filter: accountFilterSpec,
      });
      return cursorEnvelope(page, presentAccount);
    },
  );

  server.get(
    '/accounts/:accountID',
    {
      schema: {
        hide: hidden,
        tags,
        params: accountParams,
        response: { 200: dataOf(S.account), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      accountIdCodec.decode(request.params.accountID);
      const row = await accountsQuery(deps.db)
        .where('accounts.id', '=', request.params.accountID)
        .executeTakeFirst();
      if (!row) throw notFoundError('account not found');
      return { data: presentAccount(row) };
    },
  );

  server.get(
    '/accounts/:accountID/balances',
    {
      schema: {
        hide: hidden,
        tags,
        params: accountParams,
        querystring: balancesQuerystring,
        response: { 200: cursorOf(S.balance), 400: errorResponse },
      },
    },
    async (request) => {
      try {
        accountIdCodec.decode(request.params.accountID);
      } catch (error) {
        // Formance answers VALIDATION (not INVALID_ID) on this route; the SDK only needs the envelope.
        if (error instanceof InvalidIdError) throw validationError(`invalid accountID: ${error.message}`);
        throw error;
      }
      const q = request.query;
      const from = timeBound('from', q.from, 'fromTimestamp', q.fromTimestamp);
      const to = timeBound('to', q.to, 'toTimestamp', q.toTimestamp);
      let query = balancesQuery(deps.db, request.params.accountID);
      if (q.asset) query = query.where('asset', '=', q.asset);
      if (from) query = query.where('last_updated_at', '>=', from);
      if (to) query = query.where('created_at', '<=', to);
      const page = await paginate(query, readPageRequest(q, undefined), {
        createdAt: 'balances.created_at',
        sortId: 'balances.sort_id',
      });
      return cursorEnvelope(page, presentBalance);
    },
  );
};
