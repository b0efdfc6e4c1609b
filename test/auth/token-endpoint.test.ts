// The token endpoint (OAuth 2.0 client credentials), the JWKS and discovery documents that let another
// service verify Paybridge's tokens, signing-key rotation without a restart, and logs that never carry a
// credential (read from the service's own log output).
import { Writable } from 'node:stream';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app.js';
import { runCli } from '../cli/run-cli.js';
import {
  call,
  createClient,
  databaseEnv,
  fetchToken,
  type TestClient,
  tokenRequest,
} from '../support/auth.js';
import { freePort, startTestService, type TestService } from '../support/service.js';

const RATE_LIMIT = 8;
let service: TestService;
let publicUrl: string;
let writer: TestClient;
let reader: TestClient;
const logLines: string[] = [];
/** Every credential this file handles, to look for in the logs at the end. */
const credentials = new Set<string>();

beforeAll(async () => {
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  service = await startTestService(
    {
      PORT: String(port),
      PAYBRIDGE_PUBLIC_URL: publicUrl,
      PAYBRIDGE_AUTH_ENABLED: 'true',
      PAYBRIDGE_AUTH_TOKEN_RATE_LIMIT: String(RATE_LIMIT),
    },
    { logger: createLogger({ logLevel: 'trace' }, sink) },
  );
  [writer, reader] = await Promise.all([
    createClient(service, 'token-writer'),
    createClient(service, 'token-reader', 'payments:read'),
  ]);
  for (const client of [writer, reader]) credentials.add(client.clientSecret);
});

afterAll(async () => {
  await service?.stop();
});

const form = (client: TestClient, extra: Record<string, string> = {}) => ({
  grant_type: 'client_credentials',
  client_id: client.clientId,
  client_secret: client.clientSecret,
  ...extra,
});
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

function remember(body: Record<string, unknown>): string {
  const token = String(body.access_token);
  credentials.add(token);
  return token;
}

