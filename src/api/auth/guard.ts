// The one check every request passes when auth is on (a bearer token, verified, with the scope its route
// needs), and the OpenAPI description of it.
import type { FastifyReply, FastifyRequest, FastifySchema, RouteOptions } from 'fastify';
import { allows, SCOPE_DESCRIPTIONS, type Scope } from '../../security/scopes.js';
import { InvalidTokenError, type Principal, type TokenVerifier } from '../../security/tokens.js';
import { errorResponse } from '../v3/common.js';
import { accessFor, type AccessOptions, TOKEN_PATHS } from './access.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who called, once a bearer token was verified; null when the route is public or auth is off. */
    principal: Principal | null;
  }
}

export interface GuardOptions extends AccessOptions {
  verifier: TokenVerifier;
  checkScopes: boolean;
}

const REALM = 'paybridge';
/** The name of the security scheme in the OpenAPI document. */
const SCHEME = 'oauth2';

/** RFC 6750 §3: error_description is a quoted string of printable ASCII without `"` or `\`. */
function quoted(text: string): string {
  return text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
}

/**
 * Refusals in the v3 envelope with errorCode VALIDATION: the SDK's errorCode enum is closed (an
 * UNAUTHORIZED or FORBIDDEN code would make it fail to parse the answer at all), so the status code,
 * 401 or 403, and the WWW-Authenticate header carry the distinction, and the message says it in words.
 */
function refuse(
  reply: FastifyReply,
  status: 401 | 403,
  message: string,
  error?: { code: 'invalid_token' | 'insufficient_scope'; description: string; scope?: Scope },
) {
  const parts = [`realm="${REALM}"`];
  if (error) {
    parts.push(`error="${error.code}"`, `error_description="${quoted(error.description)}"`);
    if (error.scope) parts.push(`scope="${error.scope}"`);
  }
  return reply
    .code(status)
    .header('www-authenticate', `Bearer ${parts.join(', ')}`)
    .send({ errorCode: 'VALIDATION', errorMessage: message });
}

/** `Bearer <b64token>` (RFC 6750 §2.1); the scheme name is case-insensitive. */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The onRequest hook of the whole server when auth is on: authenticates, then checks the scope. */
export function guard(options: GuardOptions) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const access = accessFor(request.method, request.routeOptions.url, options);
    if (access.kind === 'public') return;
    const header = request.headers.authorization;
    // No credentials, or another scheme (Basic, …): a plain challenge, with no error code (RFC 6750 §3.1).
    if (header === undefined || !/^bearer(\s|$)/i.test(header)) {
      return refuse(
        reply,
        401,
        `authentication required: send a bearer token (Authorization: Bearer <token>) from ${TOKEN_PATHS[0]}`,
      );
    }
    const match = BEARER.exec(header);
    let principal: Principal;
    try {
      if (!match?.[1]) throw new InvalidTokenError('the Authorization header does not hold a bearer token');
      principal = await options.verifier.verify(match[1]);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      return refuse(reply, 401, `authentication required: ${error.message}`, {
        code: 'invalid_token',
        description: error.message,
      });
    }
    request.principal = principal;
    if (options.checkScopes && !allows(principal.scopes, access.scope)) {
      const message = `forbidden: this operation needs ${access.scope}`;
      return refuse(reply, 403, message, {
        code: 'insufficient_scope',
        description: message,
        scope: access.scope,
      });
    }
    return undefined;
  };
}

const unauthorized = errorResponse.describe(
  'No bearer token, or one that is not valid (WWW-Authenticate says why); errorCode VALIDATION',
);
const forbidden = errorResponse.describe(
  'The token lacks the scope this operation needs (WWW-Authenticate names it); errorCode VALIDATION',
);

/** The OpenAPI security scheme: OAuth 2.0 client credentials at the token endpoint. */
export function securitySchemes() {
  return {
    [SCHEME]: {
      type: 'oauth2' as const,
      flows: { clientCredentials: { tokenUrl: TOKEN_PATHS[0], scopes: SCOPE_DESCRIPTIONS } },
    },
  };
}

/**
 * Documents every protected route as it is added: its security requirement (the scope it needs) and its
 * 401 and 403 answers. Here rather than in each route module, from the same rule the hook applies, so the
 * document cannot drift from what the server does.
 */
export function documentAccess(options: AccessOptions & { checkScopes: boolean }) {
  return (route: RouteOptions) => {
    const method = Array.isArray(route.method) ? route.method[0] : route.method;
    const access = accessFor(String(method), route.url, options);
    if (access.kind === 'public') return;
    const schema: FastifySchema & { security?: unknown } = route.schema ?? {};
    const responses = (schema.response ?? {}) as Record<string, unknown>;
    route.schema = {
      ...schema,
      security: [{ [SCHEME]: [access.scope] }],
      response: { ...responses, 401: unauthorized, ...(options.checkScopes ? { 403: forbidden } : {}) },
    };
  };
}
