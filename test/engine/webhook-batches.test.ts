// Webhook deliveries claimed and committed in batches, on PostgreSQL, with no worker of the engine running:
// the tests claim and commit themselves (or run their own claim loops). A delivery whose writes fail fails
// alone and visibly, and is retried; a claimed delivery whose worker dies comes back when its lease ends
// and is processed once; workers claiming concurrently never process one delivery twice.
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { runClaimLoop } from '../../src/engine/execution/loop.js';
import { Wakeups } from '../../src/engine/execution/wakeups.js';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import {
  claimAndProcess,
  MAX_WEBHOOK_ATTEMPTS,
  processDeliveries,
  receiveWebhook,
  WebhookWorker,
} from '../../src/engine/webhooks/webhooks.js';
import { claimDeliveries, saveWebhookConfigs } from '../../src/storage/webhooks.js';
import { paymentBody, registerHookPsp, SECRET, signed } from '../support/hook-psp.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { eventually } from '../support/service.js';

registerHookPsp();

let engine: TestEngine;
let deps: EngineDeps;
let connectorId: string;

beforeAll(async () => {
  engine = await startTestEngine();
  deps = engine.deps;
  connectorId = await installConnector(deps, 'hookpsp', { name: 'batches' });
  // What the connector's CREATE_WEBHOOKS run would store (no worker runs it here).
  await saveWebhookConfigs(deps.db, deps.keyring, connectorId, [
    { name: 'payments', urlPath: '/payments', metadata: { secret: SECRET } },
  ]);
});

afterAll(async () => {
  await engine?.stop();
});

/** Takes a delivery of `body` in, signed with `secret`. */
function receive(body: string, secret = SECRET) {
  const headers = Object.fromEntries(Object.entries(signed(body, { secret })).map(([k, v]) => [k, [v]]));
  return receiveWebhook(deps, {
    connectorId,
    path: '/payments',
    method: 'POST',
    headers,
    query: {},
    body: Buffer.from(body),
  });
}

/** Stores a signed delivery of `body` through the intake and returns its id. */
async function deliver(body: string): Promise<string> {
  const intake = await receive(body);
  if (intake.outcome !== 'stored') throw new Error(`delivery not stored: ${intake.outcome}`);
  return intake.id;
}

const paymentId = (reference: string) =>
  paymentIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorId), reference, type: 'PAY-IN' });

