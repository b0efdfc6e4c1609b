// The atomic page commit: a page's rows, their events, its cursor, its child schedules and their jobs in one transaction.
import type { TaskNode, WebhookConfig } from '../../connectors/sdk/contract.js';
import { saveWebhookConfigs } from '../../storage/webhooks.js';
import { connectorIdCodec, type ConnectorId } from '../../domain/ids.js';
import { upsertAccounts } from '../../storage/accounts.js';
import { recordBalances } from '../../storage/balances.js';
import type { Db } from '../../storage/db.js';
import { deletePaymentsByReference, upsertPayments } from '../../storage/payments.js';
import {
  dropChildrenNotIn,
  savePagesProgress,
  type ScheduleWrite,
  upsertSchedules,
} from '../../storage/schedules.js';
import {
  deletedPayment,
  type OutboxEvent,
  savedAccount,
  savedBalance,
  savedPayment,
} from '../../events/events.js';
import { recordEvents } from '../../events/outbox.js';
import { rowsChanged } from '../../observability/metrics.js';
import type { EngineDeps } from '../deps.js';
import { signalWork } from '../execution/wakeups.js';
import { scheduleRunsOf } from './group-commit.js';
import { followPayments, Transition } from '../money-movement/initiations.js';
import { storeOrdersAndConversions } from './order-commit.js';
import { mergeWrites, type PageWrites, uniqueWrites } from './items.js';
import { childPath, scheduleId } from './task-tree.js';

export interface RunningSchedule {
  scheduleId: string;
  instanceId: string;
  connectorId: string;
  connector: ConnectorId;
  nodePath: string;
  node: TaskNode;
}

export interface PageCommit {
  writes: PageWrites;
  /** How many fetched pages these writes hold (consecutive pages may commit together). */
  pages: number;
  /** The connector's warnings about these pages (FetchNextResponse.warnings). */
  warnings?: string[];
  newState: unknown;
  leaseMs: number;
  /** On the run's last page: when to run next (null: not again). */
  finish?: { nextRunAt: Date | null };
  /** After a full listing: the parent items it returned; child schedules of any other item are dropped. */
  fullListing?: string[];
  /** A CREATE_WEBHOOKS run: the endpoints the connector registered at the PSP. */
  webhookConfigs?: WebhookConfig[];
}

/** One run's page waiting for a group commit. */
export interface RunPage {
  run: RunningSchedule;
  page: PageCommit;
}

/**
 * Commits one page (or several consecutive ones) with the cursor that follows it. Returns false (and
 * writes nothing) when the run no longer owns its schedule: the connector is being uninstalled, or the
 * lease expired and another run took over. Concurrent runs of this process commit together (group
 * commit, see group-commit.ts); each run stays atomic with its own cursor.
 */
export async function commitPage(deps: EngineDeps, run: RunningSchedule, page: PageCommit): Promise<boolean> {
  return scheduleRunsOf(deps).commit(run, page);
}

/**
 * Commits the pages of several runs in ONE transaction, set-based across runs: one statement saves every
 * run's progress and answers which runs still own their schedule; then the rows, events and child
 * schedules of those runs only, merged (one `storeWrites` per connector, one child upsert for all). A run
 * whose lease was lost writes nothing. Returns the schedules whose pages committed. Throws when the
 * transaction fails: the caller retries the runs one by one (group-commit.ts).
 */
