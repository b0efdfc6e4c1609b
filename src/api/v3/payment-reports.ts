// Paybridge extension routes over payments, for the console and for reporting scripts: totals per asset
// and a streamed CSV export of a filtered set (same filter language as GET /v3/payments), and the outbox
// events one payment produced. None of them exists in Formance Payments v3.
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { paymentIdCodec } from '../../domain/ids.js';
import { formatDbTime } from '../../domain/time.js';
import {
  csvLine,
  EXPORT_COLUMNS,
  exportLine,
  exportPayments,
  majorUnits,
  paymentEvents,
  paymentTotals,
} from '../../storage/payment-reports.js';
import { buildFilter, paymentFilterSpec, readFilter } from '../../storage/query-filter.js';
import { notFoundError, validationError } from '../errors.js';
import { MAX_UINT32 } from '../pagination.js';
import { FILTER_BODY } from '../request-guard.js';
import { amount, dataOf, encodedIdParam, errorResponse, listQuerystring, type V3Options } from './common.js';

const filterQuerystring = listQuerystring.pick({ query: true });

const assetTotal = z.object({
  asset: z.string(),
  count: amount.meta({ type: 'integer', description: 'How many payments of the filter are in this asset' }),
  amount: amount.meta({
    type: 'integer',
    description: 'Sum of their current amounts, in minor units (exact integer)',
  }),
  initialAmount: amount.meta({
    type: 'integer',
    description: 'Sum of their initial amounts, in minor units (exact integer)',
  }),
  amountDecimal: z.string().describe('The amount sum in major units, exact, from the asset precision'),
  initialAmountDecimal: z.string().describe('The initial amount sum in major units, exact'),
});

const EVENTS_DEFAULT = 50;
const EVENTS_MAX = 200;

const eventsQuerystring = z.object({
  pageSize: z
    .string()
    .optional()
    .meta({
      type: 'integer',
      minimum: 1,
      maximum: MAX_UINT32,
      description: `How many events: default ${EVENTS_DEFAULT}, at most ${EVENTS_MAX} (larger values are clamped to it)`,
    }),
  cursor: z.string().optional().meta({
    pattern: '^[0-9]+$',
    description: 'The `next` of a previous answer: the events older than those it listed',
  }),
});

const paymentEvent = z.object({
  id: z.string().describe('The event id (stable: the same change never makes two events)'),
  type: z.string().describe('SAVED_PAYMENT, DELETED_PAYMENT, …'),
  createdAt: z.string().describe('When the event was written'),
  delivery: z.object({
    status: z.string().describe('PENDING, SENT or DEAD'),
    attempts: z.number().int(),
    sentAt: z.string().optional(),
    lastError: z.string().optional(),
  }),
  summary: z
    .object({
      status: z.string().optional(),
      amount: amount.optional(),
      initialAmount: amount.optional(),
      asset: z.string().optional(),
      scheme: z.string().optional(),
      pspStatus: z.string().optional().describe("The PSP's own status, when its raw object has one"),
    })
    .describe('What the payment looked like in this event (the full payload goes to the event sinks)'),
});

const eventsAnswer = z.object({
  cursor: z.object({
    pageSize: z.number().int(),
    hasMore: z.boolean(),
    next: z.string().optional(),
    data: z.array(paymentEvent),
  }),
});

function filterOf(query: string | undefined, body: unknown) {
  return buildFilter(readFilter(query, body), paymentFilterSpec);
}

function eventsPageSize(text: string | undefined): number {
  if (text === undefined || text === '') return EVENTS_DEFAULT;
  if (!/^\d+$/.test(text) || Number(text) === 0 || Number(text) > MAX_UINT32) {
    throw validationError("invalid 'pageSize' query param");
  }
  return Math.min(Number(text), EVENTS_MAX);
}

const EXTENSION = 'Paybridge extension (not in Formance Payments v3). ';

