// The OAuth 2.0 token endpoint (client credentials, RFC 6749 §4.4) and the documents that let other
// services verify Paybridge's tokens: the JWKS and the OpenID Connect discovery document.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { clientSecretMatches } from '../../security/client-credentials.js';
import { allows, isScope, type Scope, SCOPES, scopeList, scopeText } from '../../security/scopes.js';
import { type BuiltInIssuer, issueAccessToken } from '../../security/tokens.js';
import { findClient } from '../../storage/auth-clients.js';
import type { Db } from '../../storage/db.js';
import { DISCOVERY_PATH, JWKS_PATH, TOKEN_PATHS } from './access.js';

export interface TokenRoutesOptions {
  db: Db;
  builtIn: BuiltInIssuer;
  /** Tokens per minute per client, and failed attempts per minute per source address. */
  rateLimit: number;
}

type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'temporarily_unavailable'
  | 'server_error';

/** An RFC 6749 §5.2 error answer: OAuth clients (the SDK among them) parse this form, not the v3 envelope. */
class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: OAuthErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Client ids are `pbc_` and hex; anything much longer is not one, and is not worth a lookup. */
const MAX_CLIENT_ID_LENGTH = 200;
const FORM_BODY_LIMIT = 16 * 1024;

/** The form, one value per parameter: RFC 6749 §3.2 forbids repeating one. */
function readForm(body: unknown): Map<string, string> {
  const form = new Map<string, string>();
  if (body === undefined || body === null) return form;
  if (typeof body !== 'string') throw new OAuthError(400, 'invalid_request', 'the body must be a form');
  for (const [name, value] of new URLSearchParams(body)) {
    if (form.has(name)) throw new OAuthError(400, 'invalid_request', `parameter ${name} is repeated`);
    form.set(name, value);
  }
  return form;
}

/** RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined and base64-encoded. */
function formDecode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

interface Credentials {
  id: string;
  secret: string;
  basic: boolean;
}

function readBasic(header: string | undefined): Credentials | undefined {
  if (header === undefined || !/^basic(\s|$)/i.test(header)) return undefined;
  const failed = () =>
    new OAuthError(401, 'invalid_client', 'the Basic credentials are malformed', basicChallenge);
  const match = /^basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match?.[1]) throw failed();
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw failed();
  try {
    return {
      id: formDecode(decoded.slice(0, colon)),
      secret: formDecode(decoded.slice(colon + 1)),
      basic: true,
    };
  } catch {
    throw failed();
  }
}

const basicChallenge = { 'www-authenticate': 'Basic realm="paybridge", charset="UTF-8"' };

/**
 * The scopes to grant: the client's own when none are asked for; otherwise those asked for that the client
 * holds (payments:write covering payments:read). A scope the client lacks is left out rather than refused
 * (RFC 6749 §3.3 lets the server grant less than asked, and says so in `scope`): the official SDK asks for
 * each operation's scope, and a read-only client calling a write operation should then meet the API's 403,
 * which names the scope missing, rather than a failed token request.
 */
function grantedScopes(requested: string | undefined, held: Scope[]): Scope[] {
  if (requested === undefined || requested.trim() === '') return held;
  const words = requested.split(' ').filter(Boolean);
  const unknown = words.filter((word) => !isScope(word));
  if (unknown.length > 0) {
    throw new OAuthError(
      400,
      'invalid_scope',
      `unknown scope ${unknown.join(', ')}; known: ${SCOPES.join(', ')}`,
    );
  }
  const heldSet = new Set<string>(held);
  return scopeList(words.filter((word) => isScope(word) && allows(heldSet, word)).join(' '));
}

const tokenForm = z.object({
  grant_type: z.literal('client_credentials'),
  client_id: z.string().optional().describe('With client_secret, when HTTP Basic is not used'),
  client_secret: z.string().optional(),
  scope: z
    .string()
    .optional()
    .describe('Space-separated scopes; the token gets those the client holds (default: all it holds)'),
});
const tokenAnswer = z.object({
  access_token: z.string().describe('A JWT (RFC 9068) signed by a key published at /.well-known/jwks.json'),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().describe('Seconds'),
  scope: z.string().describe('The scopes granted, space-separated'),
});
const oauthError = z
  .object({
    error: z.enum([
      'invalid_request',
      'invalid_client',
      'unsupported_grant_type',
      'invalid_scope',
      'temporarily_unavailable',
      'server_error',
    ]),
    error_description: z.string().optional(),
  })
  .describe('OAuth 2.0 error (RFC 6749 §5.2), not the v3 envelope');