describe('client credentials', () => {
  it('issues a token for credentials in the form, not to be cached, as a signed RFC 9068 JWT', async () => {
    const answer = await tokenRequest(service.url, form(writer));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'payments:read payments:write',
    });
    const token = remember(answer.body);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: expect.any(String), typ: 'at+jwt' });
    const claims = decodeJwt(token);
    expect(claims).toEqual({
      iss: publicUrl,
      sub: writer.clientId,
      client_id: writer.clientId,
      aud: publicUrl,
      scope: 'payments:read payments:write',
      iat: expect.any(Number),
      nbf: claims.iat,
      exp: (claims.iat ?? 0) + 3600,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect((await call(service.url, '/v3/connectors', { token })).status).toBe(200);
  });

  it('issues a token for credentials in HTTP Basic, at both token paths', async () => {
    for (const path of ['/api/auth/oauth/token', '/oauth/token']) {
      const answer = await tokenRequest(
        service.url,
        { grant_type: 'client_credentials' },
        basic(writer.clientId, writer.clientSecret),
        path,
      );
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect((await call(service.url, '/v3/connectors', { token: remember(answer.body) })).status).toBe(200);
    }
  });

  it('answers a wrong secret, an unknown client and a missing secret with 401 invalid_client', async () => {
    const wrong = await tokenRequest(service.url, form({ ...writer, clientSecret: reader.clientSecret }));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
    expect(wrong.headers.get('cache-control')).toBe('no-store');
    expect(wrong.headers.get('www-authenticate')).toBeNull();

    const unknown = await tokenRequest(
      service.url,
      form({ ...writer, clientId: 'pbc_000000000000000000000000' }),
    );
    expect(unknown).toMatchObject({ status: 401, body: wrong.body });

    const viaBasic = await tokenRequest(
      service.url,
      { grant_type: 'client_credentials' },
      basic(writer.clientId, 'not-the-secret'),
    );
    expect(viaBasic).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic realm="paybridge"/);

    const missing = await tokenRequest(service.url, {
      grant_type: 'client_credentials',
      client_id: writer.clientId,
    });
    expect(missing).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('answers an unknown grant type with 400 unsupported_grant_type, and a missing one with invalid_request', async () => {
    const password = await tokenRequest(service.url, form(writer, { grant_type: 'password' }));
    expect(password).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    const none = await tokenRequest(service.url, {
      client_id: writer.clientId,
      client_secret: writer.clientSecret,
    });
    expect(none).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('refuses a secret both in Basic and in the form, a secret in the URL, and a JSON body', async () => {
    const both = await tokenRequest(service.url, form(writer), basic(writer.clientId, writer.clientSecret));
    expect(both).toMatchObject({ status: 400, body: { error: 'invalid_request' } });

    const inUrl = await fetch(
      `${service.url}/api/auth/oauth/token?client_secret=${encodeURIComponent(writer.clientSecret)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: writer.clientId,
        }).toString(),
      },
    );
    expect(inUrl.status).toBe(400);
    expect(await inUrl.json()).toMatchObject({ error: 'invalid_request' });

    const json = await fetch(`${service.url}/api/auth/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(form(writer)),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('narrows the scopes to those asked for', async () => {
    const answer = await tokenRequest(service.url, form(writer, { scope: 'payments:read' }));
    expect(answer).toMatchObject({ status: 200, body: { scope: 'payments:read' } });
    const token = remember(answer.body);
    expect(decodeJwt(token).scope).toBe('payments:read');
    expect((await call(service.url, '/v3/connectors', { token })).status).toBe(200);
    const write = await call(service.url, '/v3/pools', {
      method: 'POST',
      token,
      body: { name: 'p', accountIDs: [] },
    });
    expect(write.status).toBe(403);
  });

  it('never widens them: a scope the client lacks is not granted, and an unknown one is invalid_scope', async () => {
    const wider = await tokenRequest(service.url, form(reader, { scope: 'payments:read payments:write' }));
    expect(wider).toMatchObject({ status: 200, body: { scope: 'payments:read' } });
    const token = remember(wider.body);
    expect(decodeJwt(token).scope).toBe('payments:read');
    const write = await call(service.url, '/v3/pools', {
      method: 'POST',
      token,
      body: { name: 'p', accountIDs: [] },
    });
    expect(write.status).toBe(403);

    const admin = await tokenRequest(service.url, form(writer, { scope: 'payments:admin' }));
    expect(admin).toMatchObject({ status: 200, body: { scope: '' } });
    const adminToken = remember(admin.body);
    expect((await call(service.url, '/v3/audit', { token: adminToken })).status).toBe(403);
    expect((await call(service.url, '/v3/connectors', { token: adminToken })).status).toBe(403);

    const unknown = await tokenRequest(service.url, form(writer, { scope: 'payments:everything' }));
    expect(unknown).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });

  it('limits the tokens a client gets per minute, with 429 and Retry-After', async () => {
    const busy = await createClient(service, 'busy');
    credentials.add(busy.clientSecret);
    for (let i = 0; i < RATE_LIMIT; i++) {
      const answer = await tokenRequest(service.url, form(busy));
      expect(answer.status).toBe(200);
      remember(answer.body);
    }
    const refused = await tokenRequest(service.url, form(busy));
    expect(refused).toMatchObject({ status: 429, body: { error: 'temporarily_unavailable' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Other clients are not affected.
    expect((await tokenRequest(service.url, form(writer))).status).toBe(200);
  });
});

describe('verification by another service', () => {
  // Its own client: the ones above spent their tokens for this minute.
  let verifier: TestClient;
  beforeAll(async () => {
    verifier = await createClient(service, 'verifier');
    credentials.add(verifier.clientSecret);
  });

  it('publishes the token endpoint and the public keys, with which jose verifies a Paybridge token', async () => {
    const discovery = (await call(service.url, '/.well-known/openid-configuration')).body as Record<
      string,
      unknown
    >;
    expect(discovery).toMatchObject({
      issuer: publicUrl,
      jwks_uri: `${publicUrl}/.well-known/jwks.json`,
      token_endpoint: `${publicUrl}/api/auth/oauth/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['payments:read', 'payments:write', 'payments:admin'],
    });
    const jwks = (await call(service.url, '/.well-known/jwks.json')).body as {
      keys: Record<string, unknown>[];
    };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    }
    const token = await fetchToken(service.url, verifier);
    credentials.add(token);
    const keySet = createRemoteJWKSet(new URL(String(discovery.jwks_uri)));
    const { payload } = await jwtVerify(token, keySet, {
      issuer: String(discovery.issuer),
      audience: publicUrl,
    });
    expect(payload.client_id).toBe(verifier.clientId);
  });

  it('rotates the signing key without a restart: old tokens keep working, new ones use the new kid', async () => {
    const before = await fetchToken(service.url, verifier);
    credentials.add(before);
    const oldKid = String(decodeProtectedHeader(before).kid);

    const rotated = await runCli(['signing-keys', 'rotate', '--json'], { env: databaseEnv(service) });
    expect(rotated.code, rotated.stderr).toBe(0);
    const { kid: newKid, retiredKid } = JSON.parse(rotated.stdout) as { kid: string; retiredKid: string };
    expect(retiredKid).toBe(oldKid);
    expect(newKid).not.toBe(oldKid);

    const after = await fetchToken(service.url, verifier);
    credentials.add(after);
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    for (const token of [before, after]) {
      expect((await call(service.url, '/v3/connectors', { token })).status).toBe(200);
    }
    const jwks = (await call(service.url, '/.well-known/jwks.json')).body as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid).sort()).toEqual([newKid, oldKid].sort());
    const keySet = createRemoteJWKSet(new URL(`${publicUrl}/.well-known/jwks.json`));
    for (const token of [before, after])
      await jwtVerify(token, keySet, { issuer: publicUrl, audience: publicUrl });

    const listed = await runCli(['signing-keys', 'list', '--json'], { env: databaseEnv(service) });
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ kid: newKid, status: 'active' }),
      expect.objectContaining({ kid: oldKid, status: 'retired', publishedUntil: expect.any(String) }),
    ]);
  });

  it('drops a retired key from the JWKS once every token it signed has expired, and refuses them', async () => {
    const old = await fetchToken(service.url, verifier);
    credentials.add(old);
    const oldKid = String(decodeProtectedHeader(old).kid);
    const rotated = await runCli(['signing-keys', 'rotate', '--json'], { env: databaseEnv(service) });
    expect(rotated.code, rotated.stderr).toBe(0);
    // The token lifetime is an hour: move the retirement two hours back rather than wait.
    await sql`UPDATE auth_signing_keys SET retired_at = now() - interval '2 hours' WHERE kid = ${oldKid}`.execute(
      service.paybridge.deps.db,
    );
    const deadline = Date.now() + 10_000;
    let kids: string[] = [];
    do {
      await new Promise((resolve) => setTimeout(resolve, 250));
      kids = (
        (await call(service.url, '/.well-known/jwks.json')).body as { keys: { kid: string }[] }
      ).keys.map((key) => key.kid);
    } while (kids.includes(oldKid) && Date.now() < deadline);
    expect(kids).not.toContain(oldKid);
    expect(kids).toContain(JSON.parse(rotated.stdout).kid);
    const refused = await call(service.url, '/v3/connectors', { token: old });
    expect(refused.status).toBe(401);
  });
});

describe('logs', () => {
  it('never contain a client secret, a token or an Authorization header, even a secret sent in the URL', () => {
    const log = logLines.join('');
    // The requests above were logged (so the check below looks at something).
    expect(log).toContain('/api/auth/oauth/token');
    expect(log).toContain('client_secret=[redacted]');
    for (const credential of credentials) {
      expect(log).not.toContain(credential);
      // The signature alone would be enough to replay a token.
      const signature = credential.split('.')[2];
      if (signature) expect(log).not.toContain(signature);
    }
    expect(log).not.toMatch(/Bearer ey/);
    expect(log).not.toMatch(/Basic [A-Za-z0-9+/]{20,}/);
  });
});

describe('guessing from one address', () => {
  // Last in the file: it blocks this test's address at the token endpoint for a minute.
  it('answers 429 to an address once its failed attempts reach the limit, whatever the client', async () => {
    let status = 0;
    for (let i = 0; i <= RATE_LIMIT && status !== 429; i++) {
      status = (await tokenRequest(service.url, form({ ...reader, clientSecret: `guess-${i}` }))).status;
      expect([401, 429]).toContain(status);
    }
    expect(status).toBe(429);
    const blocked = await tokenRequest(service.url, form(writer));
    expect(blocked).toMatchObject({ status: 429, body: { error: 'temporarily_unavailable' } });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
