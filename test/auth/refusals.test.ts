// The refusal table: every way a bearer token can be wrong is refused with 401 (or 403 for a missing
// scope), with the WWW-Authenticate challenge and the v3 envelope, and the refused write changes nothing.
// Tokens are forged here with jose: by a fake external issuer (trusted, with an audience required), and
// by an attacker who only knows what is public (the JWKS).
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import {
  call,
  createClient,
  databaseEnv,
  fetchToken,
  type TestClient,
  tokenRequest,
} from '../support/auth.js';
import { writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { type FakeIdp, startFakeIdp } from '../support/fake-idp.js';
import { freePort, startTestService, type TestService } from '../support/service.js';

const AUDIENCE = 'paybridge-refusals';
let service: TestService;
let idp: FakeIdp;
let dir: string;
let client: TestClient;
let adminToken: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-refusals-'));
  await writeDummyPayDirectory(dir, { accounts: 1, payments: 0 });
  idp = await startFakeIdp();
  const port = await freePort();
  service = await startTestService({
    PORT: String(port),
    PAYBRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    PAYBRIDGE_AUTH_ENABLED: 'true',
    PAYBRIDGE_AUTH_ISSUER: idp.issuer,
    PAYBRIDGE_AUTH_AUDIENCE: AUDIENCE,
  });
  client = await createClient(service, 'refusals');
  adminToken = await fetchToken(service.url, client);
});

afterAll(async () => {
  await service?.stop();
  await idp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A write that must never happen: installing a connector. */
const install = (authorization?: string) =>
  call(service.url, '/v3/connectors/install/dummypay', {
    method: 'POST',
    ...(authorization === undefined ? {} : { authorization }),
    body: { name: 'must-not-exist', directory: dir },
  });

async function expectRefused(
  answer: Awaited<ReturnType<typeof call>>,
  status: 401 | 403,
  challenge: RegExp,
  message: RegExp,
) {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('www-authenticate')).toMatch(challenge);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answer.body).toEqual({ errorCode: 'VALIDATION', errorMessage: expect.stringMatching(message) });
  const connectors = await call(service.url, '/v3/connectors', { token: adminToken });
  expect(connectors.status).toBe(200);
  expect((connectors.body as { cursor: { data: unknown[] } }).cursor.data).toEqual([]);
}

const INVALID_TOKEN = /^Bearer realm="paybridge", error="invalid_token", error_description="[^"]+"$/;

describe('tokens that are accepted (so that the refusals below mean something)', () => {
  it('accepts a token of the built-in issuer and one of the external issuer for reads', async () => {
    expect((await call(service.url, '/v3/connectors', { token: adminToken })).status).toBe(200);
    const external = await idp.sign({ aud: AUDIENCE });
    expect((await call(service.url, '/v3/connectors', { token: external })).status).toBe(200);
  });
});

