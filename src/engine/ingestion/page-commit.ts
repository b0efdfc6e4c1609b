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
  savePageProgress,
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
import { followPayments, Transition } from '../money-movement/initiations.js';
import { storeOrdersAndConversions } from './order-commit.js';
import { type PageWrites, uniqueWrites } from './items.js';
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

class LeaseLost extends Error {}

/**
 * Commits one page (or several consecutive ones) with the cursor that follows it. Returns false (and
 * writes nothing) when the run no longer owns its schedule: the connector is being uninstalled, or the
 * lease expired and another run took over.
 */
export async function commitPage(deps: EngineDeps, run: RunningSchedule, page: PageCommit): Promise<boolean> {
  try {
    const events = await deps.db.transaction().execute(async (trx) => {
      const owned = await savePageProgress(trx, {
        scheduleId: run.scheduleId,
        instanceId: run.instanceId,
        newState: page.newState,
        pages: page.pages,
        items: page.writes.children.length,
        skipped: page.writes.skipped.length,
        warnings: page.warnings,
        leaseMs: page.leaseMs,
        finish: page.finish && { nextRunAt: page.finish.nextRunAt?.toISOString() ?? null },
      });
      if (!owned) throw new LeaseLost();
      const written = await storeWrites(trx, run.connector, page.writes);
      if (page.webhookConfigs)
        await saveWebhookConfigs(trx, deps.keyring, run.connectorId, page.webhookConfigs);
      await spawnChildren(deps, trx, run, page.writes.children);
      if (page.fullListing && run.node.children.length > 0) {
        await dropChildrenNotIn(trx, run.scheduleId, page.fullListing);
      }
      if (page.finish?.nextRunAt) await deps.jobs.enqueueRun(trx, run.scheduleId, page.finish.nextRunAt);
      return written;
    });
    for (const event of events) rowsChanged.inc({ provider: run.connector.provider, kind: event.type });
    return true;
  } catch (error) {
    if (error instanceof LeaseLost) return false;
    throw error;
  }
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
 * One schedule per fetched item and child node, created or refreshed in one statement. New periodic
 * schedules get their first run now; non-periodic children run each time their parent yields the item.
 */
async function spawnChildren(
  deps: EngineDeps,
  trx: Db,
  run: RunningSchedule,
  items: PageWrites['children'],
): Promise<void> {
  if (run.node.children.length === 0 || items.length === 0) return;
  const unique = [...new Map(items.map((item) => [item.id, item])).values()];
  const rows: ScheduleWrite[] = [];
  const everyTime: string[] = [];
  for (const child of run.node.children) {
    const path = childPath(run.nodePath, child);
    for (const item of unique) {
      const id = scheduleId(run.connectorId, path, item.id);
      rows.push({
        id,
        connectorId: run.connectorId,
        nodePath: path,
        parentId: item.id,
        parentScheduleId: run.scheduleId,
        taskType: child.type,
        periodic: child.periodic,
        fromPayload: item,
      });
      if (!child.periodic) everyTime.push(id);
    }
  }
  const created = await upsertSchedules(trx, rows);
  await deps.jobs.enqueueRuns(trx, [...new Set([...created, ...everyTime])]);
}
