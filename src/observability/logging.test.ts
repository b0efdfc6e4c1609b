import { Writable } from 'node:stream';
import Fastify, { LogController } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../app.js';
import { logFormatOf, logRequest } from './logging.js';

function capture(logLevel = 'info') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ logLevel }, sink), text: () => lines.join('') };
}

describe('the process logger', () => {
  it('masks Authorization headers and credential fields, wherever a log call puts them', () => {
    const { logger, text } = capture();
    logger.info({ headers: { authorization: 'Bearer header-token' } }, 'one');
    logger.info({ request: { headers: { authorization: 'Basic basic-credentials' } } }, 'two');
    logger.info({ form: { client_secret: 'form-secret', access_token: 'form-token' } }, 'three');
    logger.info({ clientSecret: 'camel-secret' }, 'four');
    const log = text();
    expect(log).toContain('"msg":"four"');
    for (const secret of ['header-token', 'basic-credentials', 'form-secret', 'form-token', 'camel-secret']) {
      expect(log).not.toContain(secret);
    }
    expect(log).toContain('[redacted]');
  });

  it('summarises a request without its headers, and masks credentials in its query string', () => {
    const { logger, text } = capture();
    logger.info(
      {
        req: {
          method: 'POST',
          url: '/oauth/token?client_secret=query-secret&x=1&access_token=query-token',
          headers: { authorization: 'Bearer header-token' },
          ip: '127.0.0.1',
        },
      },
      'incoming request',
    );
    const log = text();
    expect(log).toContain('/oauth/token?client_secret=[redacted]&x=1&access_token=[redacted]');
    for (const secret of ['query-secret', 'query-token', 'header-token']) expect(log).not.toContain(secret);
  });
});

describe('request logging', () => {
  async function serve(logLevel: string) {
    const { logger, text } = capture(logLevel);
    const server = Fastify({
      loggerInstance: logger,
      logController: new LogController({ disableRequestLogging: true }),
    });
    server.addHook('onResponse', logRequest);
    server.get('/ok', async () => ({ ok: true }));
    server.get('/broken', async (_request, reply) => reply.status(503).send({ down: true }));
    await server.ready();
    const entries = () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { server, entries, text };
  }

  it('writes one debug line per request with method, URL, status and duration, credentials masked', async () => {
    const { server, entries, text } = await serve('debug');
    const answer = await server.inject({
      method: 'GET',
      url: '/ok?access_token=query-token&page=2',
      headers: { authorization: 'Bearer header-token' },
    });
    expect(answer.statusCode).toBe(200);
    await server.close();
    const lines = entries().filter((entry) => entry.req !== undefined);
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line?.level).toBe(20); // debug
    expect(line?.msg).toMatch(/^GET \/ok\?access_token=\[redacted\]&page=2 200 [\d.]+ ms$/);
    expect(line?.res).toEqual({ statusCode: 200 });
    expect(typeof line?.responseTime).toBe('number');
    expect(line?.req).toMatchObject({ method: 'GET', url: '/ok?access_token=[redacted]&page=2' });
    for (const secret of ['query-token', 'header-token']) expect(text()).not.toContain(secret);
    expect(text()).not.toContain('incoming request');
  });

  it('is silent at info for a good request, and logs a 5xx at warn', async () => {
    const { server, entries } = await serve('info');
    await server.inject({ method: 'GET', url: '/ok' });
    await server.inject({ method: 'GET', url: '/broken' });
    await server.close();
    const lines = entries().filter((entry) => entry.req !== undefined);
    expect(lines.map((entry) => [entry.level, entry.msg])).toEqual([
      [40, expect.stringMatching(/^GET \/broken 503 [\d.]+ ms$/)],
    ]);
  });
});

describe('the log format', () => {
  it('is pretty in a terminal and JSON elsewhere, unless LOG_FORMAT says otherwise', () => {
    expect(logFormatOf({}, true)).toBe('pretty');
    expect(logFormatOf({}, false)).toBe('json');
    expect(logFormatOf({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormatOf({ LOG_FORMAT: 'PRETTY' }, false)).toBe('pretty');
    expect(() => logFormatOf({ LOG_FORMAT: 'yaml' }, true)).toThrow(/LOG_FORMAT: must be json or pretty/);
  });
});