async function delivery(id: string) {
  return deps.db
    .selectFrom('webhooks')
    .select(['status', 'attempts', 'error', 'processed_at'])
    .select(sql<boolean>`due_at > now()`.as('waits'))
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function adjustments(reference: string): Promise<number> {
  const rows = await deps.db
    .selectFrom('payment_adjustments')
    .select('id')
    .where('payment_id', '=', paymentId(reference))
    .execute();
  return rows.length;
}

/** The delivery's retry falls due now (instead of after its backoff). */
const dueNow = (id: string) =>
  sql`UPDATE webhooks SET due_at = now() WHERE id = ${id}`.execute(deps.db).then(() => undefined);

describe('a batch with one delivery whose writes fail', () => {
  it('commits the others, records the failure on that one, and retries it with backoff until FAILED', async () => {
    const good1 = await deliver(paymentBody('batch-good-1', 'SUCCEEDED', '2026-01-01T00:00:01Z'));
    // PostgreSQL refuses a NUL character in jsonb: the payment's raw object cannot be stored.
    const badBody = JSON.stringify({
      id: 'batch-bad',
      status: 'SUCCEEDED',
      amount: 1,
      updatedAt: '2026-01-01T00:00:01Z',
      note: 'a\u0000b',
    });
    const bad = await deliver(badBody);
    const good2 = await deliver(paymentBody('batch-good-2', 'SUCCEEDED', '2026-01-01T00:00:01Z'));

    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const watched = { ...deps, logger };
    const { deliveries } = await claimDeliveries(deps.db, 10, 60_000);
    expect(deliveries.map((d) => d.id).sort()).toEqual([good1, bad, good2].sort());
    await processDeliveries(watched, deliveries);
    // The three were committed together first; that failed, so each was committed on its own.
    expect(lines.some((l) => l.includes('committing webhook deliveries together failed'))).toBe(true);

    for (const id of [good1, good2]) expect((await delivery(id)).status).toBe('PROCESSED');
    expect(await adjustments('batch-good-1')).toBe(1);
    expect(await adjustments('batch-good-2')).toBe(1);
    const failed = await delivery(bad);
    expect(failed).toMatchObject({ status: 'RECEIVED', attempts: 1, waits: true, processed_at: null });
    expect(failed.error).toMatch(/unicode|\\u0000/i);
    expect(await adjustments('batch-bad')).toBe(0);
    // Not due until its backoff ends: a claim now does not take it.
    expect((await claimDeliveries(deps.db, 10, 60_000)).deliveries).toHaveLength(0);

    // Once its backoff ends, a claim takes it again (attempt 2), and it fails again, visibly.
    await eventually(async () => ((await claimAndProcess(deps)) > 0 ? true : undefined), 10_000);
    expect(await delivery(bad)).toMatchObject({ status: 'RECEIVED', attempts: 2, waits: true });
    // The remaining attempts without waiting for their backoff: then it is FAILED, with its error.
    for (let attempt = 3; attempt <= MAX_WEBHOOK_ATTEMPTS; attempt++) {
      await dueNow(bad);
      expect(await claimAndProcess(deps)).toBe(1);
    }
    const final = await delivery(bad);
    expect(final.status).toBe('FAILED');
    expect(final.attempts).toBe(MAX_WEBHOOK_ATTEMPTS);
    expect(final.error).toContain(`(after ${MAX_WEBHOOK_ATTEMPTS} attempts)`);
    expect(final.processed_at).not.toBeNull();
    await dueNow(bad);
    expect(await claimAndProcess(deps)).toBe(0);
  });
});

describe('a worker that dies holding a delivery', () => {
  it('leaves it to be claimed again when its lease ends, with no sweep, and it is processed once', async () => {
    const id = await deliver(paymentBody('lease-lost', 'SUCCEEDED', '2026-01-01T00:00:02Z'));
    // The dying worker claims it with a short lease and never commits.
    const dead = await claimDeliveries(deps.db, 10, 300);
    expect(dead.deliveries.map((d) => d.id)).toEqual([id]);
    // Held: another claim skips it, but knows when it falls due.
    const meanwhile = await claimDeliveries(deps.db, 10, 60_000);
    expect(meanwhile.deliveries).toHaveLength(0);
    expect(meanwhile.nextDueInMs).toBeDefined();
    expect(meanwhile.nextDueInMs).toBeLessThanOrEqual(300);

    // A live worker whose sweep is far away (10 minutes) and that gets no notification: the claim's
    // next-due time alone brings it back to the delivery when the dead worker's lease ends.
    const wakeups = await Wakeups.start(undefined, deps.logger);
    const loop = runClaimLoop(new WebhookWorker({ ...deps, wakeups }), {
      concurrency: 4,
      sweepMs: 600_000,
      wakeups,
      logger: deps.logger,
    });
    try {
      await eventually(async () => ((await delivery(id)).status === 'PROCESSED' ? true : undefined), 10_000);
    } finally {
      await wakeups.stop();
      await loop;
    }
    const done = await delivery(id);
    expect(done.attempts).toBe(2);
    expect(await adjustments('lease-lost')).toBe(1);

    // The dead worker comes back and commits what it had claimed: fenced off, it changes nothing.
    await processDeliveries(deps, dead.deliveries);
    expect(await delivery(id)).toEqual(done);
    expect(await adjustments('lease-lost')).toBe(1);
  });
});

describe('concurrent claimers', () => {
  it('never process one delivery twice', async () => {
    const count = 200;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      ids.push(await deliver(paymentBody(`race-${i}`, 'SUCCEEDED', '2026-01-01T00:00:03Z', 100 + i)));
    }
    // Four workers, each with its own claim loop (as four processes would have), on one database.
    const workers = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const wakeups = await Wakeups.start(undefined, deps.logger);
        const handled: string[] = [];
        const worker = new WebhookWorker({ ...deps, wakeups });
        const loop = runClaimLoop(
          {
            kind: worker.kind,
            claim: (limit) => worker.claim(limit),
            handle: async (d) => {
              handled.push(d.id);
              await worker.handle(d);
            },
          },
          { concurrency: 8, sweepMs: 20, wakeups, logger: deps.logger },
        );
        return { wakeups, loop, handled };
      }),
    );
    try {
      await eventually(async () => {
        const waiting = await deps.db
          .selectFrom('webhooks')
          .select('id')
          .where('id', 'in', ids)
          .where('status', '=', 'RECEIVED')
          .execute();
        return waiting.length === 0 ? true : undefined;
      }, 60_000);
    } finally {
      for (const w of workers) await w.wakeups.stop();
      await Promise.all(workers.map((w) => w.loop));
    }
    const handled = workers.flatMap((w) => w.handled).filter((id) => ids.includes(id));
    expect(handled).toHaveLength(count);
    expect(new Set(handled).size).toBe(count);
    // More than one worker took part.
    expect(workers.filter((w) => w.handled.length > 0).length).toBeGreaterThan(1);
    const rows = await deps.db
      .selectFrom('webhooks')
      .select(['status', 'attempts'])
      .where('id', 'in', ids)
      .execute();
    expect(rows.every((r) => r.status === 'PROCESSED' && r.attempts === 1)).toBe(true);
    const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM payment_adjustments
      WHERE payment_id = ANY(${ids.map((_, i) => paymentId(`race-${i}`))})`.execute(deps.db);
    expect(stored.rows[0]?.n).toBe(count);
    const events = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_events
      WHERE type = 'SAVED_PAYMENT' AND entity_id = ANY(${ids.map((_, i) => paymentId(`race-${i}`))})`.execute(
      deps.db,
    );
    expect(events.rows[0]?.n).toBe(count);
  });
});

