// Webhook ingress (public): refuse what is not a delivery as cheaply as possible, verify locally when the
// connector can, store, acknowledge. And the list of a connector's deliveries.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { findConnector, webhookIntakeOf } from '../../connectors/sdk/registry.js';
import { connectorIdCodec } from '../../domain/ids.js';
import { formatDbTime } from '../../domain/time.js';
import type { EngineDeps } from '../../engine/deps.js';
import { receiveWebhook } from '../../engine/webhooks/webhooks.js';
import { webhooksReceived, webhooksRefused } from '../../observability/metrics.js';
import { type ErrorCode, notFoundError } from '../errors.js';
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

/** How long a PSP is asked to wait when a network verifier's unverified deliveries are at the cap. */
const BACKLOG_RETRY_AFTER_SECONDS = 60;

/** At most `points` deliveries per `durationMs`. */
export interface RateLimit {
  points: number;
  durationMs: number;
}

export interface WebhookIngressOptions {
  /** The largest delivery accepted (413 above it). */
  maxBytes: number;
  /** Per connector, whatever the source. */
  perConnector: RateLimit;
  /** Per source address (`request.ip`: the peer, or the client a trusted proxy names). */
  perSource: RateLimit;
}

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

/** The connector a request is addressed to, from its URL alone (no database): undefined if none could be. */
function addressee(request: FastifyRequest) {
  const { connectorID } = request.params as { connectorID: string };
  let provider: string;
  try {
    provider = connectorIdCodec.decode(connectorID).provider;
  } catch {
    return undefined;
  }
  const registration = findConnector(provider);
  return registration
    ? { connectorID, provider: registration.provider, ...webhookIntakeOf(registration) }
    : undefined;
}

function refuse(
  reply: FastifyReply,
  status: number,
  errorCode: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
) {
  return reply.code(status).headers(headers).send({ errorCode, errorMessage: message });
}

const limiterOf = (name: string, limit: RateLimit) =>
  new RateLimiterMemory({ keyPrefix: name, points: limit.points, duration: limit.durationMs / 1000 });

/** Seconds until `key` may send again, or undefined when this delivery is within its limit. */
async function throttled(limiter: RateLimiterMemory, key: string): Promise<number | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
  }
}

/**
 * `{prefix}/connectors/webhooks/{connectorID}/*`. The rate limiters live in this process's memory and are
 * shared by every prefix the plugin is registered under (build it once, register it under each prefix).
 *
 * A request goes through, cheapest first, and is refused with nothing stored at the first that fails:
 * 1. the connector id names a registered provider (else 404), the method is POST or one the
 *    connector declares (else 405 with `Allow`), and the URL holds no NUL byte (else 400: PostgreSQL
 *    cannot store one in the path or the query it would be looked up by and stored with): all from
 *    the request line alone;
 * 2. the rate limits, per source address then per connector (429 with `Retry-After`);
 * 3. the size: the body is read raw (any content type, so signatures verify over the exact bytes) up
 *    to `maxBytes` (413 above it);
 * 4. one query: the connector is installed and the path is one of its webhook configs (else 404); for
 *    a network verifier, fewer than the cap of its deliveries wait unverified (else 429);
 * 5. a local verifier verifies it (401 if it fails);
 * then it is stored and answered 200 (with the connector's acknowledgement body, if it declares one). Refusals from 1, 2, 4 and 5 are counted by provider and reason.
 */
export function webhookIngress(
  deps: EngineDeps,
  { maxBytes, perConnector, perSource }: WebhookIngressOptions,
): FastifyPluginAsync {
  const sources = limiterOf('webhook-source', perSource);
  const connectors = limiterOf('webhook-connector', perConnector);

  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) =>
      done(null, body),
    );
    app.all(
      `${PREFIX}:connectorID/*`,
      {
        schema: { hide: true },
        bodyLimit: maxBytes,
        // Before the body is read: a refused request costs no more than its headers.
        onRequest: async (request, reply) => {
          const target = addressee(request);
          if (!target) return refuse(reply, 404, 'NOT_FOUND', 'unknown connector');
          const { provider, methods } = target;
          if (!(methods as readonly string[]).includes(request.method)) {
            webhooksRefused.inc({ provider, reason: 'method_not_allowed' });
            return refuse(
              reply,
              405,
              'VALIDATION',
              `webhook deliveries are accepted with ${methods.join(', ')}, not ${request.method}`,
              { allow: methods.join(', ') },
            );
          }
          if (/%00/i.test(request.url)) {
            webhooksRefused.inc({ provider, reason: 'malformed_url' });
            return refuse(reply, 400, 'VALIDATION', 'the URL holds a NUL byte (%00)');
          }
          const fromSource = await throttled(sources, request.ip);
          if (fromSource !== undefined) {
            webhooksRefused.inc({ provider, reason: 'rate_limited_source' });
            return refuse(reply, 429, 'VALIDATION', 'too many webhook deliveries from this address', {
              'retry-after': String(fromSource),
            });
          }
          const toConnector = await throttled(connectors, target.connectorID);
          if (toConnector !== undefined) {
            webhooksRefused.inc({ provider, reason: 'rate_limited_connector' });
            return refuse(reply, 429, 'VALIDATION', 'too many webhook deliveries for this connector', {
              'retry-after': String(toConnector),
            });
          }
          return undefined;
        },
      },
      async (request, reply) => {
        const target = addressee(request);
        if (!target) throw notFoundError('unknown connector');
        const { provider } = target;
        const path = (request.params as Record<string, string>)['*'] ?? '';
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const intake = await receiveWebhook(deps, {
          connectorId: target.connectorID,
          path,
          method: request.method,
          headers: headerLists(request.headers),
          query: queryLists(request.url),
          body,
        });
        switch (intake.outcome) {
          case 'refused':
            webhooksRefused.inc({ provider, reason: 'verification_failed' });
            // Debug only: a flood of forgeries must not become a flood of log lines.
            request.log.debug({ provider, reason: intake.reason }, 'webhook refused: verification failed');
            return refuse(reply, 401, 'VALIDATION', 'the delivery failed verification');
          case 'backlog-full':
            webhooksRefused.inc({ provider, reason: 'unverified_backlog_full' });
            return refuse(
              reply,
              429,
              'VALIDATION',
              'too many deliveries of this connector wait for verification',
              { 'retry-after': String(BACKLOG_RETRY_AFTER_SECONDS) },
            );
          case 'stored':
            webhooksReceived.inc({ provider });
            return target.acknowledgement
              ? reply.status(200).type(target.acknowledgement.contentType).send(target.acknowledgement.body)
              : reply.status(200).send();
        }
      },
    );
  };
}

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
