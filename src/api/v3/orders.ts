// v3 order and conversion routes (read-only): list with filters, and get. Orders carry their adjustments, oldest first.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { conversionIdCodec, orderIdCodec } from '../../domain/ids.js';
import { conversionsQuery } from '../../storage/conversions.js';
import { orderAdjustmentsOf, ordersQuery } from '../../storage/orders.js';
import { notFoundError } from '../errors.js';
import { paginate, readPageRequest } from '../pagination.js';
import { conversionFilterSpec, orderFilterSpec } from '../../storage/query-filter.js';
import { FILTER_BODY } from '../request-guard.js';
import {
  cursorEnvelope,
  cursorOf,
  dataOf,
  encodedIdParam,
  errorResponse,
  listQuerystring,
  type V3Options,
} from './common.js';
import { presentConversion, presentOrder } from './presenters.js';
import * as S from './schemas.js';

const orderParams = z.object({ orderID: encodedIdParam('order') });
const conversionParams = z.object({ conversionID: encodedIdParam('conversion') });

export const orderRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();

  server.get(
    '/orders',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags: ['orders'],
        querystring: listQuerystring,
        response: { 200: cursorOf(S.order), 400: errorResponse },
      },
    },
    async (request) => {
      const page = await paginate(ordersQuery(deps.db), readPageRequest(request.query, request.body), {
        createdAt: 'orders.created_at',
        sortId: 'orders.sort_id',
        filter: orderFilterSpec,
      });
      const adjustments = await orderAdjustmentsOf(
        deps.db,
        page.data.map((row) => row.id),
      );
      return cursorEnvelope(page, (row) => presentOrder(row, adjustments.get(row.id) ?? []));
    },
  );

  server.get(
    '/orders/:orderID',
    {
      schema: {
        hide: hidden,
        tags: ['orders'],
        params: orderParams,
        response: { 200: dataOf(S.order), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const id = request.params.orderID;
      orderIdCodec.decode(id);
      const row = await ordersQuery(deps.db).where('orders.id', '=', id).executeTakeFirst();
      if (!row) throw notFoundError('order not found');
      const adjustments = await orderAdjustmentsOf(deps.db, [id]);
      return { data: presentOrder(row, adjustments.get(id) ?? []) };
    },
  );

  server.get(
    '/conversions',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags: ['conversions'],
        querystring: listQuerystring,
        response: { 200: cursorOf(S.conversion), 400: errorResponse },
      },
    },
    async (request) => {
      const page = await paginate(conversionsQuery(deps.db), readPageRequest(request.query, request.body), {
        createdAt: 'conversions.created_at',
        sortId: 'conversions.sort_id',
        filter: conversionFilterSpec,
      });
      return cursorEnvelope(page, presentConversion);
    },
  );

  server.get(
    '/conversions/:conversionID',
    {
      schema: {
        hide: hidden,
        tags: ['conversions'],
        params: conversionParams,
        response: { 200: dataOf(S.conversion), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const id = request.params.conversionID;
      conversionIdCodec.decode(id);
      const row = await conversionsQuery(deps.db).where('conversions.id', '=', id).executeTakeFirst();
      if (!row) throw notFoundError('conversion not found');
      return { data: presentConversion(row) };
    },
  );
};
