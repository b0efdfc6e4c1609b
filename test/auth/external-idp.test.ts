// An external OpenID Connect issuer (PAYBRIDGE_AUTH_ISSUER): its keys found through discovery or
// PAYBRIDGE_AUTH_JWKS_URL, fetched again after it rotates them, never more often than the floor however
// many unknown kids arrive (fetches counted at the fake IdP), and discovery retried after a failure.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/auth.js';
import { type FakeIdp, startFakeIdp } from '../support/fake-idp.js';
import { startTestService, type TestService } from '../support/service.js';

const FLOOR_MS = 1500;

describe('through discovery', () => {
  let idp: FakeIdp;
  let service: TestService;
  beforeAll(async () => {
    idp = await startFakeIdp();
    service = await startTestService({
      PAYBRIDGE_AUTH_ENABLED: 'true',
      PAYBRIDGE_AUTH_ISSUER: idp.issuer,
      PAYBRIDGE_AUTH_JWKS_REFRESH_FLOOR: `${FLOOR_MS}ms`,
    });
  });
  afterAll(async () => {
    await service?.stop();
    await idp?.stop();
  });

  it('accepts a token of the issuer, finding its keys through discovery (no audience required when unset)', async () => {
    const token = await idp.sign({ aud: 'whatever-the-idp-puts' });
    expect((await call(service.url, '/v3/connectors', { token })).status).toBe(200);
    expect(idp.fetches).toEqual({ discovery: 1, jwks: 1 });
    // Cached: another token costs no fetch.
    expect((await call(service.url, '/v3/accounts', { token: await idp.sign() })).status).toBe(200);
    expect(idp.fetches).toEqual({ discovery: 1, jwks: 1 });
  });

  it('reads scopes from scp as well as scope', async () => {
    const token = await idp.sign({ scope: undefined, scp: ['payments:read'] });
    expect((await call(service.url, '/v3/connectors', { token })).status).toBe(200);
    const write = await call(service.url, '/v3/pools', {
      method: 'POST',
      token,
      body: { name: 'x', accountIDs: [] },
    });
    expect(write.status).toBe(403);
  });

  it('accepts a token naming a new kid after the IdP rotated its keys, after one refetch', async () => {
    // Let the floor pass since the last fetch, so that a refetch is allowed.
    await sleep(FLOOR_MS + 200);
    const before = idp.fetches.jwks;
    await idp.rotate();
    const token = await idp.sign();
    expect((await call(service.url, '/v3/connectors', { token })).status).toBe(200);
    expect(idp.fetches.jwks).toBe(before + 1);
  });

  it('fetches the keys no more often than the floor allows, however many unknown kids arrive', async () => {
    const stranger = await idp.unpublishedKey();
    const before = idp.fetches.jwks;
    const started = Date.now();
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const token = await idp.sign({}, { key: stranger, kid: `made-up-${round}-${i}` });
          return (await call(service.url, '/v3/connectors', { token })).status;
        }),
      );
      expect(answers.every((status) => status === 401)).toBe(true);
    }
    const elapsed = Date.now() - started;
    // One fetch may be due at the start; after it, one per floor at most.
    expect(idp.fetches.jwks - before).toBeLessThanOrEqual(1 + Math.floor(elapsed / FLOOR_MS));
    expect(idp.fetches.jwks - before).toBeLessThan(50);
  });
});

describe('through PAYBRIDGE_AUTH_JWKS_URL', () => {
  let idp: FakeIdp;
  let service: TestService;
  beforeAll(async () => {
    idp = await startFakeIdp();
    service = await startTestService({
      PAYBRIDGE_AUTH_ENABLED: 'true',
      PAYBRIDGE_AUTH_ISSUER: idp.issuer,
      PAYBRIDGE_AUTH_JWKS_URL: idp.jwksUrl,
    });
  });
  afterAll(async () => {
    await service?.stop();
    await idp?.stop();
  });

  it('accepts a token of the issuer, with keys fetched from the configured URL and no discovery', async () => {
    const token = await idp.sign();
    expect((await call(service.url, '/v3/connectors', { token })).status).toBe(200);
    expect(idp.fetches).toEqual({ discovery: 0, jwks: 1 });
  });
});

describe('an issuer that is down', () => {
  let idp: FakeIdp;
  let service: TestService;
  beforeAll(async () => {
    idp = await startFakeIdp();
    idp.setAvailable(false);
    service = await startTestService({
      PAYBRIDGE_AUTH_ENABLED: 'true',
      PAYBRIDGE_AUTH_ISSUER: idp.issuer,
      PAYBRIDGE_AUTH_JWKS_REFRESH_FLOOR: `${FLOOR_MS}ms`,
    });
  });
  afterAll(async () => {
    await service?.stop();
    await idp?.stop();
  });

  it('refuses its tokens with 401 while discovery fails, and tries discovery again once the floor has passed', async () => {
    const token = await idp.sign();
    const refused = await call(service.url, '/v3/connectors', { token });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({
      errorCode: 'VALIDATION',
      errorMessage: `authentication required: the keys of issuer ${idp.issuer} could not be fetched`,
    });
    // Within the floor, no new attempt reaches the IdP.
    expect((await call(service.url, '/v3/connectors', { token })).status).toBe(401);
    expect(idp.fetches.discovery).toBe(0);

    idp.setAvailable(true);
    await sleep(FLOOR_MS + 200);
    expect((await call(service.url, '/v3/connectors', { token })).status).toBe(200);
    expect(idp.fetches).toEqual({ discovery: 1, jwks: 1 });
  });
});
