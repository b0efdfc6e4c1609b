// Several API processes starting at once on a fresh database with auth on create exactly one signing key,
// and any of them verifies the tokens another issued.
import { pino } from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Paybridge, startPaybridge } from '../../src/app.js';
import { readSettings } from '../../src/settings.js';
import { call, createClient, fetchToken } from '../support/auth.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
const started: Paybridge[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(started.map((paybridge) => paybridge.stop()));
  await database?.drop();
});

it('creates one signing key when three processes start together, and shares it', async () => {
  const settings = readSettings({
    DATABASE_URL: database.url,
    PAYBRIDGE_ENCRYPTION_KEY: 'test-key-not-for-production',
    PAYBRIDGE_AUTH_ENABLED: 'true',
    PAYBRIDGE_PUBLIC_URL: 'http://paybridge.test',
    PORT: '0',
    HOST: '127.0.0.1',
  });
  const logger = pino({ level: 'silent' });
  started.push(
    ...(await Promise.all(
      [0, 1, 2].map(() => startPaybridge(settings, { api: true, worker: false }, logger)),
    )),
  );
  const keys = await sql<{ kid: string }>`SELECT kid FROM auth_signing_keys`.execute(started[0]!.deps.db);
  expect(keys.rows).toHaveLength(1);

  const urls = started.map((paybridge) => paybridge.url ?? '');
  for (const url of urls) {
    const jwks = (await call(url, '/.well-known/jwks.json')).body as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual([keys.rows[0]?.kid]);
  }
  const client = await createClient(
    { database: { url: database.url, drop: async () => undefined } } as never,
    'shared',
  );
  const token = await fetchToken(urls[0] ?? '', client);
  for (const url of urls) expect((await call(url, '/v3/connectors', { token })).status).toBe(200);
});
