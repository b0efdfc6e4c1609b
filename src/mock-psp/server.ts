// Starts the Generic PSP simulator: contract and admin routes, the panel, the `{Title, Detail}` error body, the data file and webhook delivery.
import Fastify, { type FastifyReply, LogController } from 'fastify';
import { pino, type Logger } from 'pino';
import { parseJson } from '../domain/json.js';
import { adminRoutes } from './admin-routes.js';
import { contractRoutes } from './contract-routes.js';
import { type ErrorBody, MockPspError, validationError } from './errors.js';
import { panelRoutes } from './panel-files.js';
import { DataFile } from './persistence.js';
import { TenantRegistry } from './store.js';
import { WebhookDispatcher } from './webhook-delivery.js';

export interface MockPspOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** JSON file the data is loaded from (when it exists) and saved to. */
  dataFile?: string;
  /** Default: a silent logger. */
  logger?: Logger;
}

export interface MockPsp {
  /** Base URL, such as `http://127.0.0.1:8090`, without a trailing slash. */
  url: string;
  stop(): Promise<void>;
}

const BODY_LIMIT = 1024 * 1024;

const TITLES: Record<number, string> = {
  400: 'VALIDATION',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Any error as the contract's error body; only a genuine bug is a 500. */
function errorReply(error: unknown): {
  statusCode: number;
  headers: Record<string, string>;
  body: ErrorBody;
} {
  if (error instanceof MockPspError) {
    return { statusCode: error.statusCode, headers: error.headers, body: error.body() };
  }
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return {
      statusCode,
      headers: {},
      body: { Title: TITLES[statusCode] ?? 'BAD_REQUEST', Detail: (error as Error).message },
    };
  }
  return {
    statusCode: 500,
    headers: {},
    body: { Title: 'INTERNAL', Detail: 'internal error of the simulator; see its log' },
  };
}

function sendError(reply: FastifyReply, error: unknown) {
  const { statusCode, headers, body } = errorReply(error);
  if (statusCode === 500) reply.log.error({ err: error }, 'mock PSP request failed');
  return reply.code(statusCode).headers(headers).send(body);
}

export async function startMockPsp(options: MockPspOptions = {}): Promise<MockPsp> {
  const logger = options.logger ?? pino({ level: 'silent' });
  let dataFile: DataFile | undefined;
  const registry: TenantRegistry = new TenantRegistry(() => dataFile?.changed(registry));
  if (options.dataFile !== undefined) {
    dataFile = new DataFile(options.dataFile, logger);
    await dataFile.load(registry);
  }
  const dispatcher = new WebhookDispatcher({ logger });
  registry.observe(dispatcher.observe);

  const app = Fastify({
    loggerInstance: logger,
    // Per-request log lines would dominate the cost of serving a page; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    frameworkErrors: (error, _request, reply) => void sendError(reply as unknown as FastifyReply, error),
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    // Lifecycle steps take an optional body; clients often send the header with nothing after it.
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, parseJson(text));
    } catch (error) {
      done(validationError(`invalid JSON body: ${(error as Error).message}`), undefined);
    }
  });
  app.setErrorHandler((error, _request, reply) => sendError(reply, error));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ Title: 'NOT_FOUND', Detail: `route ${request.method} ${request.url} not found` }),
  );

  app.get('/_healthcheck', async () => ({ status: 'ok' }));
  await app.register(panelRoutes);
  await app.register(contractRoutes, { registry, dispatcher });
  await app.register(adminRoutes, { registry, dispatcher });

  const address = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  logger.info({ url: address, dataFile: options.dataFile }, 'mock PSP listening');

  let stopped: Promise<void> | undefined;
  return {
    url: address,
    stop: () =>
      (stopped ??= (async () => {
        // Deliveries stop first: the changes of requests still being answered are not sent any more.
        registry.observe(undefined);
        await dispatcher.stop();
        await app.close();
        await dataFile?.flush(registry);
      })()),
  };
}
