// The HTTP server: bigint-safe JSON, the v3 error envelope, health and info routes, OpenAPI, and v3 under two prefixes.
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyReply, LogController } from 'fastify';
import {
  createJsonSchemaTransform,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { parseJson, stringifyJson } from '../domain/json.js';
import type { EngineDeps } from '../engine/deps.js';
import { logRequest } from '../observability/logging.js';
import { registry, watchDatabase } from '../observability/metrics.js';
import type { BuiltInIssuer, TokenVerifier } from '../security/tokens.js';
import { auditTrail } from './audit.js';
import { documentAccess, guard, securitySchemes } from './auth/guard.js';
import { tokenRoutes } from './auth/token-routes.js';
import { consoleRoutes } from './console.js';
import { documentCommonResponses } from './common-responses.js';
import { invalidBodyError, toApiError } from './errors.js';
import { guardRequests } from './request-guard.js';
import { v3Routes } from './v3/routes.js';
import { webhookIngress, type WebhookIngressOptions } from './v3/webhooks.js';

export interface ServerOptions {
  debug: boolean;
  version: string;
  logger: Logger;
  /** Webhook ingress: the largest delivery (413 above it) and the rate limits. */
  webhooks: WebhookIngressOptions;
  /** Fastify's trustProxy: whose X-Forwarded-For makes `request.ip` (false: nobody's, the peer's address). */
  trustProxy: boolean | string[];
  /** Present when auth is on: every route but the public ones needs a bearer token (src/api/auth/). */
  auth?: {
    verifier: TokenVerifier;
    builtIn: BuiltInIssuer;
    checkScopes: boolean;
    metricsPublic: boolean;
    tokenRateLimit: number;
  };
}

/** A caller's X-Request-Id is kept when it is short and plain (it ends up in logs and the audit trail). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * What `/_info` reports as `version`. Formance's fctl reads it before every payments command and treats
 * semver >= v3.0.0-rc.1 as the v3 API, which is the one Paybridge serves; Paybridge's own version rides
 * along as build metadata (which semver ignores when comparing), and plain in `paybridgeVersion`.
 */
export function apiCompatibleVersion(version: string): string {
  return `3.0.0+paybridge.${version.replace(/[^0-9A-Za-z.-]/g, '-')}`;
}

/** What any request may get before it reaches an operation; each operation lists its own answers. */
const TRANSPORT_ANSWERS = [
  'Formance Payments v3 compatible API. Every error is a JSON envelope {errorCode, errorMessage}.',
  'Besides the answers each operation lists, any request may get: 405 with an Allow header when the path',
  'exists under other methods; 404 when it does not exist; 431 when the request line or headers are too',
  'large; 408 when the request is too slow to arrive.',
  'Answers without a body (204, 304) carry no Content-Type; every other answer is application/json.',
].join(' ');

/** The methods a 405's Allow header may name: those Paybridge routes. */
const ROUTABLE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Default request body limit; connector configs have their own, lower, limit. */
const BODY_LIMIT = 1024 * 1024;

/** Every error answer goes through here, in the v3 envelope. */
function sendError(reply: FastifyReply, error: unknown) {
  const apiError = toApiError(error);
  return reply
    .code(apiError.statusCode)
    .send({ errorCode: apiError.errorCode, errorMessage: apiError.message });
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request (headers too large, a malformed request line,
 * a timeout) is answered in the v3 envelope too, and the connection closed.
 */
function clientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const message =
    status === 431
      ? 'the request line or headers are too large'
      : status === 408
        ? 'the request took too long to arrive'
        : 'malformed HTTP request';
  const body = stringifyJson({ errorCode: 'VALIDATION', errorMessage: message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

export async function buildServer(deps: EngineDeps, options: ServerOptions) {
  watchDatabase(deps.db);
  const server = Fastify({
    loggerInstance: options.logger,
    // One line per request, at debug, from logRequest below (Fastify's own are two at info).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 16 * 1024 }, // ids are base64 JSON, longer than the default 100
    trustProxy: options.trustProxy,
    genReqId: requestId,
    // Errors raised while routing (a malformed URL, …) also get the v3 envelope.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      void sendError(reply as unknown as FastifyReply, error);
    },
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  server.removeAllContentTypeParsers();
  server.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    let text: string;
    try {
      // Fatal: bytes that are not UTF-8 are refused, never replaced by U+FFFD and stored as something else.
      text = utf8.decode(body as Buffer);
    } catch {
      done(invalidBodyError('the body is not valid UTF-8'), undefined);
      return;
    }
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, parseJson(text));
    } catch (error) {
      done(invalidBodyError(`invalid JSON body: ${(error as Error).message}`), undefined);
    }
  });
  guardRequests(server);
  documentCommonResponses(server);
  server.setValidatorCompiler(validatorCompiler);
  server.setSerializerCompiler(() => (data) => stringifyJson(data));
  server.setReplySerializer((payload) => stringifyJson(payload));

  // The SDK matches bodies (errors included) on this content type. Other types (metrics' text, the console's
  // HTML, scripts and styles) are left as their route set them. A 204 or 304 has no body, so no type: the SDK
  // matches those on the status alone (its `nil` matcher accepts any content type, or none).
  server.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode === 204 || reply.statusCode === 304) return payload;
    const type = String(reply.getHeader('content-type') ?? '');
    if (type === '' || type.startsWith('application/json')) reply.header('content-type', 'application/json');
    return payload;
  });

  const audit = auditTrail(deps.db);
  server.addHook('onRequest', audit.onRequest);
  // Every answer names its request, so a caller can quote it and an operator find it in logs and the audit trail.
  server.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  server.decorateRequest('principal', null);
  if (options.auth) {
    server.addHook('onRequest', guard(options.auth));
    server.addHook('onRoute', documentAccess(options.auth));
  }
  server.addHook('onResponse', audit.onResponse);
  server.addHook('onResponse', logRequest);

  server.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    return reply
      .status(apiError.statusCode)
      .send({ errorCode: apiError.errorCode, errorMessage: apiError.message });
  });
  server.setNotFoundHandler((request, reply) => {
    // A path that exists under other methods is a 405 that names them, not a 404.
    const url = request.url.split('?', 1)[0] ?? request.url;
    const allowed = ROUTABLE_METHODS.filter((method) => server.findRoute({ method, url }) !== null);
    if (allowed.length > 0) {
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send({
          errorCode: 'VALIDATION',
          errorMessage: `method ${request.method} is not allowed on ${url}; allowed: ${allowed.join(', ')}`,
        });
    }
    return reply
      .status(404)
      .send({ errorCode: 'NOT_FOUND', errorMessage: `route ${request.method} ${request.url} not found` });
  });

  await server.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Paybridge API',
        version: options.version,
        description: TRANSPORT_ANSWERS,
      },
      servers: [{ url: '/' }],
      ...(options.auth ? { components: { securitySchemes: securitySchemes() } } : {}),
    },
    transform: createJsonSchemaTransform({ zodToJsonConfig: { unrepresentable: 'any' } }),
  });

  server.get('/_healthcheck', { schema: { hide: true } }, async (_request, reply) => {
    await sql`SELECT 1`.execute(deps.db);
    return reply.send({});
  });
  const info = async () => ({
    version: apiCompatibleVersion(options.version),
    paybridgeVersion: options.version,
    debug: options.debug,
  });
  server.get('/_info', { schema: { hide: true } }, info);
  server.get('/api/payments/_info', { schema: { hide: true } }, info);
  server.get('/openapi.json', { schema: { hide: true } }, async () => server.swagger());
  server.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply
      .header('content-type', registry.contentType)
      .serializer((body) => String(body))
      .send(text);
  });

  await server.register(consoleRoutes);
  if (options.auth) {
    await server.register(tokenRoutes, {
      db: deps.db,
      builtIn: options.auth.builtIn,
      rateLimit: options.auth.tokenRateLimit,
    });
  }

  // One ingress (one set of rate limiters) under both prefixes.
  const ingress = webhookIngress(deps, options.webhooks);
  await server.register(ingress, { prefix: '/v3' });
  await server.register(ingress, { prefix: '/api/payments/v3' });
  await server.register(v3Routes, { prefix: '/v3', deps, debug: options.debug, hidden: false });
  await server.register(v3Routes, { prefix: '/api/payments/v3', deps, debug: options.debug, hidden: true });
  return server;
}
