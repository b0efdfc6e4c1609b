// `--client-id`/`--client-secret` (and PAYBRIDGE_CLIENT_ID, PAYBRIDGE_CLIENT_SECRET, PAYBRIDGE_TOKEN_URL)
// against a real service with auth on, its tokens living 2 s: the CLI gets tokens from the token endpoint,
// renews them during a long --wait or --all, replaces one the API refuses, explains refusals, and never
// prints a secret or a token. A proxy between the CLI and the service sees (and counts) every request.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, createClient, fetchToken, type TestClient } from '../support/auth.js';
import { startRecordingPsp, type RecordingPsp } from '../support/recording-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { type CliResult, runCli } from './run-cli.js';

interface Seen {
  method: string;
  path: string;
  status: number;
  authorization?: string;
}

/** What the proxy does besides forwarding; reset after each test. */
interface ProxyRules {
  /** Answer 401 (as the service does for a refused token) instead of forwarding. */
  refuse?: (seen: Seen) => boolean;
  /** Hold an answer back until this settles (the request has already been answered upstream). */
  holdAnswer?: (seen: Seen) => Promise<void> | undefined;
  /** Rewrite a token endpoint's successful answer. */
  rewriteToken?: (body: Record<string, unknown>) => Record<string, unknown>;
}

let service: TestService;
let proxy: Server;
let proxyUrl: string;
let rules: ProxyRules = {};
let seen: Seen[] = [];
/** Every access token the token endpoint handed out: none may ever appear in what the CLI prints. */
const issued: string[] = [];
let writer: TestClient;
let reader: TestClient;
let dir: string;

const isTokenPath = (path: string) => path === '/api/auth/oauth/token' || path === '/oauth/token';
const tokenGrants = () => seen.filter((s) => isTokenPath(s.path) && s.status === 200);
const apiCalls = () => seen.filter((s) => s.path.includes('/v3/'));

/** When the bearer token a request carried expires (its `exp`), in milliseconds. */
function expiryOf(authorization: string | undefined): number {
  const payload = (authorization ?? '').replace(/^Bearer /, '').split('.')[1] ?? '';
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp: number };
  return claims.exp * 1000;
}

/** Settles once the clock has passed `at` (a token's expiry), checking rather than sleeping a fixed time. */
async function until(at: number): Promise<void> {
  while (Date.now() < at) await new Promise((resolve) => setTimeout(resolve, 50));
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function startProxy(): Promise<void> {
  proxy = createServer((request, response) => {
    void (async () => {
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      const entry: Seen = {
        method: request.method ?? 'GET',
        path,
        status: 0,
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      };
      seen.push(entry);
      const body = await readBody(request);
      if (rules.refuse?.(entry)) {
        entry.status = 401;
        response
          .writeHead(401, {
            'content-type': 'application/json',
            'www-authenticate': 'Bearer realm="paybridge", error="invalid_token"',
          })
          .end('{"errorCode":"VALIDATION","errorMessage":"authentication required: the token has expired"}');
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'accept']) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const upstream = await fetch(service.url + (request.url ?? '/'), {
        method: entry.method,
        headers,
        ...(body.length > 0 ? { body } : {}),
      });
      entry.status = upstream.status;
      let text = await upstream.text();
      if (isTokenPath(path) && upstream.status === 200) {
        let answer = JSON.parse(text) as Record<string, unknown>;
        issued.push(String(answer.access_token));
        if (rules.rewriteToken) answer = rules.rewriteToken(answer);
        text = JSON.stringify(answer);
      }
      await rules.holdAnswer?.(entry);
      const out: Record<string, string> = {};
      for (const name of ['content-type', 'www-authenticate']) {
        const value = upstream.headers.get(name);
        if (value) out[name] = value;
      }
      response.writeHead(upstream.status, out).end(text);
    })().catch((error: unknown) => {
      response.writeHead(502).end(String(error));
    });
  });
  return new Promise((resolve) => {
    proxy.listen(0, '127.0.0.1', () => {
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      resolve();
    });
  });
}

