// The job queue (pg-boss, in the same database): queue names, transactional enqueueing and workers.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { type Db, jobDatabase } from '../../storage/db.js';

export const SYNC_QUEUE = 'paybridge-sync';
export const REMOVAL_QUEUE = 'paybridge-removal';
export const SWEEP_QUEUE = 'paybridge-sweep';
/**
 * Money movement and other PSP writes: one job wakes the worker for one payment initiation, bank-account
 * forward, or deletion of a payment service user at its connectors.
 */
export const MOVEMENT_QUEUE = 'paybridge-movement';
/** One job per webhook delivery: verify, split, translate and store it. */
export const WEBHOOK_QUEUE = 'paybridge-webhook';

const BOSS_START_LOCK = 0x70626273; // "pbbs"

/** How often an idle job slot looks for work. */
const IDLE_POLL_MS = 250;

export interface WebhookJob {
  webhookId: string;
}
export interface SyncJob {
  scheduleId: string;
}
/**
 * Only ids (and a try count): what to do is read from the rows, so no secret or stale copy ever sits
 * in a job. `id` is the singleton key: one queued wake-up per initiation, or per task.
 */
export type MovementJob =
  | { kind: 'initiation'; id: string }
  | {
      kind: 'bank-account-forward';
      id: string;
      bankAccountId: string;
      connectorId: string;
      tries: number;
      firstTryAt: string;
    }
  | {
      /** Deletes the user at one connector it was forwarded to, then the link. */
      kind: 'psu-connector-deletion';
      id: string;
      psuId: string;
      connectorId: string;
      tries: number;
      firstTryAt: string;
    }
  | {
      /** Deletes the user at every connector it was forwarded to, then the payment service user. */
      kind: 'psu-deletion';
      id: string;
      psuId: string;
      tries: number;
      firstTryAt: string;
    };
/** Removes a connector (uninstall), or replaces it with a fresh one first (reset). */
export interface RemovalJob {
  connectorId: string;
  taskId: string;
  reinstall: boolean;
}

const asJobDb = (db: Db): PgBoss.Db => jobDatabase(db as Kysely<unknown>);

async function createQueues(boss: PgBoss): Promise<void> {
  // "short": at most one queued run per schedule, so a slow schedule never piles up runs. Overlap is
  // prevented by the schedule lease, not by the queue.
  await boss.createQueue(SYNC_QUEUE, {
    name: SYNC_QUEUE,
    policy: 'short',
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 600,
  });
  await boss.createQueue(REMOVAL_QUEUE, {
    name: REMOVAL_QUEUE,
    policy: 'standard',
    retryLimit: 10,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 3600,
  });
  // At most one queued wake-up per initiation; the row's lease keeps two workers off one PSP call.
  await boss.createQueue(MOVEMENT_QUEUE, {
    name: MOVEMENT_QUEUE,
    policy: 'short',
    retryLimit: 10,
    retryDelay: 2,
    retryBackoff: true,
    expireInSeconds: 900,
  });
  // At most one queued job per delivery: the sweeper's re-queue of a delivery still waiting is a no-op.
  await boss.createQueue(WEBHOOK_QUEUE, {
    name: WEBHOOK_QUEUE,
    policy: 'short',
    retryLimit: 10,
    retryDelay: 1,
    retryBackoff: true,
    expireInSeconds: 300,
  });
  await boss.createQueue(SWEEP_QUEUE, {
    name: SWEEP_QUEUE,
    policy: 'short',
    retryLimit: 0,
    expireInSeconds: 300,
  });
}

/**
 * Wraps pg-boss. Every enqueue takes the database handle to run on, so jobs created by a page commit
 * land in the same transaction as the page's rows.
 */
export class JobQueue {
  readonly #boss: PgBoss;
  readonly #logger: Logger;
  readonly #slots: Promise<void>[] = [];
  readonly #stopping = new AbortController();

