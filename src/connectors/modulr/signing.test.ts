// Modulr's request signature, checked against the vector of Modulr's own Node helper, and the headers every request carries.
import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../sdk/errors.js';
import { signatureOf, signedHeaders } from './signing.js';
import { startHarness } from './test-harness.js';

// Modulr-finance/modulr-hmac, samples/nodejs/test: key, secret, nonce, date and the signature they give
// (the Kotlin sample's sha512 test uses the same key, secret and nonce).
const VECTOR = {
  apiKey: 'KNOWN-TOKEN',
  apiSecret: 'NzAwZmIwMGQ0YTJiNDhkMzZjYzc3YjQ5OGQyYWMzOTI=',
  nonce: '28154b2-9c62b93cc22a-24c9e2-5536d7d',
  date: 'Mon, 25 Jul 2016 16:36:07 GMT',
  signature: 'WBMr%2FYdhysbmiIEkdTrf2hP7SfA%3D',
};

describe('the Modulr signature', () => {
  it("matches the vector of Modulr's published helper", () => {
    const key = { apiKey: VECTOR.apiKey, apiSecret: VECTOR.apiSecret, algorithm: 'hmac-sha1' as const };
    expect(signatureOf(key, VECTOR.date, VECTOR.nonce)).toBe(VECTOR.signature);
    const headers = signedHeaders(key, { at: new Date(Date.parse(VECTOR.date)), nonce: VECTOR.nonce });
    expect(headers).toEqual({
      date: VECTOR.date,
      'x-mod-nonce': VECTOR.nonce,
      'x-mod-retry': 'false',
      authorization: `Signature keyId="KNOWN-TOKEN",algorithm="hmac-sha1",headers="date x-mod-nonce",signature="${VECTOR.signature}"`,
    });
  });

  it("matches the hmac-sha512 vector of Modulr's published Kotlin helper (a retry of the same nonce)", () => {
    const key = { apiKey: VECTOR.apiKey, apiSecret: VECTOR.apiSecret, algorithm: 'hmac-sha512' as const };
    const headers = signedHeaders(key, {
      at: new Date('2025-09-19T09:00:00Z'),
      nonce: VECTOR.nonce,
      retry: true,
    });
    expect(headers).toMatchObject({ date: 'Fri, 19 Sep 2025 09:00:00 GMT', 'x-mod-retry': 'true' });
    expect(headers.authorization).toBe(
      'Signature keyId="KNOWN-TOKEN",algorithm="hmac-sha512",headers="date x-mod-nonce",signature="gzOURk9%2FR%2FiYnK9yqjBMqEK%2BLVrK7u3lplG1KGfpIZQLpJuWZJABuHRmK82P%2BmC4fnEbGgx8ls8ejKdR%2Fxbasw%3D%3D"',
    );
  });

  it('names the configured algorithm and signs with it', () => {
    const sha1 = { apiKey: 'k', apiSecret: 's', algorithm: 'hmac-sha1' as const };
    const sha512 = { ...sha1, algorithm: 'hmac-sha512' as const };
    const at = new Date('2026-12-05T10:00:00Z');
    const headers = signedHeaders(sha512, { at, nonce: 'n', retry: true });
    expect(headers.authorization).toContain('algorithm="hmac-sha512"');
    expect(headers['x-mod-retry']).toBe('true');
    expect(signatureOf(sha512, at.toUTCString(), 'n')).not.toBe(signatureOf(sha1, at.toUTCString(), 'n'));
  });

  it('gives every request its own nonce and a current RFC 7231 Date', async () => {
    const h = await startHarness();
    try {
      await h.connector.install();
      await h.connector.fetchNextAccounts({ state: undefined, pageSize: 1, name: 'fetch_accounts' });
      const nonces = h.psp.requests.map((r) => r.headers['x-mod-nonce']);
      expect(nonces.length).toBeGreaterThanOrEqual(2);
      expect(new Set(nonces).size).toBe(nonces.length);
      for (const request of h.psp.requests) {
        expect(request.headers.date).toMatch(
          /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
        );
        expect(request.headers['x-mod-retry']).toBe('false');
      }
      expect(h.world.refused).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('install', () => {
  it('reads the configured customer, signed', async () => {
    const h = await startHarness();
    try {
      await expect(h.connector.install()).resolves.toMatchObject({ workflow: expect.any(Array) });
      expect(h.psp.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /customers/C1000001']);
    } finally {
      await h.close();
    }
  });

  it('without a customer, reads one account', async () => {
    const h = await startHarness({ config: { customerId: undefined } });
    try {
      await h.connector.install();
      expect(h.psp.requests.map((r) => r.target)).toEqual(['/accounts?page=0&size=1']);
    } finally {
      await h.close();
    }
  });

  for (const [what, config, reason] of [
    ['a wrong secret', { apiSecret: 'not-the-secret' }, 'Invalid signature'],
    ['an unknown key', { apiKey: 'someone-else' }, 'Unknown API key'],
    [
      'another algorithm than the key was issued for',
      { hmacAlgorithm: 'hmac-sha256' },
      'Unsupported signature algorithm',
    ],
  ] as const) {
    it(`with ${what}, fails with Modulr's reason and the fake refused the signature`, async () => {
      const h = await startHarness({ config });
      try {
        const error = await h.connector.install().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(AuthenticationError);
        expect((error as Error).message).toContain(reason);
        expect(h.world.refused.map((r) => r.reason)).toEqual([expect.stringContaining(reason)]);
      } finally {
        await h.close();
      }
    });
  }
});