export async function commitPages(deps: EngineDeps, batch: readonly RunPage[]): Promise<Set<string>> {
  const { owned, events } = await deps.db.transaction().execute(async (trx) => {
    const owned = await savePagesProgress(
      trx,
      batch.map(({ run, page }) => ({
        scheduleId: run.scheduleId,
        instanceId: run.instanceId,
        newState: page.newState,
        pages: page.pages,
        items: page.writes.children.length,
        skipped: page.writes.skipped.length,
        warnings: page.warnings,
        leaseMs: page.leaseMs,
        finish: page.finish && { nextRunAt: page.finish.nextRunAt?.toISOString() ?? null },
      })),
    );
    const mine = batch.filter(({ run }) => owned.has(run.scheduleId));
    const byConnector = new Map<string, RunPage[]>();
    for (const item of mine) {
      const group = byConnector.get(item.run.connectorId) ?? [];
      group.push(item);
      byConnector.set(item.run.connectorId, group);
    }
    const events: { provider: string; written: OutboxEvent[] }[] = [];
    for (const group of byConnector.values()) {
      const connector = (group[0] as RunPage).run.connector;
      const written = await storeWrites(trx, connector, mergeWrites(group.map((g) => g.page.writes)));
      events.push({ provider: connector.provider, written });
    }
    for (const { run, page } of mine) {
      if (page.webhookConfigs)
        await saveWebhookConfigs(trx, deps.keyring, run.connectorId, page.webhookConfigs);
    }
    const dueChildren = await spawnChildren(trx, mine);
    for (const { run, page } of mine) {
      if (page.fullListing && run.node.children.length > 0) {
        await dropChildrenNotIn(trx, run.scheduleId, page.fullListing);
      }
    }
    // Work due now (new children, a run handing over) wakes the workers at commit; later runs are found
    // by the claim loops' next-due time.
    const now = Date.now();
    const handOver = mine.some(
      ({ page }) => page.finish?.nextRunAt && page.finish.nextRunAt.getTime() <= now,
    );
    if (dueChildren > 0 || handOver) await signalWork(trx, 'schedules');
    return { owned, events };
  });
  for (const { provider, written } of events) {
    for (const event of written) rowsChanged.inc({ provider, kind: event.type });
  }
  return new Set(batch.filter(({ run }) => owned.has(run.scheduleId)).map(({ run }) => run.scheduleId));
}

/**
 * Writes a page's rows and, in the same transaction, one outbox event per row it actually changed.
 * Returns those events.
 *
 * Set-based: one statement per kind of row whatever the page's size (accounts, balances, payments,
 * payment adjustments with their effect on the payments, initiation links, deletions, orders,
 * conversions, events), and nothing is read back that a write returns. A page's writes stay atomic
 * because the caller's transaction (`trx`) holds them all.
 *
 * Contract: every row of `writes` belongs to `connector` (its `paymentsToDelete` are that connector's
 * PSP references). The writes of several runs of that connector may be merged into one call (a group
 * commit): rows that several runs wrote twice are reduced here to one per key, as one page's mapping
 * does (one statement may touch a row only once). Writes of different connectors need one call each.
 */
export async function storeWrites(
  trx: Db,
  connector: ConnectorId,
  writes: PageWrites,
): Promise<OutboxEvent[]> {
  const rows = uniqueWrites(writes);
  const events: OutboxEvent[] = [];
  for (const row of await upsertAccounts(trx, rows.accounts)) events.push(savedAccount(row));
  for (const row of await recordBalances(trx, rows.balances)) events.push(savedBalance(row));
  if (rows.payments.length > 0) {
    const changes = await upsertPayments(trx, rows.payments, rows.adjustments);
    for (const adjustment of changes.insertedAdjustments) {
      events.push(savedPayment(adjustment.payment, adjustment.id, adjustment.raw));
    }
    for (const row of changes.changedPayments) events.push(savedPayment(row, `fields:${row.updated_at}`, {}));
    // A new status of a payment some initiation produced moves that initiation too, in this transaction.
    const statusChanged = [...new Set(changes.insertedAdjustments.map((a) => a.payment_id))];
    const follow = new Transition(trx);
    await followPayments(follow, statusChanged);
    events.push(...follow.events);
  }
  if (rows.paymentsToDelete.length > 0) {
    const connectorId = connectorIdCodec.encode(connector);
    for (const id of await deletePaymentsByReference(trx, connectorId, rows.paymentsToDelete)) {
      events.push(deletedPayment(id, connectorId));
    }
  }
  events.push(...(await storeOrdersAndConversions(trx, rows)));
  await recordEvents(trx, events);
  return events;
}

/**
 * One schedule per fetched item and child node, for every run of a group commit, created or refreshed in
 * one statement. New periodic schedules are due at once; non-periodic children become due each time their
 * parent yields the item. Returns how many schedules it made due now.
 */
async function spawnChildren(trx: Db, runs: readonly RunPage[]): Promise<number> {
  const rows = new Map<string, ScheduleWrite>();
  for (const { run, page } of runs) {
    const items = page.writes.children;
    if (run.node.children.length === 0 || items.length === 0) continue;
    for (const child of run.node.children) {
      const path = childPath(run.nodePath, child);
      for (const item of items) {
        const id = scheduleId(run.connectorId, path, item.id);
        rows.set(id, {
          id,
          connectorId: run.connectorId,
          nodePath: path,
          parentId: item.id,
          parentScheduleId: run.scheduleId,
          taskType: child.type,
          periodic: child.periodic,
          fromPayload: item,
        });
      }
    }
  }
  if (rows.size === 0) return 0;
  return (await upsertSchedules(trx, [...rows.values()], { rerunOneShots: true })).length;
}