/** Runs the CLI, then checks that nothing it printed holds a client secret or an access token. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const result = await runCli(args, { env });
  const printed = result.stdout + result.stderr;
  for (const secret of [writer.clientSecret, reader.clientSecret, ...issued]) {
    expect(printed, 'a secret or a token was printed').not.toContain(secret);
  }
  return result;
}

const as = (client: TestClient) => ['--client-id', client.clientId, '--client-secret', client.clientSecret];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-cli-credentials-'));
  service = await startTestService({ PAYBRIDGE_AUTH_ENABLED: 'true', PAYBRIDGE_AUTH_TOKEN_TTL: '2s' });
  [writer, reader] = await Promise.all([
    createClient(service, 'cli-writer'),
    createClient(service, 'cli-reader', 'payments:read'),
  ]);
  // Three connectors, listed a page at a time below.
  const token = await fetchToken(service.url, writer);
  issued.push(token);
  for (const name of ['page-a', 'page-b', 'page-c']) {
    const directory = await mkdtemp(join(dir, `${name}-`));
    const installed = await call(service.url, '/v3/connectors/install/dummypay', {
      method: 'POST',
      token,
      body: { name, directory, pollingPeriod: '20m' },
    });
    expect(installed.status).toBe(202);
  }
  await startProxy();
});

afterEach(() => {
  rules = {};
  seen = [];
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('client credentials', () => {
  it('are described in --help, with --token winning over them', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const text of ['--client-id <id>', '--client-secret <secret>', '--token-url <url>']) {
      expect(help.stdout).toContain(text);
    }
    expect(help.stdout).toMatch(/^ {2}PAYBRIDGE_CLIENT_SECRET +its secret/m);
    expect(help.stdout).toContain('wins over --client-id');
  });

  it("gets a token from /api/auth/oauth/token on the server's host, even with a path in --server", async () => {
    const result = await cli([
      'pools',
      'list',
      '--json',
      '--server',
      `${proxyUrl}/api/payments`,
      ...as(writer),
    ]);
    expect(result, result.stderr).toMatchObject({ code: 0, stdout: '[]\n' });
    expect(seen.map((s) => [s.method, s.path, s.status])).toEqual([
      ['POST', '/api/auth/oauth/token', 200],
      ['GET', '/api/payments/v3/pools', 200],
    ]);
    expect(seen[1]?.authorization).toBe(`Bearer ${issued.at(-1)}`);
  });

  it('takes the client from PAYBRIDGE_CLIENT_ID and PAYBRIDGE_CLIENT_SECRET, the endpoint from PAYBRIDGE_TOKEN_URL', async () => {
    const result = await cli(['pools', 'list', '--json'], {
      PAYBRIDGE_URL: proxyUrl,
      PAYBRIDGE_CLIENT_ID: writer.clientId,
      PAYBRIDGE_CLIENT_SECRET: writer.clientSecret,
      PAYBRIDGE_TOKEN_URL: `${proxyUrl}/oauth/token`,
    });
    expect(result, result.stderr).toMatchObject({ code: 0, stdout: '[]\n' });
    expect(seen.map((s) => [s.path, s.status])).toEqual([
      ['/oauth/token', 200],
      ['/v3/pools', 200],
    ]);
  });

  it('exits 3 with the OAuth error when the token endpoint refuses the secret, and sends no API request', async () => {
    const wrong = 'not-the-secret-' + 'x'.repeat(20);
    for (const json of [[], ['--json']]) {
      const result = await cli([
        'connectors',
        'list',
        ...json,
        '--server',
        proxyUrl,
        '--client-id',
        writer.clientId,
        '--client-secret',
        wrong,
      ]);
      expect(result.code).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        /^error: the token endpoint refused: invalid_client: client authentication failed \(HTTP 401 from http:\/\/127\.0\.0\.1:\d+\/api\/auth\/oauth\/token\)$/m,
      );
      expect(result.stderr).toMatch(/^hint: check --client-id and --client-secret/m);
      expect(result.stderr).not.toContain(wrong);
    }
    expect(apiCalls()).toEqual([]);
  });

  it('exits 3 with a hint naming the credentials options when none are given', async () => {
    const result = await cli(['connectors', 'list', '--server', proxyUrl]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: VALIDATION: authentication required.* \(HTTP 401\)$/m);
    expect(result.stderr).toMatch(
      /^hint: .*--client-id and --client-secret.*PAYBRIDGE_CLIENT_ID and PAYBRIDGE_CLIENT_SECRET.*--token/m,
    );
  });

  it('refuses half a pair as a usage error, before any request', async () => {
    const result = await cli(['connectors', 'list', '--server', proxyUrl, '--client-id', writer.clientId]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('needs its secret: PAYBRIDGE_CLIENT_SECRET');
    expect(seen).toEqual([]);
  });

  it('uses --token as is when client credentials are given too', async () => {
    const token = await fetchToken(service.url, writer);
    issued.push(token);
    const result = await cli([
      'connectors',
      'list',
      '--server',
      proxyUrl,
      '--token',
      token,
      '--client-id',
      writer.clientId,
      '--client-secret',
      'wrong',
    ]);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    expect(seen.map((s) => s.path)).toEqual(['/v3/connectors']);
  });

  it('exits 3 on a 403 when a read-only client writes, naming the scope it lacks; nothing is installed', async () => {
    const config = join(dir, 'dummypay.json');
    await writeFile(config, JSON.stringify({ name: 'not-allowed', directory: dir }));
    const result = await cli([
      'connectors',
      'install',
      'dummypay',
      config,
      '--server',
      proxyUrl,
      ...as(reader),
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^error: VALIDATION: forbidden: this operation needs payments:write \(HTTP 403\)$/m,
    );
    expect(result.stderr).toMatch(
      /^hint: the client lacks payments:write: .*--scopes payments:read,payments:write/m,
    );
    const listed = await cli(['connectors', 'list', '--json', '--server', service.url, ...as(reader)]);
    expect(listed, listed.stderr).toMatchObject({ code: 0 });
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((c) => c.name)).not.toContain('not-allowed');
  });
});

describe('token renewal', () => {
  it('renews the token before it expires while --all pages through a list', async () => {
    // Each page is answered only once the token it carried has expired: the next page needs a new one.
    rules.holdAnswer = (s) => (s.path === '/v3/connectors' ? until(expiryOf(s.authorization)) : undefined);
    const result = await cli([
      'connectors',
      'list',
      '--all',
      '--page-size',
      '1',
      '--json',
      '--server',
      proxyUrl,
      ...as(writer),
    ]);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    const names = (JSON.parse(result.stdout) as { name: string }[]).map((c) => c.name).sort();
    expect(names).toEqual(['page-a', 'page-b', 'page-c']);
    const pages = seen.filter((s) => s.path === '/v3/connectors');
    expect(pages).toHaveLength(3);
    // A new token for every page, fetched before the old one expired: the API refused none.
    expect(new Set(pages.map((s) => s.authorization)).size).toBe(3);
    expect(tokenGrants()).toHaveLength(3);
    expect(pages.every((s) => s.status === 200)).toBe(true);
  });

  it('renews the token while --wait follows a first sync that outlives it', async () => {
    let psp: RecordingPsp | undefined;
    try {
      // The PSP answers the install check at once, then the first sync's listings only once the CLI has
      // fetched a second token, so the wait lasts until then, and succeeds only if the CLI renews its
      // token during the wait.
      let answered = 0;
      psp = await startRecordingPsp((_request, response) => {
        const answer = () => response.writeHead(200, { 'content-type': 'application/json' }).end('[]');
        if (answered++ === 0) return answer();
        void eventually(async () => (tokenGrants().length >= 2 ? true : undefined), 50_000, 'a second token')
          .catch(() => undefined)
          .then(answer);
      });
      const config = join(dir, 'generic.json');
      await writeFile(
        config,
        JSON.stringify({
          name: 'slow-first-sync',
          apiKey: 'psp-key',
          endpoint: psp.url,
          pollingPeriod: '20m',
        }),
      );
      const result = await cli([
        'connectors',
        'install',
        'generic',
        config,
        '--wait',
        '--timeout',
        '50s',
        '--server',
        proxyUrl,
        ...as(writer),
      ]);
      expect(result, result.stderr).toMatchObject({ code: 0 });
      expect(result.stdout).toMatch(/installed!/);
      expect(tokenGrants().length).toBeGreaterThanOrEqual(2);
      expect(apiCalls().every((s) => s.status < 400)).toBe(true);
    } finally {
      await psp?.stop();
    }
  });

  it('replaces a token the API refuses, once, and sends the request again', async () => {
    // The first request is refused as if its token had expired early (a server clock ahead of ours).
    rules.refuse = (s) => s.path === '/v3/connectors' && !seen.some((o) => o !== s && o.path === s.path);
    const result = await cli(['connectors', 'list', '--json', '--server', proxyUrl, ...as(writer)]);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    const pages = seen.filter((s) => s.path === '/v3/connectors');
    expect(pages.map((s) => s.status)).toEqual([401, 200]);
    expect(pages[0]?.authorization).not.toBe(pages[1]?.authorization);
    expect(tokenGrants()).toHaveLength(2);
  });

  it('gives up after one new token when the API keeps refusing, with a hint on the token endpoint', async () => {
    rules.refuse = (s) => s.path === '/v3/connectors';
    const result = await cli(['connectors', 'list', '--server', proxyUrl, ...as(writer)]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^error: VALIDATION: authentication required: the token has expired \(HTTP 401\)$/m,
    );
    expect(result.stderr).toMatch(
      /^hint: the API refused a token just fetched from http:\/\/127\.0\.0\.1:\d+\/api\/auth\/oauth\/token/m,
    );
    expect(tokenGrants()).toHaveLength(2);
    expect(seen.filter((s) => s.path === '/v3/connectors')).toHaveLength(2);
  });

  it('keeps one token when the token endpoint gives no expires_in (a refusal would replace it)', async () => {
    rules.rewriteToken = ({ expires_in: _dropped, ...rest }) => rest;
    rules.holdAnswer = (s) => (s.path === '/v3/connectors' ? until(expiryOf(s.authorization)) : undefined);
    const result = await cli([
      'connectors',
      'list',
      '--all',
      '--page-size',
      '1',
      '--server',
      proxyUrl,
      ...as(writer),
    ]);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    // Past its exp, the service still takes it within its clock tolerance; the CLI had no reason to renew.
    // Three pages at least (one per connector), each answered past the exp of the token it carried.
    expect(seen.filter((s) => s.path === '/v3/connectors').length).toBeGreaterThanOrEqual(3);
    expect(tokenGrants()).toHaveLength(1);
  });
});
