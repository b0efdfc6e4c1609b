// v3 payment initiation routes: initiate, approve, reject, delete, retry, reverse, and the reads.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PaymentInitiationStatus, PaymentInitiationType } from '../../domain/enums.js';
import { paymentInitiationIdCodec } from '../../domain/ids.js';
import { toAmount } from '../../domain/money.js';
import { formatDbTime } from '../../domain/time.js';
import { ZERO_TIME } from '../../events/events.js';
import {
  approveInitiation,
  deleteInitiation,
  initiatePayment,
  rejectInitiation,
  retryInitiation,
  reverseInitiation,
} from '../../engine/money-movement/initiations.js';
import {
  adjustmentsOf,
  findInitiation,
  type InitiationRow,
  initiationsQuery,
} from '../../storage/payment-initiations.js';
import { adjustmentsOf as paymentAdjustmentsOf, paymentsQuery } from '../../storage/payments.js';
import { notFoundError, validationError } from '../errors.js';
import { paginate, readPageRequest } from '../pagination.js';
import { FILTER_BODY } from '../request-guard.js';
import {
  paymentInitiationAdjustmentFilterSpec,
  paymentInitiationFilterSpec,
} from '../../storage/query-filter.js';
import {
  cursorEnvelope,
  cursorOf,
  dataOf,
  encodedIdParam,
  errorResponse,
  listQuerystring,
  noContent,
  type V3Options,
} from './common.js';
import { presentPayment } from './presenters.js';
import * as S from './schemas.js';

const params = z.object({ paymentInitiationID: encodedIdParam('payment initiation') });

/** A path id must decode; an unknown but well-formed one is the caller's 404 to find. */
function initiationId(text: string): string {
  paymentInitiationIdCodec.decode(text);
  return text;
}

const ZERO_TIME_MS = Date.parse(ZERO_TIME);

function present(row: InitiationRow): z.input<typeof S.paymentInitiation> {
  return {
    id: row.id,
    connectorID: row.connector_id,
    provider: paymentInitiationIdCodec.decode(row.id).connectorId.provider,
    reference: row.reference,
    createdAt: formatDbTime(row.created_at),
    scheduledAt: row.scheduled_at ? formatDbTime(row.scheduled_at) : ZERO_TIME,
    description: row.description,
    type: row.type as PaymentInitiationType,
    ...(row.source_account_id ? { sourceAccountID: row.source_account_id } : {}),
    ...(row.destination_account_id ? { destinationAccountID: row.destination_account_id } : {}),
    amount: toAmount(row.amount),
    asset: row.asset,
    metadata: row.metadata ?? {},
    status: row.status as PaymentInitiationStatus,
    ...(row.error ? { error: row.error } : {}),
  };
}