  private constructor(boss: PgBoss, logger: Logger) {
    this.#boss = boss;
    this.#logger = logger;
    // Every idle job slot waits on this one signal; there are more slots than Node's default of 10.
    setMaxListeners(0, this.#stopping.signal);
  }

  static async start(db: Db, logger: Logger, options: { supervise: boolean }): Promise<JobQueue> {
    const boss = new PgBoss({
      db: asJobDb(db),
      schema: 'pgboss',
      supervise: options.supervise,
      schedule: options.supervise,
      migrate: true,
    });
    boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
    // pg-boss installs its schema and queue tables on first start (DDL), and processes starting together
    // on a fresh database collide or deadlock while doing so: set up one process at a time.
    await db.connection().execute(async (connection) => {
      await sql`SELECT pg_advisory_lock(${BOSS_START_LOCK})`.execute(connection);
      try {
        await boss.start();
        await createQueues(boss);
        // pg-boss evaluates the cron once across all processes and queues one sweep a minute.
        if (options.supervise) await boss.schedule(SWEEP_QUEUE, '* * * * *');
      } finally {
        await sql`SELECT pg_advisory_unlock(${BOSS_START_LOCK})`.execute(connection);
      }
    });
    return new JobQueue(boss, logger);
  }

  /** Queues one run of a schedule at `at` (now when omitted). A run already queued makes this a no-op. */
  async enqueueRun(db: Db, scheduleId: string, at?: Date): Promise<void> {
    await this.#boss.send(SYNC_QUEUE, { scheduleId } satisfies SyncJob, {
      singletonKey: scheduleId,
      ...(at ? { startAfter: at } : {}),
      db: asJobDb(db),
    });
  }

  /** Queues an immediate run of each schedule in one statement. */
  async enqueueRuns(db: Db, scheduleIds: string[]): Promise<void> {
    if (scheduleIds.length === 0) return;
    await this.#boss.insert(
      scheduleIds.map((scheduleId) => ({ name: SYNC_QUEUE, data: { scheduleId }, singletonKey: scheduleId })),
      { db: asJobDb(db) },
    );
  }

  /**
   * Brings the queued runs of a connector's schedules forward to `at` at the latest (after its polling
   * period was shortened). pg-boss cannot look jobs up by key, so this updates its job table directly.
   */
  async bringRunsForward(db: Db, connectorId: string, at: Date): Promise<void> {
    await sql`
      UPDATE pgboss.job SET start_after = ${at.toISOString()}::timestamptz
      WHERE name = ${SYNC_QUEUE} AND state = 'created' AND start_after > ${at.toISOString()}::timestamptz
        AND singleton_key IN (SELECT id FROM schedules WHERE connector_id = ${connectorId} AND periodic)`.execute(
      db,
    );
  }

  /** Wakes the worker for one money movement at `at` (now when omitted); a queued wake-up makes it a no-op. */
  async enqueueMovement(db: Db, job: MovementJob, at?: Date): Promise<void> {
    await this.#boss.send(MOVEMENT_QUEUE, job, {
      singletonKey: `${job.kind}:${job.id}`,
      ...(at ? { startAfter: at } : {}),
      db: asJobDb(db),
    });
  }

  async enqueueWebhook(db: Db, webhookId: string): Promise<void> {
    await this.#boss.send(WEBHOOK_QUEUE, { webhookId } satisfies WebhookJob, {
      singletonKey: webhookId,
      db: asJobDb(db),
    });
  }

  /** Queues the processing of several deliveries in one statement (deliveries already queued are skipped). */
  async enqueueWebhooks(db: Db, webhookIds: string[]): Promise<void> {
    if (webhookIds.length === 0) return;
    await this.#boss.insert(
      webhookIds.map((webhookId) => ({
        name: WEBHOOK_QUEUE,
        data: { webhookId } satisfies WebhookJob,
        singletonKey: webhookId,
      })),
      { db: asJobDb(db) },
    );
  }

  async enqueueRemoval(db: Db, job: RemovalJob): Promise<void> {
    await this.#boss.send(REMOVAL_QUEUE, job, { db: asJobDb(db) });
  }

  /**
   * Runs `concurrency` job slots on a queue. Each slot fetches its next job as soon as it is free and
   * only sleeps when the queue is empty: pg-boss's own worker waits a polling interval after every
   * fetch, which would cap a slot at two runs a second however long the queue.
   */
  work<T extends object>(queue: string, concurrency: number, handler: (data: T) => Promise<void>): void {
    for (let i = 0; i < concurrency; i++) this.#slots.push(this.#slot(queue, handler));
  }

  async #slot<T extends object>(queue: string, handler: (data: T) => Promise<void>): Promise<void> {
    while (!this.#stopping.signal.aborted) {
      try {
        const [job] = await this.#boss.fetch<T>(queue, { batchSize: 1 });
        if (!job) {
          await sleep(IDLE_POLL_MS, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
          continue;
        }
        try {
          await handler(job.data);
          await this.#boss.complete(queue, job.id);
        } catch (error) {
          this.#logger.error({ err: error, queue, jobId: job.id }, 'job failed; pg-boss will retry it');
          await this.#boss.fail(queue, job.id, {
            message: error instanceof Error ? error.message : String(error),
          });
        }
      } catch (error) {
        // The database is unreachable or the queue errored: back off, then try again.
        this.#logger.error({ err: error, queue }, 'job slot error');
        await sleep(IDLE_POLL_MS * 4, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
      }
    }
  }

  /** Lets running jobs finish, then stops pg-boss. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await Promise.all(this.#slots);
    await this.#boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}
