// v3 bank account routes: create, list, get (details masked) and metadata updates.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatDbTime } from '../../domain/time.js';
import {
  createBankAccount,
  forwardBankAccount,
  updateBankAccountMetadata,
} from '../../engine/money-movement/bank-accounts.js';
import {
  type BankAccountRow,
  bankAccountsQuery,
  type RelatedAccountRow,
  relatedAccountsOf,
} from '../../storage/bank-accounts.js';
import { notFoundError } from '../errors.js';
import { paginate, readPageRequest } from '../pagination.js';
import { FILTER_BODY } from '../request-guard.js';
import { bankAccountFilterSpec } from '../../storage/query-filter.js';
import {
  cursorEnvelope,
  cursorOf,
  dataOf,
  errorResponse,
  listQuerystring,
  noContent,
  type V3Options,
  uuidId,
  uuidParam,
} from './common.js';
import * as S from './schemas.js';

const bankAccountId = (text: string) => uuidId(text, 'bank account');
const params = z.object({ bankAccountID: uuidParam('bank account') });

function present(row: BankAccountRow, related: RelatedAccountRow[]): z.input<typeof S.bankAccount> {
  return {
    id: row.id,
    createdAt: formatDbTime(row.created_at),
    name: row.name,
    accountNumber: row.account_number_masked,
    iban: row.iban_masked,
    swiftBicCode: row.swift_bic_code_masked,
    country: row.country,
    metadata: row.metadata ?? {},
    relatedAccounts: related.map((r) => ({ accountID: r.account_id, createdAt: formatDbTime(r.created_at) })),
  };
}

export const bankAccountRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['bank accounts'];

  server.post(
    '/bank-accounts',
    {
      schema: {
        hide: hidden,
        tags,
        body: S.createBankAccountBody,
        response: { 201: dataOf(z.string()), 400: errorResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const id = await createBankAccount(deps, {
        name: body.name,
        ...(body.accountNumber ? { accountNumber: body.accountNumber } : {}),
        ...(body.iban ? { iban: body.iban } : {}),
        ...(body.swiftBicCode ? { swiftBicCode: body.swiftBicCode } : {}),
        ...(body.country ? { country: body.country } : {}),
        metadata: body.metadata ?? {},
      });
      return reply.status(201).send({ data: id });
    },
  );

  server.get(
    '/bank-accounts',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags,
        querystring: listQuerystring,
        response: { 200: cursorOf(S.bankAccount), 400: errorResponse },
      },
    },
    async (request) => {
      const page = await paginate(bankAccountsQuery(deps.db), readPageRequest(request.query, request.body), {
        createdAt: 'bank_accounts.created_at',
        sortId: 'bank_accounts.sort_id',
        filter: bankAccountFilterSpec,
      });
      const related = await relatedAccountsOf(
        deps.db,
        page.data.map((row) => row.id),
      );
      return cursorEnvelope(page, (row) => present(row, related.get(row.id) ?? []));
    },
  );

  server.get(
    '/bank-accounts/:bankAccountID',
    {
      schema: {
        hide: hidden,
        tags,
        params,
        response: { 200: dataOf(S.bankAccount), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const id = bankAccountId(request.params.bankAccountID);
      const row = await bankAccountsQuery(deps.db).where('id', '=', id).executeTakeFirst();
      if (!row) throw notFoundError('bank account not found');
      return { data: present(row, (await relatedAccountsOf(deps.db, [id])).get(id) ?? []) };
    },
  );

  server.patch(
    '/bank-accounts/:bankAccountID/metadata',
    {
      schema: {
        hide: hidden,
        tags,
        params,
        body: S.metadataBody,
        response: { 204: noContent, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      await updateBankAccountMetadata(
        deps,
        bankAccountId(request.params.bankAccountID),
        request.body.metadata,
      );
      return reply.status(204).send();
    },
  );

  server.post(
    '/bank-accounts/:bankAccountID/forward',
    {
      schema: {
        hide: hidden,
        tags,
        params,
        body: S.forwardBankAccountBody,
        response: { 202: dataOf(z.object({ taskID: z.string() })), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const taskID = await forwardBankAccount(
        deps,
        bankAccountId(request.params.bankAccountID),
        request.body.connectorID,
      );
      return reply.status(202).send({ data: { taskID } });
    },
  );
};
