// Prometheus metrics: counters the engine bumps as it works, and gauges read from the database at scrape time.
import { sql } from 'kysely';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../storage/db.js';

export const registry = new Registry();

export const pspCalls = new Counter({
  name: 'paybridge_psp_calls_total',
  help: 'Calls to a connector (and so to its PSP), by outcome',
  labelNames: ['provider', 'connector', 'method', 'outcome'] as const,
  registers: [registry],
});

export const pspCallSeconds = new Histogram({
  name: 'paybridge_psp_call_duration_seconds',
  help: 'Duration of calls to a connector (and so to its PSP)',
  labelNames: ['provider', 'connector', 'method'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const pspRequests = new Counter({
  name: 'paybridge_psp_http_requests_total',
  help: 'HTTP requests connectors sent to their PSP, by method and status class (error: no answer)',
  labelNames: ['provider', 'connector', 'method', 'status_class'] as const,
  registers: [registry],
});

export const pspRequestSeconds = new Histogram({
  name: 'paybridge_psp_http_request_duration_seconds',
  help: 'Time from an HTTP request to a PSP until its answer headers (or its failure)',
  labelNames: ['provider', 'connector', 'method'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const pagesCommitted = new Counter({
  name: 'paybridge_pages_committed_total',
  help: 'Fetched pages committed with their rows and cursor',
  labelNames: ['provider', 'task'] as const,
  registers: [registry],
});

export const rowsChanged = new Counter({
  name: 'paybridge_rows_changed_total',
  help: 'Rows inserted or changed by ingestion (unchanged rows are not counted: they are not rewritten)',
  labelNames: ['provider', 'kind'] as const,
  registers: [registry],
});

export const recordsSkipped = new Counter({
  name: 'paybridge_records_skipped_total',
  help: 'PSP records that failed validation and were skipped (the rest of their page was stored)',
  labelNames: ['provider', 'task'] as const,
  registers: [registry],
});

export const runsFailed = new Counter({
  name: 'paybridge_runs_failed_total',
  help: 'Schedule runs that ended in an error',
  labelNames: ['provider', 'task'] as const,
  registers: [registry],
});

let watched: Db | undefined;

/**
 * Gauges that describe the whole deployment, read from the database at scrape time. Registered once
 * per process; they read whichever database was given last.
 */
export function watchDatabase(db: Db): void {
  const first = watched === undefined;
  watched = db;
  if (first) registerDatabaseGauges();
}

async function query<T>(build: (db: Db) => Promise<{ rows: T[] }>): Promise<T[]> {
  return watched ? (await build(watched)).rows : [];
}

function registerDatabaseGauges(): void {
  new Gauge({
    name: 'paybridge_schedules_paused',
    help: 'Schedules paused after repeated failures',
    registers: [registry],
    async collect() {
      const rows = await query((db) =>
        sql<{ n: number }>`SELECT count(*)::int AS n FROM schedules WHERE paused_at IS NOT NULL`.execute(db),
      );
      this.set(rows[0]?.n ?? 0);
    },
  });
  new Gauge({
    name: 'paybridge_schedule_lag_seconds',
    help: 'How long the most overdue schedule has been waiting to start (0 when none is overdue)',
    registers: [registry],
    async collect() {
      const rows = await query((db) =>
        sql<{ lag: number | null }>`
          SELECT extract(epoch FROM now() - min(next_run_at))::float AS lag FROM schedules
          WHERE paused_at IS NULL AND lease_instance_id IS NULL AND next_run_at < now()`.execute(db),
      );
      this.set(Math.max(0, rows[0]?.lag ?? 0));
    },
  });
  new Gauge({
    name: 'paybridge_outbox_events',
    help: 'Outbox events by status (PENDING is the backlog; DEAD gave up after repeated delivery failures)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await query((db) =>
        sql<{
          status: string;
          n: number;
        }>`SELECT status, count(*)::int AS n FROM outbox_events GROUP BY status`.execute(db),
      );
      for (const { status, n } of rows) this.set({ status }, n);
    },
  });
}

export const initiationSteps = new Counter({
  name: 'paybridge_initiation_steps_total',
  help: 'Steps of payment initiations (create, poll, reverse) by outcome: settled, failed, rescheduled, abandoned',
  labelNames: ['provider', 'step', 'outcome'] as const,
  registers: [registry],
});

export const webhooksReceived = new Counter({
  name: 'paybridge_webhooks_received_total',
  help: 'Webhook deliveries stored and acknowledged',
  labelNames: ['provider'] as const,
  registers: [registry],
});

export const webhooksRefused = new Counter({
  name: 'paybridge_webhooks_refused_total',
  help:
    'Webhook requests refused at intake, with nothing stored, by reason: verification_failed (401), ' +
    'method_not_allowed (405), malformed_url (400), rate_limited_source, rate_limited_connector, ' +
    'unverified_backlog_full (429)',
  labelNames: ['provider', 'reason'] as const,
  registers: [registry],
});

export const webhooksProcessed = new Counter({
  name: 'paybridge_webhooks_processed_total',
  help: 'Webhook deliveries by outcome: PROCESSED, DUPLICATE, REJECTED (verification failed), FAILED',
  labelNames: ['provider', 'outcome'] as const,
  registers: [registry],
});
