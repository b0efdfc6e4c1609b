// Two service processes share one database and one connector: every PSP call happens exactly once in all.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseJson } from '../../src/domain/json.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { eventually } from '../support/service.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const ACCOUNTS = 150;
const PAYMENTS = 1000;

let database: TestDatabase;
let dir: string;
const processes: ChildProcess[] = [];

/** Starts `paybridge start` and resolves with its API URL, read from its start-up log line. */
function startService(): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'start'], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      PAYBRIDGE_ENCRYPTION_KEY: 'shared-test-key',
      PAYBRIDGE_POLLING_PERIOD_MINIMUM: '1s',
      PAYBRIDGE_WORKER_CONCURRENCY: '2',
      PAYBRIDGE_COMMIT_BATCH_ITEMS: '25',
      // DummyPay is a test double: installable in debug mode only, from a directory under its root.
      PAYBRIDGE_DEBUG: 'true',
      PAYBRIDGE_DUMMYPAY_ROOT: tmpdir(),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  processes.push(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`service exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'paybridge API listening' && entry.url) resolve(entry.url);
    });
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'pb-two-'));
  await writeDummyPayDirectory(dir, { accounts: ACCOUNTS, externalAccounts: 0, payments: PAYMENTS, seed: 4 });
});
afterAll(async () => {
  for (const child of processes) child.kill('SIGKILL');
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function pspCalls(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const calls: Record<string, number> = {};
  for (const match of text.matchAll(
    /paybridge_psp_calls_total\{provider="dummypay",connector="[^"]+",method="(\w+)",outcome="ok"\} (\d+)/g,
  )) {
    calls[match[1] as string] = Number(match[2]);
  }
  return calls;
}

it('splits the work between two processes without doing any of it twice', async () => {
  const [a, b] = await Promise.all([startService(), startService()]);
  const installed = await fetch(`${a}/v3/connectors/install/dummypay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'shared', directory: dir, pollingPeriod: '1h' }),
  });
  expect(installed.status).toBe(202);

  // One polling cycle: every schedule (3 roots, one balances schedule per account) runs once.
  await eventually(
    async () => {
      const [ca, cb] = await Promise.all([pspCalls(a), pspCalls(b)]);
      const balances = (ca.FETCH_BALANCES ?? 0) + (cb.FETCH_BALANCES ?? 0);
      const payments = (await fetch(`${b}/v3/payments?pageSize=1`)).ok;
      return balances >= ACCOUNTS && payments ? true : undefined;
    },
    60_000,
    'one polling cycle',
  );
  await new Promise((resolve) => setTimeout(resolve, 1500)); // anything done twice would show up by now
  const [ca, cb] = await Promise.all([pspCalls(a), pspCalls(b)]);
  const total = (method: string) => (ca[method] ?? 0) + (cb[method] ?? 0);
  expect(total('FETCH_BALANCES')).toBe(ACCOUNTS); // each account's balances fetched exactly once
  expect(total('FETCH_ACCOUNTS')).toBe(ACCOUNTS / 25); // one pass of 25-account pages
  expect(total('FETCH_PAYMENTS')).toBe(PAYMENTS / 25);
  expect(ca.FETCH_BALANCES ?? 0).toBeGreaterThan(0); // and both processes took part
  expect(cb.FETCH_BALANCES ?? 0).toBeGreaterThan(0);

  const page = parseJson(await (await fetch(`${a}/v3/payments?pageSize=1`)).text()) as {
    cursor: { hasMore: boolean };
  };
  expect(page.cursor.hasMore).toBe(true);
});
