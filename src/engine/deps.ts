// What the engine's parts share: the database, the job queue, the keyring, settings and the logger.
import type { Logger } from 'pino';
import type { OutboundPolicy } from '../connectors/sdk/outbound.js';
import type { Keyring } from '../security/encryption.js';
import type { Db } from '../storage/db.js';
import type { Wakeups } from './execution/wakeups.js';
import type { PollingLimits } from './lifecycle/connector-config.js';

export interface EngineDeps {
  db: Db;
  /** What the worker's claim loops wait on (notifications of new work, the stop). */
  wakeups: Wakeups;
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
  initiations: InitiationTimings;
  /** Where PSPs reach this service (webhook URLs registered at PSPs start with it). */
  publicUrl: string;
  webhooks: {
    retentionMs: number;
    /** Per connector that verifies over the network: deliveries stored and not yet verified (429 beyond). */
    unverifiedMax: number;
  };
  connectors: ConnectorPolicy;
}

/** What connectors may be and do in this process, from the settings. */
export interface ConnectorPolicy {
  /** Test doubles (registrations marked `hidden`, DummyPay) may be installed only in debug mode. */
  debug: boolean;
  /** PAYBRIDGE_DUMMYPAY_ROOT: the tree file-backed connectors may use (ConnectorContext.fileRoot). */
  fileRoot: string;
  /** Where connectors may send requests, and whether callers see the answers of internal hosts. */
  outbound: OutboundPolicy;
}

/** How the worker paces the PSP calls of payment initiations, reversals and bank-account forwards. */
export interface InitiationTimings {
  /**
   * The backoff's base (retry.ts): the first poll of a status, or retry of a call whose outcome is
   * unknown, comes after a random delay up to this; the ceiling doubles with each try.
   */
  retryMinMs: number;
  /** The cap of the backoff: the longest delay between two tries (unless the PSP asks for longer). */
  retryMaxMs: number;
  /**
   * How long an unknown outcome (or a status that never becomes final) is chased before the step gives
   * up visibly: the task fails with the reason, the initiation keeps its status (never FAILED on a guess).
   */
  deadlineMs: number;
}
