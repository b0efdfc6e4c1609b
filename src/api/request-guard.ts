// Refuses, before any route runs, input no route can use: text PostgreSQL cannot store (NUL, unpaired
// surrogates) in path parameters, query parameters and JSON bodies, malformed query strings, and bodies on GET.
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { findJsonProblem } from '../domain/text.js';
import { invalidIdError, validationError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A list route that reads its filter from a JSON body on GET (Formance's servers accept it there too). */
    filterBody?: boolean;
  }
}

/** Route config of a GET list route whose body, when present, is its filter. */
export const FILTER_BODY = { filterBody: true } as const;

const BODYLESS = new Set(['GET', 'HEAD']);

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The query string must decode: a malformed or truncated escape, or one that is not UTF-8 (`%ED%A0%80`, an
 * encoded surrogate), is refused rather than passed on as literal text, as Fastify's parser would.
 */
function checkQueryString(url: string): void {
  const start = url.indexOf('?');
  if (start < 0) return;
  for (const part of url.slice(start + 1).split('&')) {
    try {
      decodeURIComponent(part.replaceAll('+', ' '));
    } catch {
      throw validationError('malformed percent-encoding in the query string');
    }
  }
}

/** Any Fastify instance of ours, whatever its logger and type provider. */
export type AnyServer<L extends FastifyBaseLogger, P extends FastifyTypeProvider> = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  L,
  P
>;

export function guardRequests<L extends FastifyBaseLogger, P extends FastifyTypeProvider>(
  server: AnyServer<L, P>,
): void {
  // GET is routed as a method that may carry a body, so list routes can read their filter from it; every other
  // GET refuses one instead of ignoring it.
  server.addHttpMethod('GET', { hasBody: true, overrideExisting: true });

  server.addHook('onRequest', async (request) => {
    if (request.is404) return;
    checkQueryString(request.url);
    if (BODYLESS.has(request.method) && hasBody(request) && !request.routeOptions.config.filterBody) {
      throw validationError(`${request.method} ${request.routeOptions.url ?? ''} takes no request body`);
    }
  });

  server.addHook('preValidation', async (request) => {
    // The router and the query-string parser build their objects on their own prototypes: copy them to plain ones.
    const params = findJsonProblem({ ...(request.params as object) });
    if (params) throw invalidIdError(`invalid path parameter ${params.path}: ${params.problem}`);
    const query = findJsonProblem({ ...(request.query as object) });
    if (query) throw validationError(`invalid query parameter ${query.path}: ${query.problem}`);
    const body = findJsonProblem(request.body, 'body');
    if (body) throw validationError(`invalid ${body.path}: ${body.problem}`);
  });
}
