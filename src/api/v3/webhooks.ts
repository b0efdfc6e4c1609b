// Webhook ingress (public): store the delivery, acknowledge at once. And the list of a connector's deliveries.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { connectorIdCodec } from '../../domain/ids.js';
import { formatDbTime } from '../../domain/time.js';
import type { EngineDeps } from '../../engine/deps.js';
import { receiveWebhook } from '../../engine/webhooks.js';
import { webhooksReceived } from '../../observability/metrics.js';
import { notFoundError } from '../errors.js';
import { paginate, readPageRequest } from '../pagination.js';
import { FILTER_BODY } from '../request-guard.js';
import {
  cursorEnvelope,
  cursorOf,
  encodedIdParam,
  errorResponse,
  listQuerystring,
  type V3Options,
} from './common.js';

const PREFIX = '/connectors/webhooks/';

/** Header values as lists, lower-case names (the shape connectors verify against). */
function headerLists(headers: Record<string, string | string[] | undefined>): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    lists[name.toLowerCase()] = Array.isArray(value) ? value : [value];
  }
  return lists;
}

function queryLists(url: string): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  for (const [name, value] of new URL(url, 'http://x').searchParams) (lists[name] ??= []).push(value);
  return lists;
}

/**
 * `ANY {prefix}/connectors/webhooks/{connectorID}/*`: the body is taken raw (any content type, up to
 * `maxBytes`, else 413) so signatures verify over the exact bytes; the delivery is stored and the PSP
 * gets its 200 before any verification. An unknown connector or path is a 404, and nothing is stored.
 */
export const webhookIngress: FastifyPluginAsync<{ deps: EngineDeps; maxBytes: number }> = async (
  app,
  { deps, maxBytes },
) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) =>
    done(null, body),
  );
  app.all(
    `${PREFIX}:connectorID/*`,
    { schema: { hide: true }, bodyLimit: maxBytes },
    async (request, reply) => {
      const { connectorID } = request.params as { connectorID: string };
      try {
        connectorIdCodec.decode(connectorID);
      } catch {
        throw notFoundError('unknown connector');
      }
      const path = (request.params as Record<string, string>)['*'] ?? '';
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      await receiveWebhook(deps, {
        connectorId: connectorID,
        path,
        method: request.method,
        headers: headerLists(request.headers),
        query: queryLists(request.url),
        body,
      });
      webhooksReceived.inc({ provider: connectorIdCodec.decode(connectorID).provider });
      return reply.status(200).send();
    },
  );
};

const webhookRow = z.object({
  id: z.string(),
  receivedAt: z.string(),
  config: z.string(),
  status: z.enum(['RECEIVED', 'PROCESSED', 'DUPLICATE', 'REJECTED', 'FAILED']),
  attempts: z.number().int(),
  idempotencyKey: z.string().optional(),
  error: z.string().optional(),
  processedAt: z.string().optional(),
});

/** `GET /connectors/{connectorID}/webhooks`: the deliveries received and what became of them (no bodies). */
export const webhookListRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  server.get(
    '/connectors/:connectorID/webhooks',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags: ['connectors'],
        params: z.object({ connectorID: encodedIdParam('connector') }),
        querystring: listQuerystring,
        response: { 200: cursorOf(webhookRow), 400: errorResponse },
      },
    },
    async (request) => {
      connectorIdCodec.decode(request.params.connectorID);
      const query = deps.db
        .selectFrom('webhooks')
        .select([
          'id',
          'received_at as created_at',
          'config_name',
          'status',
          'attempts',
          'idempotency_key',
          'error',
          'processed_at',
          'sort_id',
        ])
        .where('connector_id', '=', request.params.connectorID);
      const page = await paginate(query, readPageRequest(request.query, request.body), {
        createdAt: 'webhooks.received_at',
        sortId: 'webhooks.sort_id',
        filter: {
          keys: { status: { column: 'webhooks.status', ops: 'match' } },
        },
      });
      return cursorEnvelope(page, (row) => ({
        id: row.id,
        receivedAt: formatDbTime(row.created_at),
        config: row.config_name,
        status: row.status as z.infer<typeof webhookRow>['status'],
        attempts: row.attempts,
        ...(row.idempotency_key ? { idempotencyKey: row.idempotency_key } : {}),
        ...(row.error ? { error: row.error } : {}),
        ...(row.processed_at ? { processedAt: formatDbTime(row.processed_at) } : {}),
      }));
    },
  );
};
