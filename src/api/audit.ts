// Records every write request in the audit trail once it has been answered (refusals included).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { storableText } from '../domain/text.js';
import type { Db } from '../storage/db.js';
import { recordAudit } from '../storage/audit.js';
import { isWebhookIngress } from './auth/access.js';

/** Path parameters are caller-chosen text: bounded, and made storable (no NUL, no lone surrogate). */
const MAX_ID_LENGTH = 1024;

function storable(text: string): string {
  return storableText(text.slice(0, MAX_ID_LENGTH));
}

function pathIds(params: unknown): Record<string, string> {
  const ids: Record<string, string> = {};
  if (typeof params !== 'object' || params === null) return ids;
  for (const [name, value] of Object.entries(params)) {
    if (name !== '*' && typeof value === 'string') ids[storable(name)] = storable(value);
  }
  return ids;
}

/**
 * Every request other than GET and HEAD that matched a route is recorded, except PSP webhook deliveries
 * (they have their own table): who, what, the ids in the path, the status and the request id. Never a
 * body, a query string or a header. Written after the answer, so it never delays or fails a request, and
 * stamped with when the request arrived, so a slow write does not list an earlier request as newer.
 */
export function auditTrail(db: Db) {
  // When each request arrived, taken before any other hook can answer it (the auth guard's 401).
  const arrivals = new WeakMap<FastifyRequest, Date>();
  return {
    onRequest: async (request: FastifyRequest) => {
      arrivals.set(request, new Date());
    },
    onResponse: async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.method === 'GET' || request.method === 'HEAD') return;
      const route = request.routeOptions.url;
      if (route === undefined || isWebhookIngress(route)) return;
      try {
        await recordAudit(db, {
          subject: request.principal?.subject ?? null,
          clientId: request.principal?.clientId ?? null,
          method: request.method,
          route,
          pathIds: pathIds(request.params),
          statusCode: reply.statusCode,
          requestId: request.id,
          at: arrivals.get(request) ?? new Date(),
        });
      } catch (error) {
        request.log.error({ err: error }, 'the audit record of this request could not be written');
      }
    },
  };
}
