// Documents, on every route at once, the error answers any route can give: the same 400/413/415/500 everywhere.
import type { FastifyBaseLogger, FastifyTypeProvider } from 'fastify';
import { errorResponse } from './v3/common.js';
import type { AnyServer } from './request-guard.js';

const BODYLESS = new Set(['GET', 'HEAD']);

const COMMON = {
  400: errorResponse.describe(
    'Invalid request: errorCode VALIDATION, INVALID_ID (an undecodable id in the path), MISSING_OR_INVALID_BODY, ' +
      'CONFLICT or CONNECTOR_CAPABILITY_NOT_SUPPORTED',
  ),
  404: errorResponse.describe('Not found: errorCode NOT_FOUND'),
  413: errorResponse.describe('Request body too large: errorCode MISSING_OR_INVALID_BODY'),
  415: errorResponse.describe(
    'Unsupported request content type (send application/json): errorCode MISSING_OR_INVALID_BODY',
  ),
  500: errorResponse.describe(
    'Internal error: errorCode INTERNAL; details are in the logs, never in the answer',
  ),
} as const;

/**
 * Every route can answer 400 (a query string or path parameter that is not valid text, a body where none is
 * read, …) and 500. Routes that read a body (any method but GET and HEAD, and GET list routes that take their
 * filter as a body) can also answer 413 and 415. Route-specific statuses (404, 304, …) stay on each route;
 * a route that names one of these statuses with the shared envelope gets the common description. A route
 * whose 400 is not the envelope has an error format of its own, and lists its statuses itself.
 */
export function documentCommonResponses<L extends FastifyBaseLogger, P extends FastifyTypeProvider>(
  server: AnyServer<L, P>,
): void {
  server.addHook('onRoute', (route) => {
    const schema = route.schema;
    if (!schema || schema.hide) return;
    const readsBody =
      [route.method].flat().some((method) => !BODYLESS.has(method)) || route.config?.filterBody === true;
    const response = (schema.response ?? {}) as Record<string, unknown>;
    // A route that answers errors in another format (the OAuth token endpoint) documents its own.
    if (response[400] !== undefined && response[400] !== errorResponse) return;
    const statuses: (keyof typeof COMMON)[] = readsBody ? [400, 413, 415, 500] : [400, 500];
    for (const status of statuses) {
      if (response[status] === undefined || response[status] === errorResponse)
        response[status] = COMMON[status];
    }
    if (response[404] === errorResponse) response[404] = COMMON[404];
    schema.response = response;
  });
}
