// Composes a Paybridge process: database, migrations, keyring, job queue, and the API and/or worker roles.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { buildServer } from './api/server.js';
import { loadConnectors } from './connectors/load.js';
import { runRemoval } from './engine/lifecycle/removal.js';
import { backgroundJobSource } from './engine/execution/background-jobs.js';
import { runClaimLoop } from './engine/execution/loop.js';
import { runBankAccountForward } from './engine/money-movement/bank-accounts.js';
import {
  runPaymentServiceUserConnectorDeletion,
  runPaymentServiceUserDeletion,
} from './engine/money-movement/payment-service-user-connectors.js';
import type { EngineDeps } from './engine/deps.js';
import { Wakeups } from './engine/execution/wakeups.js';
import {
  deleteOldWebhooks,
  WEBHOOK_SLOTS,
  WEBHOOK_SWEEP_MS,
  WebhookWorker,
} from './engine/webhooks/webhooks.js';
import { initiationSource } from './engine/money-movement/initiation-runner.js';
import { deleteSentEvents } from './events/outbox.js';
import { EventPublisher } from './events/publisher.js';
import { type EventSink, HttpSink, NatsSink } from './events/sinks.js';
import { runScheduleLoop } from './engine/ingestion/sync-run.js';
import { generateKeyText, Keyring, keyFromText } from './security/encryption.js';
import { ExternalIssuer } from './security/external-issuer.js';
import { SigningKeys } from './security/signing-keys.js';
import { type BuiltInIssuer, TokenVerifier } from './security/tokens.js';
import { deleteOldAuditRecords } from './storage/audit.js';
import { deleteFinishedJobs } from './storage/background-jobs.js';
import { createLogger } from './observability/logging.js';
import type { Settings } from './settings.js';
import { openDatabase } from './storage/db.js';
import { migrate } from './storage/migrate.js';
import { deleteOldRuns } from './storage/schedules.js';
import { VERSION } from './version.js';

/**
 * Longest sleep of the movements and jobs loops without a notification: the delay of work whose
 * notification was lost. Work due later (a backoff, the next housekeeping) wakes its loop on time.
 */
const MOVEMENT_SWEEP_MS = 10_000;

/**
 * The worker's claim loops for money movement and the background-job table (bank-account forwards, PSU
 * deletions, connector removal, and the housekeeping one worker runs each minute). Resolve once stopped.
 */
function startMovementLoops(deps: EngineDeps, settings: Settings): Promise<void>[] {
  const options = { sweepMs: MOVEMENT_SWEEP_MS, wakeups: deps.wakeups, logger: deps.logger };
  const jobs = backgroundJobSource(deps, {
    'bank-account-forward': (job) => runBankAccountForward(deps, job),
    'psu-connector-deletion': (job) => runPaymentServiceUserConnectorDeletion(deps, job),
    'psu-deletion': (job) => runPaymentServiceUserDeletion(deps, job),
    removal: (job) =>
      runRemoval(deps, { connectorId: job.connectorId, taskId: job.id, reinstall: job.reinstall }),
    housekeeping: async () => {
      await deleteOldWebhooks(deps);
      await deleteSentEvents(deps.db, settings.outboxRetentionMs);
      await deleteOldRuns(deps.db, settings.runHistoryRetentionMs);
      await deleteOldAuditRecords(deps.db, settings.auditRetentionMs);
      await deleteFinishedJobs(deps.db, settings.runHistoryRetentionMs);
    },
  });
  return [
    runClaimLoop(initiationSource(deps), { ...options, concurrency: settings.workerConcurrency }),
    // Removals and forwards are rare and heavy: a few at a time.
    runClaimLoop(jobs, { ...options, concurrency: Math.min(settings.workerConcurrency, 4) }),
  ];
}

export interface Roles {
  api: boolean;
  worker: boolean;
}

export interface Paybridge {
  deps: EngineDeps;
  /** The bound address of the API (when the API role runs). */
  url?: string;
  stop(): Promise<void>;
}

// The process logger lives with the rest of the logging rules; re-exported where callers always found it.
export { createLogger };

