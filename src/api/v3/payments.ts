// v3 payment routes: list (without adjustments) and get (with adjustments, newest first).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { paymentIdCodec } from '../../domain/ids.js';
import { adjustmentsOf, paymentsQuery } from '../../storage/payments.js';
import { notFoundError } from '../errors.js';
import { paginate, readPageRequest } from '../pagination.js';
import { paymentFilterSpec } from '../query-filter.js';
import {
  cursorEnvelope,
  cursorOf,
  dataOf,
  errorResponse,
  listQuerystring,
  type V3Options,
} from './common.js';
import { presentPayment } from './presenters.js';
import * as S from './schemas.js';

export const paymentRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['payments'];

  server.get(
    '/payments',
    {
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
        params: z.object({ paymentID: z.string() }),
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
