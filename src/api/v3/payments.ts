// v3 payment routes: list (without adjustments) and get (with adjustments, newest first).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { paymentIdCodec } from '../../domain/ids.js';
import { createPayment, updatePaymentMetadata } from '../../engine/ingestion/direct-entries.js';
import { adjustmentsOf, paymentsQuery } from '../../storage/payments.js';
import { notFoundError } from '../errors.js';
import { paginate, readPageRequest } from '../pagination.js';
import { FILTER_BODY } from '../request-guard.js';
import { paymentFilterSpec } from '../../storage/query-filter.js';
import {
  cursorEnvelope,
  cursorOf,
  dataOf,
  encodedIdParam,
  errorResponse,
  listQuerystring,
  noContent,
  notInFuture,
  type V3Options,
} from './common.js';
import { presentPayment } from './presenters.js';
import * as S from './schemas.js';

const paymentParams = z.object({ paymentID: encodedIdParam('payment') });

export const paymentRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['payments'];

  server.post(
    '/payments',
    {
      schema: {
        hide: hidden,
        tags,
        body: S.createPaymentBody,
        response: { 201: dataOf(S.payment), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      notInFuture('createdAt', body.createdAt);
      body.adjustments.forEach((a, i) => notInFuture(`adjustments.${i}.createdAt`, a.createdAt));
      const id = await createPayment(deps, {
        reference: body.reference,
        connectorID: body.connectorID,
        createdAt: body.createdAt,
        type: body.type,
        ...(body.initialAmount === null || body.initialAmount === undefined
          ? {}
          : { initialAmount: body.initialAmount }),
        amount: body.amount,
        asset: body.asset,
        scheme: body.scheme,
        ...(body.sourceAccountID ? { sourceAccountID: body.sourceAccountID } : {}),
        ...(body.destinationAccountID ? { destinationAccountID: body.destinationAccountID } : {}),
        metadata: body.metadata ?? {},
        adjustments: body.adjustments.map((a) => ({
          reference: a.reference,
          createdAt: a.createdAt,
          status: a.status,
          amount: a.amount,
          asset: a.asset,
          metadata: a.metadata ?? {},
        })),
      });
      // The stored payment, with the status and amount its adjustments give it (Formance echoes the
      // request with status UNKNOWN instead).
      const row = await paymentsQuery(deps.db).where('payments.id', '=', id).executeTakeFirstOrThrow();
      return reply.status(201).send({ data: presentPayment(row, await adjustmentsOf(deps.db, id)) });
    },
  );

  server.patch(
    '/payments/:paymentID/metadata',
    {
      schema: {
        hide: hidden,
        tags,
        params: paymentParams,
        body: S.paymentMetadataBody,
        response: { 204: noContent, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const metadata = 'metadata' in body && typeof body.metadata === 'object' ? body.metadata : body;
      await updatePaymentMetadata(deps, request.params.paymentID, metadata as Record<string, string>);
      return reply.status(204).send();
    },
  );

  server.get(
    '/payments',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags,
        querystring: listQuerystring,
        response: { 200: cursorOf(S.payment), 400: errorResponse },
      },
    },
    async (request) => {
      const page = await paginate(paymentsQuery(deps.db), readPageRequest(request.query, request.body), {
        createdAt: 'payments.created_at',
        sortId: 'payments.sort_id',
        filter: paymentFilterSpec,
      });
      return cursorEnvelope(page, (row) => presentPayment(row, null));
    },
  );

  server.get(
    '/payments/:paymentID',
    {
      schema: {
        hide: hidden,
        tags,
        params: paymentParams,
        response: { 200: dataOf(S.payment), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const id = request.params.paymentID;
      paymentIdCodec.decode(id);
      const row = await paymentsQuery(deps.db).where('payments.id', '=', id).executeTakeFirst();
      if (!row) throw notFoundError('payment not found');
      return { data: presentPayment(row, await adjustmentsOf(deps.db, id)) };
    },
  );
};