export const tokenRoutes: FastifyPluginAsync<TokenRoutesOptions> = async (
  app,
  { db, builtIn, rateLimit },
) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  const issuedPerClient = new RateLimiterMemory({ keyPrefix: 'tokens', points: rateLimit, duration: 60 });
  const failuresPerAddress = new RateLimiterMemory({
    keyPrefix: 'token-failures',
    points: rateLimit,
    duration: 60,
  });

  // Only this plugin reads forms; the rest of the API takes JSON.
  server.removeAllContentTypeParsers();
  server.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_request, body, done) => done(null, typeof body === 'string' ? body : body.toString('utf8')),
  );

  server.setErrorHandler((error, request, reply) => {
    if (error instanceof OAuthError) return sendOAuthError(reply, error);
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('FST_ERR_CTP_')) {
      return sendOAuthError(
        reply,
        new OAuthError(400, 'invalid_request', 'the body must be an application/x-www-form-urlencoded form'),
      );
    }
    request.log.error({ err: error }, 'token request failed');
    return sendOAuthError(reply, new OAuthError(500, 'server_error', 'the token could not be issued'));
  });

  const tooMany = (result: RateLimiterRes, message: string) => {
    const seconds = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
    return new OAuthError(429, 'temporarily_unavailable', `${message}; retry in ${seconds} s`, {
      'retry-after': String(seconds),
    });
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const failures = await failuresPerAddress.get(request.ip);
    if (failures && failures.consumedPoints >= rateLimit) {
      throw tooMany(failures, 'too many failed token requests from this address');
    }
    const query = request.query as Record<string, unknown>;
    if ('client_secret' in query || 'client_id' in query) {
      throw new OAuthError(400, 'invalid_request', 'client credentials must not be sent in the URL');
    }
    const form = readForm(request.body);
    const basic = readBasic(request.headers.authorization);
    // RFC 6749 §2.3: one authentication method per request.
    if (basic && form.has('client_secret')) {
      throw new OAuthError(
        400,
        'invalid_request',
        'send the client secret either in HTTP Basic or in the form',
      );
    }
    if (basic && form.has('client_id') && form.get('client_id') !== basic.id) {
      throw new OAuthError(400, 'invalid_request', 'client_id differs from the HTTP Basic user');
    }
    const grantType = form.get('grant_type');
    if (grantType === undefined) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials') {
      throw new OAuthError(400, 'unsupported_grant_type', 'only grant_type=client_credentials is supported');
    }

    const id = basic?.id ?? form.get('client_id');
    const secret = basic?.secret ?? form.get('client_secret');
    const challenge = basic ? basicChallenge : {};
    if (id === undefined || secret === undefined) {
      throw new OAuthError(401, 'invalid_client', 'client authentication is required', challenge);
    }
    const client = id.length <= MAX_CLIENT_ID_LENGTH ? await findClient(db, id) : undefined;
    const active = client !== undefined && client.revokedAt === null;
    // The secret is compared even for an unknown client, so timing does not tell which ids exist.
    const matches = clientSecretMatches(secret, active ? client.secretHash : undefined);
    if (!active || !matches) {
      await failuresPerAddress.penalty(request.ip, 1);
      throw new OAuthError(401, 'invalid_client', 'client authentication failed', challenge);
    }

    const scopes = grantedScopes(form.get('scope'), scopeList(client.scope));
    try {
      await issuedPerClient.consume(client.id);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw tooMany(error, 'too many token requests for this client');
      throw error;
    }
    const { token, expiresIn } = await issueAccessToken(builtIn, client.id, scopes);
    // For the audit trail: who got a token.
    request.principal = {
      subject: client.id,
      clientId: client.id,
      scopes: new Set(scopes),
      issuer: builtIn.issuer,
    };
    return reply
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .send({ access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: scopeText(scopes) });
  };

  for (const [index, path] of TOKEN_PATHS.entries()) {
    server.post(
      path,
      {
        bodyLimit: FORM_BODY_LIMIT,
        schema: {
          hide: index > 0,
          tags: ['auth'],
          summary: 'Get an access token (OAuth 2.0 client credentials)',
          description:
            'Client authentication in HTTP Basic (RFC 6749 §2.3.1) or in the form. Rate limited per client ' +
            'and, for failed attempts, per source address (429 with Retry-After).',
          security: [],
          consumes: ['application/x-www-form-urlencoded'],
          body: tokenForm,
          response: { 200: tokenAnswer, 400: oauthError, 401: oauthError, 429: oauthError, 500: oauthError },
        },
        // The form is read by the handler, whose refusals are OAuth errors; the schema documents it.
        validatorCompiler: () => (data) => ({ value: data }),
      },
      handler,
    );
  }

  server.get(JWKS_PATH, { schema: { hide: true } }, async (_request, reply) => {
    const keys = await builtIn.keys.jwks();
    return reply.header('cache-control', 'public, max-age=300').send({ keys });
  });

  server.get(DISCOVERY_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=3600').send({
      issuer: builtIn.issuer,
      jwks_uri: `${builtIn.issuer}${JWKS_PATH}`,
      token_endpoint: `${builtIn.issuer}${TOKEN_PATHS[0]}`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: [...SCOPES],
      response_types_supported: [],
    }),
  );
};

function sendOAuthError(reply: FastifyReply, error: OAuthError) {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply
    .code(error.status)
    .header('cache-control', 'no-store')
    .send({ error: error.code, error_description: error.message });
}
