// A fake OpenID Connect issuer for tests: discovery and JWKS over node:http, keys made by jose, fetches counted.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

interface IdpKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface FakeIdp {
  /** The issuer URL (no trailing slash). */
  issuer: string;
  jwksUrl: string;
  /** Requests served so far, by document. */
  fetches: { discovery: number; jwks: number };
  /** The key tokens are signed with now, and its public JWK as published. */
  current(): IdpKey;
  /** A token signed by the current key; claims override the defaults (iss, sub, iat, exp, scope). */
  sign(claims?: JWTPayload, header?: { kid?: string; key?: IdpKey }): Promise<string>;
  /** Replaces the published key set with one new key, as an IdP rotating its keys does. */
  rotate(): Promise<IdpKey>;
  /** A key that is never published. */
  unpublishedKey(): Promise<IdpKey>;
  /** While false, discovery and JWKS answer 503 (an IdP that is down). */
  setAvailable(available: boolean): void;
  stop(): Promise<void>;
}

async function newKey(kid: string): Promise<IdpKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export async function startFakeIdp(): Promise<FakeIdp> {
  let keys: IdpKey[] = [await newKey('idp-key-1')];
  let generation = 1;
  const fetches = { discovery: 0, jwks: 0 };
  let issuer = '';
  let available = true;
  const server: Server = createServer((request, response) => {
    if (!available) {
      response.writeHead(503).end();
      return;
    }
    if (request.url === '/.well-known/openid-configuration') {
      fetches.discovery += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys`, token_endpoint: `${issuer}/token` }));
      return;
    }
    if (request.url === '/keys') {
      fetches.jwks += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: keys.map((key) => key.publicJwk) }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const current = () => {
    const key = keys[0];
    if (!key) throw new Error('no key');
    return key;
  };
  return {
    issuer,
    jwksUrl: `${issuer}/keys`,
    fetches,
    current,
    async sign(claims = {}, header = {}) {
      const key = header.key ?? current();
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ sub: 'idp-user', scope: 'payments:read payments:write', ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: header.kid ?? key.kid })
        .setIssuer(typeof claims.iss === 'string' ? claims.iss : issuer)
        .setIssuedAt(now)
        .setExpirationTime(typeof claims.exp === 'number' ? claims.exp : now + 600)
        .sign(key.privateKey);
    },
    async rotate() {
      generation += 1;
      keys = [await newKey(`idp-key-${generation}`)];
      return current();
    },
    unpublishedKey: () => newKey('never-published'),
    setAvailable(value) {
      available = value;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
