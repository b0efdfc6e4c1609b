import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../app.js';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ logLevel: 'info' }, sink), text: () => lines.join('') };
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
