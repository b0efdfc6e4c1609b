// Which routes stay public with auth on, which need which scope, /metrics and the scope check as settings
// say, and an OpenAPI document that states all of it (security per operation, 401 and 403 documented).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorIdCodec } from '../../src/domain/ids.js';
import { call, createClient, fetchToken } from '../support/auth.js';
import { startTestService, type TestService } from '../support/service.js';

const webhookPath = `/connectors/webhooks/${connectorIdCodec.encode({ provider: 'dummypay', reference: 'none' })}/hook`;

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
}

async function operations(url: string, token: string) {
  const answer = await call(url, '/openapi.json', { token });
  expect(answer.status).toBe(200);
  const document = answer.body as {
    components?: { securitySchemes?: Record<string, unknown> };
    paths: Record<string, Record<string, Operation>>;
  };
  const all = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
  );
  return { document, all };
}

describe('with auth on (scopes checked, metrics protected)', () => {
  let service: TestService;
  let readToken: string;
  let writeToken: string;
  beforeAll(async () => {
    service = await startTestService({ PAYBRIDGE_AUTH_ENABLED: 'true' });
    const [reader, writer] = await Promise.all([
      createClient(service, 'reader', 'payments:read'),
      createClient(service, 'writer', 'payments:write'),
    ]);
    [readToken, writeToken] = await Promise.all([
      fetchToken(service.url, reader),
      fetchToken(service.url, writer),
    ]);
  });
  afterAll(async () => {
    await service?.stop();
  });

  it.each([
    ['GET', '/_healthcheck', 200],
    ['GET', '/_info', 200],
    ['GET', '/api/payments/_info', 200],
    ['GET', '/.well-known/jwks.json', 200],
    ['GET', '/.well-known/openid-configuration', 200],
    ['GET', '/', 302],
    ['POST', '/api/auth/oauth/token', 400],
    ['POST', '/oauth/token', 400],
    // Webhook ingress answers for itself (here: no such connector), never with a bearer challenge.
    ['POST', `/v3${webhookPath}`, 404],
    ['POST', `/api/payments/v3${webhookPath}`, 404],
  ])('keeps %s %s public', async (method, path, status) => {
    const response = await fetch(`${service.url}${path}`, { method, redirect: 'manual' });
    expect(response.status).toBe(status);
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  it("serves the console's files without a token: they hold no data, and the console must load to ask for one", async () => {
    const response = await fetch(`${service.url}/console/`);
    expect(response.status).not.toBe(401);
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  it.each([
    ['GET', '/openapi.json'],
    ['GET', '/metrics'],
    ['GET', '/v3/connectors'],
    ['GET', '/api/payments/v3/connectors'],
    ['HEAD', '/v3/connectors'],
    ['GET', '/v3/audit'],
    ['GET', '/no/such/route'],
    ['DELETE', '/v3/pools/00000000-0000-0000-0000-000000000000'],
  ])('asks for a token on %s %s', async (method, path) => {
    const response = await fetch(`${service.url}${path}`, { method });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="paybridge"');
  });

  it('answers a route that does not exist with 404 once the token is valid', async () => {
    expect((await call(service.url, '/no/such/route', { token: readToken })).status).toBe(404);
  });

  it('lets payments:write read as well (write implies read), and keeps the audit trail for payments:admin', async () => {
    expect((await call(service.url, '/v3/connectors', { token: writeToken })).status).toBe(200);
    const metrics = await fetch(`${service.url}/metrics`, {
      headers: { authorization: `Bearer ${readToken}` },
    });
    expect(metrics.status).toBe(200);
    for (const token of [readToken, writeToken]) {
      const audit = await call(service.url, '/v3/audit', { token });
      expect(audit.status).toBe(403);
      expect(audit.headers.get('www-authenticate')).toMatch(
        /error="insufficient_scope".*scope="payments:admin"/,
      );
    }
  });

  it('documents the security scheme, and the scope, 401 and 403 of every protected operation', async () => {
    const { document, all } = await operations(service.url, readToken);
    expect(document.components?.securitySchemes).toEqual({
      oauth2: {
        type: 'oauth2',
        flows: {
          clientCredentials: {
            tokenUrl: '/api/auth/oauth/token',
            scopes: {
              'payments:read': expect.any(String),
              'payments:write': expect.any(String),
              'payments:admin': expect.any(String),
            },
          },
        },
      },
    });
    expect(all.length).toBeGreaterThan(40);
    for (const { path, method, operation } of all) {
      if (path === '/api/auth/oauth/token') {
        expect(operation.security).toEqual([]);
        expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '429', '500']);
        continue;
      }
      const scope =
        path === '/v3/audit' ? 'payments:admin' : method === 'GET' ? 'payments:read' : 'payments:write';
      expect({ path, method, security: operation.security }).toEqual({
        path,
        method,
        security: [{ oauth2: [scope] }],
      });
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
  });
});

describe('with metrics public and the scope check off', () => {
  let service: TestService;
  let readToken: string;
  beforeAll(async () => {
    service = await startTestService({
      PAYBRIDGE_AUTH_ENABLED: 'true',
      PAYBRIDGE_METRICS_PUBLIC: 'true',
      PAYBRIDGE_AUTH_CHECK_SCOPES: 'false',
    });
    readToken = await fetchToken(service.url, await createClient(service, 'reader', 'payments:read'));
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('serves /metrics without a token', async () => {
    const response = await fetch(`${service.url}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('paybridge_');
  });

  it('lets any valid token through whatever its scopes, and still needs one', async () => {
    const created = await call(service.url, '/v3/pools', {
      method: 'POST',
      token: readToken,
      body: { name: 'scopes-off', accountIDs: [] },
    });
    expect(created.status).toBe(201);
    expect((await call(service.url, '/v3/audit', { token: readToken })).status).toBe(200);
    expect((await call(service.url, '/v3/pools', { method: 'POST', body: { name: 'x' } })).status).toBe(401);
  });

  it('documents 401 but no 403, since no scope is ever missing', async () => {
    const { all } = await operations(service.url, readToken);
    const protectedOperations = all.filter(({ path }) => path !== '/api/auth/oauth/token');
    for (const { operation } of protectedOperations) {
      expect(Object.keys(operation.responses)).toContain('401');
      expect(Object.keys(operation.responses)).not.toContain('403');
    }
  });
});
