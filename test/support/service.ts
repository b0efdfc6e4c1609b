// Starts a real Paybridge process-in-a-test (API + worker) on a fresh PostgreSQL database.
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { type Logger, pino } from 'pino';
import { type Paybridge, startPaybridge } from '../../src/app.js';
import { readSettings } from '../../src/settings.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestService {
  paybridge: Paybridge;
  url: string;
  database: TestDatabase;
  stop(): Promise<void>;
}

export interface TestServiceOptions {
  /** The service's logger, for tests that read what it logs (default: silent, or TEST_LOG_LEVEL). */
  logger?: Logger;
}

/**
 * Environment overrides go through the same settings parser as production. Polling limits default to
 * values that let a test see several cycles in a few seconds. Debug mode is on (DummyPay installs), and
 * DummyPay directories may be anywhere under the temp folder, where tests create them.
 */
export async function startTestService(
  env: Record<string, string> = {},
  options: TestServiceOptions = {},
): Promise<TestService> {
  const database = await createTestDatabase();
  const settings = readSettings({
    DATABASE_URL: database.url,
    PAYBRIDGE_ENCRYPTION_KEY: 'test-key-not-for-production',
    PAYBRIDGE_POLLING_PERIOD_DEFAULT: '2s',
    PAYBRIDGE_POLLING_PERIOD_MINIMUM: '500ms',
    PAYBRIDGE_DEBUG: 'true',
    PAYBRIDGE_DUMMYPAY_ROOT: tmpdir(),
    PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  });
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const paybridge = await startPaybridge(settings, { api: true, worker: true }, logger);
  return {
    paybridge,
    url: paybridge.url ?? '',
    database,
    async stop() {
      await paybridge.stop();
      await database.drop();
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A port nobody listens on right now, so a service's public URL can be known before it starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
