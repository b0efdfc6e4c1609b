// v3 payment service user routes: create, list, get, delete, linking and forwarding a bank account, and
// forwarding the user to a connector (and deleting it there).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { connectorIdCodec } from '../../domain/ids.js';
import { forwardBankAccount } from '../../engine/money-movement/bank-accounts.js';
import { formatDbTime } from '../../domain/time.js';
import {
  deletePaymentServiceUser,
  deletePaymentServiceUserConnector,
  forwardPaymentServiceUser,
} from '../../engine/money-movement/payment-service-user-connectors.js';
import {
  addBankAccountToPaymentServiceUser,
  createPaymentServiceUser,
  openDetails,
} from '../../engine/money-movement/payment-service-users.js';
import type { Keyring } from '../../security/encryption.js';
import {
  bankAccountIdsOf,
  type PaymentServiceUserRow,
  paymentServiceUsersQuery,
} from '../../storage/payment-service-users.js';
import { notFoundError, validationError } from '../errors.js';
import { paginate, readPageRequest } from '../pagination.js';
import { FILTER_BODY } from '../request-guard.js';
import { psuFilterSpec } from '../../storage/query-filter.js';
import {
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
import * as S from './schemas.js';

const psuId = (text: string) => uuidId(text, 'payment service user');
const params = z.object({ psuID: uuidParam('payment service user') });
const connectorParams = params.extend({ connectorID: encodedIdParam('connector') });
const bankAccountParams = params.extend({ bankAccountID: uuidParam('bank account') });

/** A path connector id; an undecodable one is 400 INVALID_ID. */
function connectorId(text: string): string {
  connectorIdCodec.decode(text);
  return text;
}

function present(
  keyring: Keyring,
  row: PaymentServiceUserRow,
  bankAccountIds: string[],
): z.input<typeof S.paymentServiceUser> {
  const { contactDetails, address } = openDetails(keyring, row.details_sealed);
  return {
    id: row.id,
    name: row.name,
    createdAt: formatDbTime(row.created_at),
    ...(contactDetails ? { contactDetails } : {}),
    ...(address ? { address } : {}),
    bankAccountIDs: bankAccountIds.length > 0 ? bankAccountIds : null,
    metadata: row.metadata ?? {},
  };
}

export const paymentServiceUserRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['payment service users'];

  server.post(
    '/payment-service-users',
    {
      schema: {
        hide: hidden,
        tags,
        body: S.createPaymentServiceUserBody,
        response: { 201: dataOf(z.string()), 400: errorResponse },
      },
    },
    async (request, reply) => {
      const { name, contactDetails, address, bankAccountIDs, metadata } = request.body;
      const id = await createPaymentServiceUser(deps, {
        name,
        contactDetails,
        address,
        bankAccountIds: bankAccountIDs ?? [],
        metadata: metadata ?? {},
      });
      return reply.status(201).send({ data: id });
    },
  );

  server.get(
    '/payment-service-users',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags,
        querystring: listQuerystring,
        response: { 200: cursorOf(S.paymentServiceUser), 400: errorResponse },
      },
    },
    async (request) => {
      const page = await paginate(
        paymentServiceUsersQuery(deps.db),
        readPageRequest(request.query, request.body),
        {
          createdAt: 'payment_service_users.created_at',
          sortId: 'payment_service_users.sort_id',
          filter: psuFilterSpec,
        },
      );
      const linked = await bankAccountIdsOf(
        deps.db,
        page.data.map((row) => row.id),
      );
      return cursorEnvelope(page, (row) => present(deps.keyring, row, linked.get(row.id) ?? []));
    },
  );

  server.get(
    '/payment-service-users/:psuID',
    {
      schema: {
        hide: hidden,
        tags,
        params,
        response: { 200: dataOf(S.paymentServiceUser), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const id = psuId(request.params.psuID);
      const row = await paymentServiceUsersQuery(deps.db).where('id', '=', id).executeTakeFirst();
      if (!row) throw notFoundError('payment service user not found');
      const linked = await bankAccountIdsOf(deps.db, [id]);
      return { data: present(deps.keyring, row, linked.get(id) ?? []) };
    },
  );

  server.delete(
    '/payment-service-users/:psuID',
    {
      schema: {
        hide: hidden,
        tags,
        params,
        response: { 202: dataOf(z.object({ taskID: z.string() })), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const taskID = await deletePaymentServiceUser(deps, psuId(request.params.psuID));
      return reply.status(202).send({ data: { taskID } });
    },
  );

  server.post(
    '/payment-service-users/:psuID/bank-accounts/:bankAccountID',
    {
      schema: {
        hide: hidden,
        tags,
        params: bankAccountParams,
        response: { 204: noContent, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      await addBankAccountToPaymentServiceUser(
        deps,
        psuId(request.params.psuID),
        uuidId(request.params.bankAccountID, 'bank account'),
      );
      return reply.status(204).send();
    },
  );

  server.post(
    '/payment-service-users/:psuID/bank-accounts/:bankAccountID/forward',
    {
      schema: {
        hide: hidden,
        tags,
        params: bankAccountParams,
        body: S.forwardBankAccountBody,
        response: { 202: dataOf(z.object({ taskID: z.string() })), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const psu = psuId(request.params.psuID);
      const bankAccountId = uuidId(request.params.bankAccountID, 'bank account');
      const owned = await deps.db
        .selectFrom('bank_accounts')
        .select('psu_id')
        .where('id', '=', bankAccountId)
        .executeTakeFirst();
      if (!owned) throw notFoundError('bank account not found');
      if (owned.psu_id !== psu)
        throw validationError('the bank account does not belong to this payment service user');
      const taskID = await forwardBankAccount(deps, bankAccountId, request.body.connectorID);
      return reply.status(202).send({ data: { taskID } });
    },
  );

  server.post(
    '/payment-service-users/:psuID/connectors/:connectorID/forward',
    {
      schema: {
        hide: hidden,
        tags,
        params: connectorParams,
        response: { 204: noContent, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      await forwardPaymentServiceUser(
        deps,
        psuId(request.params.psuID),
        connectorId(request.params.connectorID),
      );
      return reply.status(204).send();
    },
  );

  server.delete(
    '/payment-service-users/:psuID/connectors/:connectorID',
    {
      schema: {
        hide: hidden,
        tags,
        params: connectorParams,
        response: { 202: dataOf(z.object({ taskID: z.string() })), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const taskID = await deletePaymentServiceUserConnector(
        deps,
        psuId(request.params.psuID),
        connectorId(request.params.connectorID),
      );
      return reply.status(202).send({ data: { taskID } });
    },
  );
};
