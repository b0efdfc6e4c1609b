// v3 audit route: the write requests the API received, who sent them and how they ended (payments:admin).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatDbTime } from '../../domain/time.js';
import { auditQuery } from '../../storage/audit.js';
import { paginate, readPageRequest } from '../pagination.js';
import { FILTER_BODY } from '../request-guard.js';
import type { FilterSpec, FilterValue } from '../../storage/query-filter.js';
import { cursorEnvelope, cursorOf, errorResponse, listQuerystring, type V3Options } from './common.js';

const auditRecord = z.object({
  id: z.string(),
  createdAt: z.string(),
  subject: z.string().optional().describe('The token subject; absent when no token was verified'),
  clientID: z.string().optional(),
  method: z.string(),
  route: z.string().describe('The route pattern, e.g. /v3/connectors/:connectorID/reset'),
  pathIDs: z.record(z.string(), z.string()).describe('The path parameters, by name'),
  statusCode: z.number().int(),
  requestID: z.string().describe('Also sent back as the X-Request-Id header of the request'),
});

/** A status beyond any HTTP status matches nothing, and compares like one: clamped so the integer column can take it. */
function httpStatus(value: FilterValue): FilterValue {
  if (typeof value !== 'bigint') return value;
  return value < -1n ? -1n : value > 1000n ? 1000n : value;
}

const auditFilterSpec: FilterSpec = {
  keys: {
    subject: { column: 'audit_records.subject', ops: 'match' },
    client_id: { column: 'audit_records.client_id', ops: 'match' },
    method: { column: 'audit_records.method', ops: 'match' },
    route: { column: 'audit_records.route', ops: 'match' },
    request_id: { column: 'audit_records.request_id', ops: 'match' },
    status: { column: 'audit_records.status_code', ops: 'compare', value: 'numeric', transform: httpStatus },
  },
};

export const auditRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  server.get(
    '/audit',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags: ['audit'],
        summary: 'List the audit trail (needs payments:admin)',
        description:
          'Every request other than GET and HEAD, newest first. Filter keys: subject, client_id, method, ' +
          'route, request_id ($match) and status ($match, $gt, $gte, $lt, $lte).',
        querystring: listQuerystring,
        response: { 200: cursorOf(auditRecord), 400: errorResponse },
      },
    },
    async (request) => {
      const page = await paginate(auditQuery(deps.db), readPageRequest(request.query, request.body), {
        createdAt: 'audit_records.created_at',
        sortId: 'audit_records.sort_id',
        filter: auditFilterSpec,
      });
      return cursorEnvelope(page, (row) => ({
        id: row.id,
        createdAt: formatDbTime(row.created_at),
        ...(row.subject === null ? {} : { subject: row.subject }),
        ...(row.client_id === null ? {} : { clientID: row.client_id }),
        method: row.method,
        route: row.route,
        pathIDs: row.path_ids,
        statusCode: row.status_code,
        requestID: row.request_id,
      }));
    },
  );
};