export const paymentReportRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['payments'];

  // Static paths: registered as their own routes, they win over /payments/:paymentID in Fastify's router.
  server.get(
    '/payments/totals',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags,
        description: `${EXTENSION}Count and sums per asset of every payment the filter matches (the filter of GET /v3/payments).`,
        querystring: filterQuerystring,
        response: { 200: dataOf(z.array(assetTotal)), 400: errorResponse },
      },
    },
    async (request) => {
      const totals = await paymentTotals(deps.db, filterOf(request.query.query, request.body));
      return {
        data: totals.map((t) => ({
          asset: t.asset,
          count: t.count,
          amount: t.amount,
          initialAmount: t.initialAmount,
          amountDecimal: majorUnits(t.amount, t.asset),
          initialAmountDecimal: majorUnits(t.initialAmount, t.asset),
        })),
      };
    },
  );

  server.get(
    '/payments/export.csv',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags,
        description:
          `${EXTENSION}Every payment the filter matches (the filter of GET /v3/payments), newest first, as CSV ` +
          '(RFC 4180, UTF-8, CRLF), streamed as it is read. Amounts are exact: minor units and major-unit ' +
          'decimals. A cell that a spreadsheet would run as a formula starts with an apostrophe.',
        querystring: filterQuerystring,
        response: {
          200: {
            description: 'The payments as CSV',
            content: {
              'text/csv': { schema: z.string().describe(`CSV with the header ${EXPORT_COLUMNS.join(',')}`) },
            },
          },
          400: errorResponse,
        },
      },
    },
    async (request, reply) => {
      // The filter is compiled before the first byte: a bad one is a 400 envelope, not a broken download.
      const filter = filterOf(request.query.query, request.body);
      const log = request.log;
      async function* lines() {
        yield csvLine(EXPORT_COLUMNS);
        for await (const chunk of exportPayments(deps.db, filter)) yield chunk.map(exportLine).join('');
      }
      const stream = Readable.from(lines(), { objectMode: false });
      stream.on('error', (err) => log.error({ err }, 'the payments export stopped'));
      const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '');
      return (
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="payments-${stamp}Z.csv"`)
          .header('cache-control', 'no-store')
          // A stream is sent as it is read, never through the response serialiser.
          .send(stream as unknown as string)
      );
    },
  );

  server.get(
    '/payments/:paymentID/events',
    {
      schema: {
        hide: hidden,
        tags,
        description:
          `${EXTENSION}The outbox events this payment produced, newest first, with their delivery state. ` +
          'Delivered events are kept for the outbox retention period (PAYBRIDGE_OUTBOX_RETENTION) only.',
        params: z.object({ paymentID: encodedIdParam('payment') }),
        querystring: eventsQuerystring,
        response: { 200: eventsAnswer, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const id = request.params.paymentID;
      paymentIdCodec.decode(id);
      const pageSize = eventsPageSize(request.query.pageSize);
      const before = request.query.cursor;
      if (before !== undefined && !/^\d{1,18}$/.test(before))
        throw validationError("invalid 'cursor' query param");
      const exists = await deps.db
        .selectFrom('payments')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      const rows = await paymentEvents(deps.db, id, pageSize + 1, before);
      // A deleted payment may still have its events (DELETED_PAYMENT among them): only "never seen" is 404.
      if (!exists && rows.length === 0 && before === undefined) throw notFoundError('payment not found');
      const page = rows.slice(0, pageSize);
      const last = page[page.length - 1];
      const hasMore = rows.length > pageSize;
      return {
        cursor: {
          pageSize,
          hasMore,
          ...(hasMore && last ? { next: last.seq } : {}),
          data: page.map((r) => ({
            id: r.id,
            type: r.type,
            createdAt: formatDbTime(r.created_at),
            delivery: {
              status: r.status,
              attempts: r.attempts,
              ...(r.sent_at ? { sentAt: formatDbTime(r.sent_at) } : {}),
              ...(r.last_error ? { lastError: r.last_error } : {}),
            },
            summary: {
              ...(r.payment_status ? { status: r.payment_status } : {}),
              ...(r.amount !== null && /^-?\d+$/.test(r.amount) ? { amount: BigInt(r.amount) } : {}),
              ...(r.initial_amount !== null && /^-?\d+$/.test(r.initial_amount)
                ? { initialAmount: BigInt(r.initial_amount) }
                : {}),
              ...(r.asset ? { asset: r.asset } : {}),
              ...(r.scheme ? { scheme: r.scheme } : {}),
              ...(r.raw_status ? { pspStatus: r.raw_status } : {}),
            },
          })),
        },
      };
    },
  );
};
