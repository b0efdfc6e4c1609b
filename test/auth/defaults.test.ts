// Secure by default (loopback unless auth is on or HOST says otherwise, and a warning when the API is open
// to the network), and `_info` on both paths with a version Formance's fctl reads as the v3 API.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app.js';
import { readSettings } from '../../src/settings.js';
import { startTestService, type TestService } from '../support/service.js';

describe('secure by default', () => {
  it('listens on 127.0.0.1 when HOST is unset and auth is off, and on every interface once auth is on', () => {
    expect(readSettings({}).host).toBe('127.0.0.1');
    expect(readSettings({ PAYBRIDGE_AUTH_ENABLED: 'true' }).host).toBe('0.0.0.0');
    expect(readSettings({ HOST: '' }).host).toBe('127.0.0.1');
    expect(readSettings({ HOST: '10.1.2.3' }).host).toBe('10.1.2.3');
    expect(readSettings({ PAYBRIDGE_AUTH_ENABLED: 'true', HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
  });

  it('flags an API open to the network: HOST set beyond loopback with auth off', () => {
    expect(readSettings({ HOST: '0.0.0.0' }).exposedWithoutAuth).toBe(true);
    expect(readSettings({ HOST: '::' }).exposedWithoutAuth).toBe(true);
    for (const host of ['127.0.0.1', '127.0.1.1', 'localhost', '::1']) {
      expect(readSettings({ HOST: host }).exposedWithoutAuth).toBe(false);
    }
    expect(readSettings({}).exposedWithoutAuth).toBe(false);
    expect(readSettings({ HOST: '0.0.0.0', PAYBRIDGE_AUTH_ENABLED: 'true' }).exposedWithoutAuth).toBe(false);
  });

  it('refuses settings that cannot work', () => {
    expect(() => readSettings({ PAYBRIDGE_AUTH_JWKS_URL: 'https://idp.example/keys' })).toThrow(
      /PAYBRIDGE_AUTH_ISSUER/,
    );
    expect(() => readSettings({ PAYBRIDGE_AUTH_ISSUER: 'not a url' })).toThrow(/PAYBRIDGE_AUTH_ISSUER/);
    expect(() => readSettings({ PAYBRIDGE_AUTH_ISSUER: 'http://localhost:8080/' })).toThrow(
      /built-in issuer/,
    );
    expect(() => readSettings({ PAYBRIDGE_AUTH_TOKEN_TTL: '48h' })).toThrow(/between 1s and 24h/);
    expect(() => readSettings({ PAYBRIDGE_AUTH_ENABLED: 'yes' })).toThrow(/PAYBRIDGE_AUTH_ENABLED/);
  });

  async function startLogged(env: Record<string, string>) {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const service = await startTestService(env, { logger: createLogger({ logLevel: 'info' }, sink) });
    await service.stop();
    return lines.map((line) => JSON.parse(line) as { level: number; msg: string });
  }

  it('warns at start that the API is open when HOST is not loopback and auth is off', async () => {
    const logged = await startLogged({ HOST: '0.0.0.0' });
    const warnings = logged.filter((line) => line.level === 40 && /open to anyone/.test(line.msg));
    expect(warnings).toHaveLength(1);
  });

  it('does not warn on loopback, nor with auth on', async () => {
    const envs: Record<string, string>[] = [
      { HOST: '127.0.0.1' },
      { HOST: '0.0.0.0', PAYBRIDGE_AUTH_ENABLED: 'true' },
    ];
    for (const env of envs) {
      const logged = await startLogged(env);
      expect(logged.some((line) => line.msg === 'paybridge API listening')).toBe(true);
      expect(logged.filter((line) => /open to anyone/.test(line.msg))).toEqual([]);
    }
  });
});

/** semver 2.0.0 precedence (§11): build metadata ignored, a pre-release below its release. */
function compareSemver(a: string, b: string): number {
  const parse = (text: string) => {
    const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text);
    if (!match) throw new Error(`not semver: ${text}`);
    return { core: [1, 2, 3].map((i) => Number(match[i])), pre: match[4]?.split('.') ?? [] };
  };
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return (x.core[i] ?? 0) - (y.core[i] ?? 0);
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const [p, q] = [x.pre[i] ?? '', y.pre[i] ?? ''];
    if (p === q) continue;
    const [pn, qn] = [/^\d+$/.test(p), /^\d+$/.test(q)];
    if (pn && qn) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return x.pre.length - y.pre.length;
}

describe('_info', () => {
  let service: TestService;
  const version = (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  beforeAll(async () => {
    service = await startTestService({ PAYBRIDGE_AUTH_ENABLED: 'true' });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('compares versions as semver does (the comparison the next test relies on)', () => {
    expect(compareSemver('3.0.0', '3.0.0-rc.1')).toBeGreaterThan(0);
    expect(compareSemver('3.0.0-rc.2', '3.0.0-rc.10')).toBeLessThan(0);
    expect(compareSemver('2.9.9', '3.0.0-rc.1')).toBeLessThan(0);
    expect(compareSemver('3.0.0+x.1', '3.0.0+y.2')).toBe(0);
    expect(compareSemver('v3.0.0-rc.1', '3.0.0-beta.9')).toBeGreaterThan(0);
  });

  it.each(['/_info', '/api/payments/_info'])(
    'answers %s without a token, with a semver version fctl reads as v3 and the Paybridge version',
    async (path) => {
      const response = await fetch(`${service.url}${path}`);
      expect(response.status).toBe(200);
      const info = (await response.json()) as { version: string; paybridgeVersion: string; debug: boolean };
      expect(info).toEqual({ version: `3.0.0+paybridge.${version}`, paybridgeVersion: version, debug: true });
      // fctl prefixes "v" and needs >= v3.0.0-rc.1.
      expect(compareSemver(`v${info.version}`, 'v3.0.0-rc.1')).toBeGreaterThanOrEqual(0);
    },
  );
});