/** The embedded database keeps its own key beside it, created on first start. */
async function embeddedKey(dataDir: string, logger: Logger): Promise<string> {
  const path = join(dataDir, 'encryption.key');
  if (existsSync(path)) return (await readFile(path, 'utf8')).trim();
  await mkdir(dataDir, { recursive: true });
  const key = generateKeyText();
  await writeFile(path, `${key}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  logger.warn(
    { path },
    'generated an encryption key for the embedded database; back it up with the data directory',
  );
  return key;
}

/** The event destinations the settings name; none means events stay in the outbox. */
async function eventSinks(settings: Settings): Promise<EventSink[]> {
  const sinks: EventSink[] = [];
  if (settings.nats) sinks.push(await NatsSink.connect(settings.nats));
  if (settings.eventsHttp) sinks.push(new HttpSink(settings.eventsHttp.url, settings.eventsHttp.secret));
  return sinks;
}

/** The keyring sealing secrets at rest: the configured key, or the embedded database's own. */
export async function openKeyring(settings: Settings, logger: Logger): Promise<Keyring> {
  const keyText = settings.encryptionKey ?? (await embeddedKey(settings.dataDir, logger));
  return new Keyring(keyFromText(keyText), settings.previousEncryptionKeys.map(keyFromText));
}

/** What the API needs to check tokens when auth is on; the first start creates the signing key. */
async function authentication(settings: Settings, deps: EngineDeps) {
  const auth = settings.auth;
  const keys = new SigningKeys(deps.db, deps.keyring, auth.tokenTtlMs);
  if (await keys.ensureActive()) deps.logger.info('created the first token signing key');
  const builtIn: BuiltInIssuer = {
    issuer: auth.issuer,
    // RFC 8707 names a resource server by its URL: a token is for this service unless an audience is set.
    audience: auth.audience ?? auth.issuer,
    keys,
    tokenTtlMs: auth.tokenTtlMs,
  };
  const external = auth.external
    ? new ExternalIssuer(auth.external, auth.jwksRefreshFloorMs, deps.logger)
    : undefined;
  const verifier = new TokenVerifier({
    builtIn,
    ...(external ? { external } : {}),
    ...(auth.audience === undefined ? {} : { audience: auth.audience }),
    db: deps.db,
  });
  return {
    verifier,
    builtIn,
    checkScopes: auth.checkScopes,
    metricsPublic: auth.metricsPublic,
    tokenRateLimit: auth.tokenRateLimit,
  };
}

export async function startPaybridge(
  settings: Settings,
  roles: Roles,
  logger = createLogger(settings),
): Promise<Paybridge> {
  await loadConnectors();
  const database = await openDatabase({ url: settings.databaseUrl, dataDir: settings.dataDir });
  const applied = await migrate(database.db);
  if (applied.length > 0) logger.info({ applied }, 'database migrated');
  const keyring = await openKeyring(settings, logger);
  // Only a worker waits for work; an API-only process signals it (NOTIFY) without listening.
  const wakeups = await Wakeups.start(roles.worker ? database : undefined, logger);
  const deps: EngineDeps = {
    db: database.db,
    wakeups,
    keyring,
    logger,
    limits: {
      pollingPeriodDefaultMs: settings.pollingPeriodDefaultMs,
      pollingPeriodMinimumMs: settings.pollingPeriodMinimumMs,
    },
    commitBatchItems: settings.commitBatchItems,
    leaseMs: settings.runLeaseMs,
    pauseAfterFailures: settings.pauseAfterFailures,
    initiations: settings.initiations,
    publicUrl: settings.publicUrl,
    webhooks: { retentionMs: settings.webhooks.retentionMs, unverifiedMax: settings.webhooks.unverifiedMax },
    // Per process and passed explicitly (not a global), so two services in one process (tests) differ.
    connectors: {
      debug: settings.debug,
      fileRoot: settings.dummyPayRoot,
      outbound: { allow: settings.connectorEndpointsAllow },
    },
  };

  // Every kind of work is claimed in batches from its own table, woken by NOTIFY: schedules (an expired
  // lease included, so a dead worker's run is taken over by the claim itself, pages committed in groups),
  // webhook deliveries, payment initiations and the background jobs.
  const loops: Promise<void>[] = [];
  if (roles.worker) {
    loops.push(runScheduleLoop(deps, settings.workerConcurrency));
    loops.push(
      runClaimLoop(new WebhookWorker(deps), {
        concurrency: Math.max(WEBHOOK_SLOTS, settings.workerConcurrency),
        sweepMs: WEBHOOK_SWEEP_MS,
        wakeups,
        logger,
      }),
    );
    loops.push(...startMovementLoops(deps, settings));
  }

  const sinks = roles.worker ? await eventSinks(settings) : [];
  const publisher =
    sinks.length > 0 ? EventPublisher.start(database.db, logger, sinks, { wakeups }) : undefined;

  let server: Awaited<ReturnType<typeof buildServer>> | undefined;
  let url: string | undefined;
  if (roles.api) {
    server = await buildServer(deps, {
      debug: settings.debug,
      version: VERSION,
      logger,
      trustProxy: settings.trustProxy,
      webhooks: {
        maxBytes: settings.webhooks.maxBytes,
        perSource: settings.webhooks.ratePerSource,
        perConnector: settings.webhooks.ratePerConnector,
      },
      ...(settings.auth.enabled ? { auth: await authentication(settings, deps) } : {}),
    });
    url = await server.listen({ port: settings.port, host: settings.host });
    logger.info({ url, embedded: database.embedded, auth: settings.auth.enabled }, 'paybridge API listening');
    if (settings.exposedWithoutAuth) {
      logger.warn(
        { host: settings.host },
        'authentication is off and HOST is not a loopback address: the API is open to anyone who can reach it ' +
          '(set PAYBRIDGE_AUTH_ENABLED=true, or listen on 127.0.0.1)',
      );
    }
  }

  return {
    deps,
    url,
    async stop() {
      await server?.close();
      await publisher?.stop();
      await wakeups.stop();
      await Promise.all(loops);
      await database.close();
    },
  };
}
