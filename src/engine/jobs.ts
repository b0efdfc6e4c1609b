// The job queue (pg-boss, in the same database): queue names, transactional enqueueing and workers.
import PgBoss from 'pg-boss';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { type Db, jobDatabase } from '../storage/db.js';

export const SYNC_QUEUE = 'paybridge-sync';
export const UNINSTALL_QUEUE = 'paybridge-uninstall';

export interface SyncJob {
  scheduleId: string;
}
export interface UninstallJob {
  connectorId: string;
  taskId: string;
}

const asJobDb = (db: Kysely<unknown> | Db) => jobDatabase(db as Kysely<unknown>) as unknown as PgBoss.Db;

/**
 * Wraps pg-boss. Every enqueue takes the database handle to run on, so jobs created by a page commit
 * land in the same transaction as the page's rows.
 */
export class JobQueue {
  readonly #boss: PgBoss;

  private constructor(boss: PgBoss) {
    this.#boss = boss;
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
    await boss.start();
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
    await boss.createQueue(UNINSTALL_QUEUE, {
      name: UNINSTALL_QUEUE,
      policy: 'standard',
      retryLimit: 10,
      retryDelay: 5,
      retryBackoff: true,
      expireInSeconds: 3600,
    });
    return new JobQueue(boss);
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

  async enqueueUninstall(db: Db, job: UninstallJob): Promise<void> {
    await this.#boss.send(UNINSTALL_QUEUE, job, { db: asJobDb(db) });
  }

  async work<T extends object>(
    queue: string,
    concurrency: number,
    handler: (data: T, jobId: string) => Promise<void>,
  ): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      await this.#boss.work<T>(queue, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const job of jobs) await handler(job.data, job.id);
      });
    }
  }

  async stop(): Promise<void> {
    await this.#boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}
