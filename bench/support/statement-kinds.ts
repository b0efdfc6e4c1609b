// Names every statement a Paybridge process sends by the SQL it carries, finely enough to tell the
// execution layer's share (claims, leases, wake-ups) from the work's and to see which step of a run each
// statement belongs to.
import type { StatementStats } from './query-counter.js';

/** The execution layer's own statements (claims, lease renewals, wake-ups), as opposed to the work's. */
export const QUEUE_PREFIX = 'execution: ';
/** A worker claiming due schedules (leases and run instances in the same statement). */
export const CLAIM_SCHEDULES_KIND =
  QUEUE_PREFIX + 'claim due schedules (batch: leases + instances + next due)';
/** A worker claiming a batch of webhook deliveries. */
export const CLAIM_WEBHOOKS_KIND = QUEUE_PREFIX + 'webhook worker: claim a batch (+ lease)';

const ENGINE_KINDS: [RegExp, string][] = [
  [
    /^WITH candidates AS \( SELECT s\.id, s\.connector_id, s\.next_run_at FROM schedules/i,
    CLAIM_SCHEDULES_KIND,
  ],
  [/^WITH leased AS/i, 'start run by id (lease + open instance)'],
  [
    /^WITH input AS \( SELECT schedule_id, instance_id, state/i,
    'save progress of a commit group (all its runs)',
  ],
  [
    /^UPDATE schedules s SET lease_until = now\(\) .* FROM unnest/i,
    QUEUE_PREFIX + 'renew the leases of running runs',
  ],
  [
    /^SELECT count\(\*\)::int AS n FROM schedules WHERE connector_id/i,
    QUEUE_PREFIX + 'concurrency limit check',
  ],
  [/^SELECT pg_notify/i, QUEUE_PREFIX + 'signal work (NOTIFY)'],
  [/^WITH released AS/i, 'record run failure / give a lease back'],
  [/^INSERT INTO schedules/i, 'upsert child schedules'],
  [/^INSERT INTO accounts/i, 'upsert accounts'],
  [/INSERT INTO balances/i, 'record balances'],
  [/^(WITH written AS \( )?INSERT INTO payments \(/i, 'upsert payments'],
  [/INSERT INTO payment_adjustments/i, 'insert adjustments + update payments'],
  [/^select .* from "payments"/i, 'read changed payments (for events)'],
  [/^(WITH written AS \( )?INSERT INTO outbox_events/i, 'outbox events'],
  [/^WITH touched AS \( SELECT .* FROM payments/i, 'follow payment initiations (of changed payments)'],
  [/^DELETE FROM outbox_events/i, 'outbox retention'],
  [/^select "w"\."name"[ ,].* from "webhook_configs" as "w"/i, 'webhook intake: find the endpoint'],
  [/^WITH stored AS \( INSERT INTO webhooks/i, 'webhook intake: store the delivery'],
  [/^SELECT pg_notify/i, QUEUE_PREFIX + 'wake-up (NOTIFY, coalesced)'],
  [/^WITH due AS \( SELECT id FROM webhooks/i, CLAIM_WEBHOOKS_KIND],
  [/^WITH held AS \( SELECT w\.id FROM webhooks/i, 'webhook commit: hold the batch + new keys'],
  [/^UPDATE webhooks w SET status/i, 'webhook commit: record the outcomes'],
  [/^delete from "webhook(s|_keys)"/i, 'webhook retention'],
];

/** The statement's kind: `execution: …` for the execution layer's own statements, the engine step otherwise. */
export function classifyStatement(text: string): string {
  const sql = text.replace(/\s+/g, ' ').trim();
  const head = sql.slice(0, 20).toLowerCase();
  if (head.startsWith('begin') || head.startsWith('start transaction')) return 'BEGIN';
  if (head.startsWith('commit')) return 'COMMIT';
  if (head.startsWith('rollback')) return 'ROLLBACK';
  const match = ENGINE_KINDS.find(([pattern]) => pattern.test(sql));
  return match ? match[1] : 'other (install, API, start-up)';
}

export const isQueueKind = (kind: string) => kind.startsWith(QUEUE_PREFIX);

export function totalCount(stats: Map<string, StatementStats>, keep: (kind: string) => boolean = () => true) {
  let count = 0;
  for (const [kind, v] of stats) if (keep(kind)) count += v.count;
  return count;
}

export function totalMs(stats: Map<string, StatementStats>, keep: (kind: string) => boolean = () => true) {
  let ms = 0;
  for (const [kind, v] of stats) if (keep(kind)) ms += v.ms;
  return ms;
}

/** Adds the statements of several processes (or phases) together. */
export function mergeStats(...all: Map<string, StatementStats>[]): Map<string, StatementStats> {
  const merged = new Map<string, StatementStats>();
  for (const stats of all) {
    for (const [kind, v] of stats) {
      const sum = merged.get(kind) ?? { count: 0, ms: 0 };
      merged.set(kind, { count: sum.count + v.count, ms: sum.ms + v.ms });
    }
  }
  return merged;
}
