import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  InvalidRequestError,
  UpstreamError,
  UpstreamRateLimitError,
  UpstreamTimeoutError,
} from './errors.js';
import { pspRequest } from './http.js';

describe('PSP requests', () => {
  it('turn statuses into typed errors and bodies into exact JSON', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/missing') res.writeHead(404).end('{"error":"no such thing"}');
      else if (req.url === '/busy') res.writeHead(429, { 'retry-after': '7' }).end();
      else if (req.url === '/locked') res.writeHead(401).end('{"message":"API key revoked"}');
      else if (req.url === '/garbled') res.end('{"amount":');
      else if (req.url === '/hang') req.on('close', () => res.destroy());
      else res.end('{"amount":18446744073709551615}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await expect(pspRequest(fetch, `${base}/ok`)).resolves.toEqual({ amount: 18446744073709551615n });
      await expect(pspRequest(fetch, `${base}/missing`)).rejects.toBeInstanceOf(InvalidRequestError);
      const limited = await pspRequest(fetch, `${base}/busy`).catch((error: unknown) => error);
      expect(limited).toBeInstanceOf(UpstreamRateLimitError);
      expect((limited as UpstreamRateLimitError).retryAfterMs).toBe(7000);
      const locked = await pspRequest(fetch, `${base}/locked`).catch((error: unknown) => error);
      expect(locked).toBeInstanceOf(AuthenticationError);
      expect((locked as AuthenticationError).status).toBe(401);
      expect((locked as Error).message).toContain('HTTP 401: API key revoked');
      const garbled = await pspRequest(fetch, `${base}/garbled`).catch((error: unknown) => error);
      expect(garbled).toBeInstanceOf(UpstreamError);
      expect((garbled as Error).message).toContain('malformed JSON');
      await expect(pspRequest(fetch, `${base}/hang`, { timeoutMs: 50 })).rejects.toBeInstanceOf(
        UpstreamTimeoutError,
      );
    } finally {
      server.close();
    }
    // Nothing listens there any more: a connection failure is retryable, not a client error.
    await expect(pspRequest(fetch, `${base}/ok`)).rejects.toBeInstanceOf(UpstreamError);
  });
});

describe('PSP requests and redirects', () => {
  it('do not follow a redirect (it would carry the credentials), and name where it pointed', async () => {
    let followed = 0;
    const server = createServer((req, res) => {
      if (req.url === '/elsewhere') followed += 1;
      res.writeHead(302, { location: '/elsewhere' }).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const error = await pspRequest(fetch, `${base}/accounts`, { headers: { 'x-api-key': 'k' } }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).status).toBe(302);
      expect((error as Error).message).toContain('a redirect to /elsewhere');
      expect(followed).toBe(0);
    } finally {
      server.close();
    }
  });
});

describe('PSP requests with retries', () => {
  it('ride out transient failures and honour a short Retry-After, but not a 4xx', async () => {
    const answers = [
      (res: ServerResponse) => res.writeHead(503).end(),
      (res: ServerResponse) => res.writeHead(429, { 'retry-after': '0' }).end(),
      (res: ServerResponse) => res.end('{"ok":true}'),
    ];
    let calls = 0;
    const server = createServer((req, res) => {
      calls += 1;
      if (req.url === '/bad') res.writeHead(400).end('{"Title":"BAD"}');
      else (answers.shift() ?? ((r: ServerResponse) => r.writeHead(500).end()))(res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const retry = { attempts: 3, baseDelayMs: 1 };
    try {
      await expect(pspRequest(fetch, `${base}/flaky`, { retry })).resolves.toEqual({ ok: true });
      expect(calls).toBe(3);
      await expect(pspRequest(fetch, `${base}/bad`, { retry })).rejects.toBeInstanceOf(InvalidRequestError);
      expect(calls).toBe(4);
      // The queue is empty now: every answer is a 500, and the last one reaches the caller.
      await expect(pspRequest(fetch, `${base}/down`, { retry })).rejects.toBeInstanceOf(UpstreamError);
      expect(calls).toBe(8);
    } finally {
      server.close();
    }
  });

  it('leave a long Retry-After to the schedule instead of blocking the run', async () => {
    let calls = 0;
    const server = createServer((_req, res) => {
      calls += 1;
      res.writeHead(429, { 'retry-after': '60' }).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const error = await pspRequest(fetch, `${base}/x`, { retry: { attempts: 3 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamRateLimitError);
      expect(calls).toBe(1);
    } finally {
      server.close();
    }
  });
});