export const paymentInitiationRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['payment initiations'];

  server.post(
    '/payment-initiations',
    {
      schema: {
        hide: hidden,
        tags,
        querystring: S.initiatePaymentQuery,
        body: S.initiatePaymentBody,
        response: {
          202: dataOf(z.object({ paymentInitiationID: z.string(), taskID: z.string() })),
          400: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      // The SDK requires scheduledAt; the zero time (or none) means "as soon as approved".
      const scheduledAt =
        body.scheduledAt && body.scheduledAt.getTime() !== ZERO_TIME_MS ? body.scheduledAt : undefined;
      if (scheduledAt && scheduledAt.getTime() <= Date.now()) {
        throw validationError('scheduledAt must be in the future');
      }
      const { id, taskId } = await initiatePayment(
        deps,
        {
          reference: body.reference,
          connectorID: body.connectorID,
          type: body.type,
          amount: body.amount,
          asset: body.asset,
          description: body.description ?? '',
          ...(body.sourceAccountID ? { sourceAccountID: body.sourceAccountID } : {}),
          destinationAccountID: body.destinationAccountID,
          ...(scheduledAt ? { scheduledAt } : {}),
          metadata: body.metadata ?? {},
        },
        { noValidation: request.query.noValidation === 'true' },
      );
      return reply.status(202).send({ data: { paymentInitiationID: id, taskID: taskId } });
    },
  );

  server.get(
    '/payment-initiations',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags,
        querystring: listQuerystring,
        response: { 200: cursorOf(S.paymentInitiation), 400: errorResponse },
      },
    },
    async (request) => {
      const page = await paginate(initiationsQuery(deps.db), readPageRequest(request.query, request.body), {
        createdAt: 'payment_initiations.created_at',
        sortId: 'payment_initiations.sort_id',
        filter: paymentInitiationFilterSpec,
      });
      return cursorEnvelope(page, present);
    },
  );

  server.get(
    '/payment-initiations/:paymentInitiationID',
    {
      schema: {
        hide: hidden,
        tags,
        params,
        response: { 200: dataOf(S.paymentInitiation), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const row = await findInitiation(deps.db, initiationId(request.params.paymentInitiationID));
      if (!row) throw notFoundError('payment initiation not found');
      return { data: present(row) };
    },
  );

  server.delete(
    '/payment-initiations/:paymentInitiationID',
    {
      schema: {
        hide: hidden,
        tags,
        params,
        response: { 204: noContent, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      await deleteInitiation(deps, initiationId(request.params.paymentInitiationID));
      return reply.status(204).send();
    },
  );

  const taskResponse = {
    202: dataOf(z.object({ taskID: z.string() })),
    400: errorResponse,
    404: errorResponse,
  };

  server.post(
    '/payment-initiations/:paymentInitiationID/approve',
    { schema: { hide: hidden, tags, params, response: taskResponse } },
    async (request, reply) => {
      const taskID = await approveInitiation(deps, initiationId(request.params.paymentInitiationID));
      return reply.status(202).send({ data: { taskID } });
    },
  );

  server.post(
    '/payment-initiations/:paymentInitiationID/retry',
    { schema: { hide: hidden, tags, params, response: taskResponse } },
    async (request, reply) => {
      const taskID = await retryInitiation(deps, initiationId(request.params.paymentInitiationID));
      return reply.status(202).send({ data: { taskID } });
    },
  );

  server.post(
    '/payment-initiations/:paymentInitiationID/reject',
    {
      schema: {
        hide: hidden,
        tags,
        params,
        response: { 204: noContent, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      await rejectInitiation(deps, initiationId(request.params.paymentInitiationID));
      return reply.status(204).send();
    },
  );

  server.post(
    '/payment-initiations/:paymentInitiationID/reverse',
    {
      schema: {
        hide: hidden,
        tags,
        params,
        body: S.reversePaymentInitiationBody,
        response: {
          202: dataOf(z.object({ paymentInitiationReversalID: z.string(), taskID: z.string() })),
          400: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { reversalId, taskId } = await reverseInitiation(
        deps,
        initiationId(request.params.paymentInitiationID),
        {
          reference: body.reference,
          amount: body.amount,
          asset: body.asset,
          description: body.description ?? '',
          metadata: body.metadata ?? {},
        },
      );
      return reply.status(202).send({ data: { paymentInitiationReversalID: reversalId, taskID: taskId } });
    },
  );

  server.get(
    '/payment-initiations/:paymentInitiationID/adjustments',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags,
        params,
        querystring: listQuerystring,
        response: { 200: cursorOf(S.paymentInitiationAdjustment), 400: errorResponse },
      },
    },
    async (request) => {
      const id = initiationId(request.params.paymentInitiationID);
      const page = await paginate(adjustmentsOf(deps.db, id), readPageRequest(request.query, request.body), {
        createdAt: 'payment_initiation_adjustments.created_at',
        sortId: 'payment_initiation_adjustments.sort_id',
        filter: paymentInitiationAdjustmentFilterSpec,
      });
      return cursorEnvelope(page, (row) => ({
        id: row.id,
        createdAt: formatDbTime(row.created_at),
        status: row.status as PaymentInitiationStatus,
        ...(row.amount !== null ? { amount: toAmount(row.amount) } : {}),
        ...(row.asset !== null ? { asset: row.asset } : {}),
        ...(row.error !== null ? { error: row.error } : {}),
        metadata: row.metadata ?? {},
      }));
    },
  );

  server.get(
    '/payment-initiations/:paymentInitiationID/payments',
    {
      schema: {
        hide: hidden,
        tags,
        params,
        // Formance applies no filter here, so none is documented (a `query` parameter is ignored).
        querystring: listQuerystring.omit({ query: true }),
        response: { 200: cursorOf(S.payment), 400: errorResponse },
      },
    },
    async (request) => {
      const id = initiationId(request.params.paymentInitiationID);
      // Formance ignores a filter here; so do we (the page size and cursor still apply).
      const pageRequest = readPageRequest(request.query, undefined);
      const query = paymentsQuery(deps.db)
        .innerJoin('payment_initiation_related_payments as related', 'related.payment_id', 'payments.id')
        .where('related.payment_initiation_id', '=', id);
      const page = await paginate(query, pageRequest, {
        createdAt: 'payments.created_at',
        sortId: 'payments.sort_id',
      });
      const adjustments = await Promise.all(page.data.map((row) => paymentAdjustmentsOf(deps.db, row.id)));
      return cursorEnvelope(page, (row) => presentPayment(row, adjustments[page.data.indexOf(row)] ?? []));
    },
  );
};