describe('intake', () => {
  it('stores against the current secret and connector, whatever it looked up before', async () => {
    // The endpoint is looked up (and kept for a few seconds) with the current secret.
    expect((await receive(paymentBody('intake-1', 'SUCCEEDED', '2026-01-01T00:00:04Z'))).outcome).toBe(
      'stored',
    );
    const rotated = `whsec_${Buffer.from('a rotated secret of 32 bytes....').toString('base64')}`;
    await saveWebhookConfigs(deps.db, deps.keyring, connectorId, [
      { name: 'payments', urlPath: '/payments', metadata: { secret: rotated } },
    ]);
    try {
      const fresh = await receive(paymentBody('intake-2', 'SUCCEEDED', '2026-01-01T00:00:04Z'), rotated);
      expect(fresh.outcome).toBe('stored');
      const stale = await receive(paymentBody('intake-3', 'SUCCEEDED', '2026-01-01T00:00:04Z'), SECRET);
      expect(stale.outcome).toBe('refused');
    } finally {
      await saveWebhookConfigs(deps.db, deps.keyring, connectorId, [
        { name: 'payments', urlPath: '/payments', metadata: { secret: SECRET } },
      ]);
    }
    expect((await receive(paymentBody('intake-4', 'SUCCEEDED', '2026-01-01T00:00:04Z'))).outcome).toBe(
      'stored',
    );
    // A connector being uninstalled takes nothing in, even just after a delivery was accepted.
    await deps.db
      .updateTable('connectors')
      .set({ scheduled_for_deletion: true })
      .where('id', '=', connectorId)
      .execute();
    try {
      await expect(receive(paymentBody('intake-5', 'SUCCEEDED', '2026-01-01T00:00:04Z'))).rejects.toThrow(
        'no webhook endpoint here',
      );
    } finally {
      await deps.db
        .updateTable('connectors')
        .set({ scheduled_for_deletion: false })
        .where('id', '=', connectorId)
        .execute();
    }
    const stored = await deps.db
      .selectFrom('webhooks')
      .select('id')
      .where(sql<boolean>`convert_from(body, 'UTF8') LIKE '%intake-%'`)
      .execute();
    expect(stored).toHaveLength(3);
  });
});
