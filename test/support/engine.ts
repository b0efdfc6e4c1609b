// The engine without workers, on a fresh PostgreSQL database: tests drive every run themselves.
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import type { EndpointAllowList } from '../../src/connectors/sdk/outbound.js';
import { loadConnectors } from '../../src/connectors/load.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { Wakeups } from '../../src/engine/execution/wakeups.js';
import { Keyring, keyFromText } from '../../src/security/encryption.js';
import { openDatabase } from '../../src/storage/db.js';
import { migrate } from '../../src/storage/migrate.js';
import { createTestDatabase } from './database.js';

export interface TestEngine {
  deps: EngineDeps;
  databaseUrl: string;
  stop(): Promise<void>;
}

export interface TestEngineOptions {
  /** PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW; unset: any host, and internal hosts' answers stay hidden. */
  endpointsAllow?: EndpointAllowList;
}

/** In debug mode (DummyPay installs), with DummyPay directories allowed anywhere under the temp folder. */
export async function startTestEngine(options: TestEngineOptions = {}): Promise<TestEngine> {
  await loadConnectors();
  const database = await createTestDatabase();
  const opened = await openDatabase({ url: database.url, dataDir: '' });
  await migrate(opened.db);
  const logger = pino({ level: 'silent' });
  const deps: EngineDeps = {
    db: opened.db,
    wakeups: await Wakeups.start(opened, logger),
    keyring: new Keyring(keyFromText('test')),
    logger,
    limits: { pollingPeriodDefaultMs: 60_000, pollingPeriodMinimumMs: 1000 },
    // Every page commits on its own, so tests can reason page by page.
    commitBatchItems: 1,
    leaseMs: 60_000,
    pauseAfterFailures: 3,
    initiations: { retryMinMs: 200, retryMaxMs: 2000, deadlineMs: 60_000 },
    publicUrl: 'http://127.0.0.1:8080',
    webhooks: { retentionMs: 7 * 24 * 3600_000, unverifiedMax: 10_000 },
    connectors: { debug: true, fileRoot: tmpdir(), outbound: { allow: options.endpointsAllow } },
  };
  return {
    deps,
    databaseUrl: database.url,
    async stop() {
      await deps.wakeups.stop();
      await opened.close();
      await database.drop();
    },
  };
}
