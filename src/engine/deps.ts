// What the engine's parts share: the database, the job queue, the keyring, settings and the logger.
import type { Logger } from 'pino';
import type { Keyring } from '../security/encryption.js';
import type { Db } from '../storage/db.js';
import type { JobQueue } from './jobs.js';
import type { PollingLimits } from './connector-config.js';

export interface EngineDeps {
  db: Db;
  jobs: JobQueue;
  keyring: Keyring;
  logger: Logger;
  limits: PollingLimits;
  /** Consecutive fetched pages are committed together up to this many items (1: every page alone). */
  commitBatchItems: number;
  /**
   * How long a run holds its schedule without committing before it counts as dead and another worker
   * may take over. Every commit renews it; it must exceed the slowest single PSP call.
   */
  leaseMs: number;
  /** Consecutive failed runs after which a schedule pauses. */
  pauseAfterFailures: number;
}
