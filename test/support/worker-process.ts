// Starts a `paybridge worker` process (the built CLI) on a test database, for tests that kill workers.
import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/**
 * The worker uses the test engine's encryption key (`test`), a 2 s run lease so a killed worker's work
 * is taken over quickly, the test engine's DummyPay root (the temp folder), and any `env` on top. Its stderr goes to the test's.
 */
export function spawnWorker(databaseUrl: string, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [CLI, 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PAYBRIDGE_ENCRYPTION_KEY: 'test',
      PAYBRIDGE_POLLING_PERIOD_DEFAULT: '1h',
      PAYBRIDGE_POLLING_PERIOD_MINIMUM: '1s',
      PAYBRIDGE_RUN_LEASE: '2s',
      PAYBRIDGE_DUMMYPAY_ROOT: tmpdir(),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