describe('refused with 401', () => {
  it('refuses a request without a token, with a bare challenge', async () => {
    await expectRefused(await install(), 401, /^Bearer realm="paybridge"$/, /^authentication required/);
  });

  it.each([
    ['another scheme', 'Basic dXNlcjpwYXNz', /^Bearer realm="paybridge"$/],
    ['Bearer and nothing', 'Bearer', INVALID_TOKEN],
    ['two words after Bearer', 'Bearer abc def', INVALID_TOKEN],
    ['characters a token cannot hold', 'Bearer {"alg":"none"}', INVALID_TOKEN],
    ['a token that is not a JWT', 'Bearer not.a.jwt', INVALID_TOKEN],
  ])('refuses a malformed Authorization header: %s', async (_case, header, challenge) => {
    await expectRefused(await install(header), 401, challenge, /^authentication required/);
  });

  it('refuses an expired token', async () => {
    const token = await idp.sign({ aud: AUDIENCE, exp: now() - 3600, iat: now() - 7200 });
    await expectRefused(await install(`Bearer ${token}`), 401, INVALID_TOKEN, /has expired/);
  });

  it('refuses a token that is not valid yet (nbf beyond the clock tolerance)', async () => {
    const token = await idp.sign({ aud: AUDIENCE, nbf: now() + 600 });
    await expectRefused(await install(`Bearer ${token}`), 401, INVALID_TOKEN, /not valid yet/);
  });

  it('refuses a token from an issuer that is not trusted, even signed by a trusted key', async () => {
    const token = await idp.sign({ aud: AUDIENCE, iss: 'https://issuer.example' });
    await expectRefused(
      await install(`Bearer ${token}`),
      401,
      INVALID_TOKEN,
      /issuer this service does not trust/,
    );
  });

  it('refuses a token that claims the built-in issuer but is signed by another key', async () => {
    const token = await idp.sign({ aud: AUDIENCE, iss: service.url, client_id: client.clientId });
    await expectRefused(await install(`Bearer ${token}`), 401, INVALID_TOKEN, /^authentication required/);
  });

  it('refuses a token for another audience, and one naming no audience', async () => {
    const other = await idp.sign({ aud: 'another-service' });
    await expectRefused(await install(`Bearer ${other}`), 401, INVALID_TOKEN, /"aud" claim/);
    const none = await idp.sign({});
    await expectRefused(await install(`Bearer ${none}`), 401, INVALID_TOKEN, /"aud" claim/);
  });

  it('refuses a token whose signature does not verify', async () => {
    // Signed by a key the issuer never published, under the kid of one it did.
    const forged = await idp.sign(
      { aud: AUDIENCE },
      { key: await idp.unpublishedKey(), kid: idp.current().kid },
    );
    await expectRefused(await install(`Bearer ${forged}`), 401, INVALID_TOKEN, /signature/);
    // A genuine token whose claims were changed after signing.
    const [header, , signature] = (await idp.sign({ aud: AUDIENCE, scope: 'payments:read' })).split('.');
    const payload = b64({
      iss: idp.issuer,
      sub: 'idp-user',
      aud: AUDIENCE,
      exp: now() + 600,
      scope: 'payments:write',
    });
    await expectRefused(
      await install(`Bearer ${header}.${payload}.${signature}`),
      401,
      INVALID_TOKEN,
      /signature/,
    );
  });

  it('refuses alg none, for the built-in and the external issuer', async () => {
    for (const iss of [service.url, idp.issuer]) {
      const claims = {
        iss,
        sub: client.clientId,
        client_id: client.clientId,
        aud: AUDIENCE,
        exp: now() + 600,
      };
      const unsigned = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ ...claims, scope: 'payments:write' })}.`;
      await expectRefused(
        await install(`Bearer ${unsigned}`),
        401,
        INVALID_TOKEN,
        /^authentication required/,
      );
    }
  });

  it('refuses an HS256 token keyed with the public key (PEM or JWK bytes), for both issuers', async () => {
    const jwks = (await call(service.url, '/.well-known/jwks.json')).body as { keys: JWK[] };
    const builtInJwk = jwks.keys[0] as JWK;
    const pem = (jwk: JWK) =>
      createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString();
    const builtInPem = pem(builtInJwk);
    const idpPem = pem(idp.current().publicJwk);
    const cases = [
      { iss: service.url, kid: String(builtInJwk.kid), secret: builtInPem },
      { iss: service.url, kid: String(builtInJwk.kid), secret: JSON.stringify(builtInJwk) },
      { iss: idp.issuer, kid: idp.current().kid, secret: idpPem },
    ];
    for (const { iss, kid, secret } of cases) {
      const token = await new SignJWT({ client_id: client.clientId, scope: 'payments:write' })
        .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
        .setIssuer(iss)
        .setSubject(client.clientId)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(secret));
      await expectRefused(
        await install(`Bearer ${token}`),
        401,
        INVALID_TOKEN,
        /algorithm that is not accepted/,
      );
    }
  });

  it('refuses the tokens of a revoked client, and gives it no new one', async () => {
    const revoked = await createClient(service, 'to-revoke');
    const token = await fetchToken(service.url, revoked);
    expect((await call(service.url, '/v3/connectors', { token })).status).toBe(200);
    const result = await runCli(['clients', 'revoke', revoked.clientId], { env: databaseEnv(service) });
    expect(result.code, result.stderr).toBe(0);
    // Each process re-reads a client's status at most a second after it last did: wait for that with reads.
    const deadline = Date.now() + 10_000;
    while ((await call(service.url, '/v3/connectors', { token })).status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const answer = await install(`Bearer ${token}`);
    await expectRefused(answer, 401, INVALID_TOKEN, /client of this token was revoked/);
    const again = await tokenRequest(service.url, {
      grant_type: 'client_credentials',
      client_id: revoked.clientId,
      client_secret: revoked.clientSecret,
    });
    expect(again).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });
});

describe('refused with 403', () => {
  it('refuses a valid token without the scope the operation needs', async () => {
    const reader = await createClient(service, 'reader', 'payments:read');
    const token = await fetchToken(service.url, reader);
    expect((await call(service.url, '/v3/connectors', { token })).status).toBe(200);
    await expectRefused(
      await install(`Bearer ${token}`),
      403,
      /^Bearer realm="paybridge", error="insufficient_scope", error_description="[^"]+", scope="payments:write"$/,
      /^forbidden: this operation needs payments:write$/,
    );
    const external = await idp.sign({ aud: AUDIENCE, scope: 'payments:read' });
    await expectRefused(
      await install(`Bearer ${external}`),
      403,
      /insufficient_scope/,
      /needs payments:write/,
    );
  });
});
