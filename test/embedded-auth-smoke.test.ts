// Auth on the embedded default (PGlite): a client created by the CLI in the data directory, a token from
// the token endpoint, and a protected route answered with it and refused without it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPaybridge } from '../src/app.js';
import { readSettings } from '../src/settings.js';
import { runCli } from './cli/run-cli.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pb-embedded-auth-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

it('issues tokens and checks them on the embedded database', async () => {
  const dataDir = join(root, 'data');
  // The embedded database is one process's: clients are created while the service is stopped.
  const created = await runCli(['clients', 'create', 'embedded', '--json'], {
    env: { PAYBRIDGE_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' },
  });
  expect(created.code, created.stderr).toBe(0);
  const client = JSON.parse(created.stdout) as { clientId: string; clientSecret: string };

  const settings = readSettings({
    PAYBRIDGE_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    PAYBRIDGE_AUTH_ENABLED: 'true',
  });
  const paybridge = await startPaybridge(settings, { api: true, worker: true }, pino({ level: 'silent' }));
  try {
    const answer = await fetch(`${paybridge.url}/api/auth/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }).toString(),
    });
    expect(answer.status).toBe(200);
    const { access_token: token } = (await answer.json()) as { access_token: string };

    const refused = await fetch(`${paybridge.url}/v3/connectors`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="paybridge"');
    const allowed = await fetch(`${paybridge.url}/v3/connectors`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toMatchObject({ cursor: { data: [] } });
  } finally {
    await paybridge.stop();
  }
});
