// The embedded default: no DATABASE_URL, PGlite under the data directory, same migrations and SQL.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPaybridge } from '../src/app.js';
import { parseJson } from '../src/domain/json.js';
import { readSettings } from '../src/settings.js';
import { writeDummyPayDirectory } from './support/dummypay-fixtures.js';
import { eventually } from './support/service.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pb-embedded-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const settings = () =>
  readSettings({
    PAYBRIDGE_DATA_DIR: join(root, 'data'),
    // DummyPay is a test double: installable in debug mode only, from a directory under its root.
    PAYBRIDGE_DEBUG: 'true',
    PAYBRIDGE_DUMMYPAY_ROOT: root,
    PORT: '0',
    HOST: '127.0.0.1',
    PAYBRIDGE_POLLING_PERIOD_MINIMUM: '1s',
  });

async function get(url: string) {
  return parseJson(await (await fetch(url)).text()) as { cursor: { data: { reference: string }[] } };
}

it('ingests DummyPay on the embedded database and keeps data and key across restarts', async () => {
  const dir = join(root, 'psp');
  const data = await writeDummyPayDirectory(dir, { accounts: 5, payments: 20, seed: 3 });
  const logger = pino({ level: 'silent' });
  const first = await startPaybridge(settings(), { api: true, worker: true }, logger);
  try {
    const keyFile = join(root, 'data', 'encryption.key');
    expect(existsSync(keyFile)).toBe(true);
    expect((await stat(keyFile)).mode & 0o077).toBe(0);
    const installed = await fetch(`${first.url}/v3/connectors/install/dummypay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'embedded', directory: dir, pollingPeriod: '1s' }),
    });
    expect(installed.status).toBe(202);
    await eventually(
      async () => {
        const page = await get(`${first.url}/v3/payments?pageSize=100`);
        return page.cursor.data.length === data.payments.length ? true : undefined;
      },
      30_000,
      'payments ingested',
    );
  } finally {
    await first.stop();
  }

  const second = await startPaybridge(settings(), { api: true, worker: false }, logger);
  try {
    const internal = encodeURIComponent(JSON.stringify({ $match: { type: 'INTERNAL' } }));
    const accounts = await get(`${second.url}/v3/accounts?pageSize=100&query=${internal}`);
    expect(accounts.cursor.data.map((a) => a.reference).sort()).toEqual(
      data.accounts.map((a) => a.id).sort(),
    );
    // The config was encrypted with the key kept in the data directory, so it still decrypts.
    const connectors = (await get(`${second.url}/v3/connectors`)) as unknown as {
      cursor: { data: { config: { directory: string } }[] };
    };
    expect(connectors.cursor.data[0]?.config.directory).toBe(dir);
  } finally {
    await second.stop();
  }
});
