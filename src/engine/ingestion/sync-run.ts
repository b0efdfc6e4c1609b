// One run of a schedule: take the lease (a worker claims schedules in batches), page the connector from the
// saved cursor, commit as it goes (with other runs' pages: group-commit.ts).
import { randomUUID } from 'node:crypto';
import type {
  Connector,
  FetchNextRequest,
  FetchNextResponse,
  SkippedRecord,
  TaskNode,
} from '../../connectors/sdk/contract.js';
import { AuthenticationError, isRetryable } from '../../connectors/sdk/errors.js';
import { backoffDelay, retryAfterOf } from '../../connectors/sdk/retry.js';
import { connectorIdCodec, type ConnectorId } from '../../domain/ids.js';
import { TASKS } from '../../connectors/sdk/tasks.js';
import {
  pagesCommitted,
  pspCalls,
  pspCallSeconds,
  recordsSkipped,
  runsFailed,
} from '../../observability/metrics.js';
import {
  claimSchedules,
  type ClaimedSchedule,
  keepLeaseWithinLimit,
  recordRunFailure,
  startRun,
  type LeasedSchedule,
} from '../../storage/schedules.js';
import { type ClaimSource, runClaimLoop } from '../execution/loop.js';
import { scheduleRunsOf } from './group-commit.js';
import { openConnector, registrationOf } from '../lifecycle/connector-instance.js';
import type { EngineDeps } from '../deps.js';
import { mapPage } from './items.js';
import { commitPage, type RunningSchedule } from './page-commit.js';
import { resumableState } from './task-state.js';
import { findNode } from './task-tree.js';

/** A run that pages for longer than this commits and hands over to a fresh job (bounded job length). */
const MAX_RUN_MS = 4 * 60_000;
/** Fetched pages wait at most this long for more pages before they are committed together. */
const COMMIT_INTERVAL_MS = 2000;

/**
 * A connector limited to N concurrent runs: the claim takes no more than its free slots, but two workers
 * claiming at the same instant may together overshoot. So a limited run checks after taking its lease;
 * when it would be the N+1th, it gives its lease back and becomes due again shortly (with jitter, so
 * contenders spread out).
 */
async function withinConcurrencyLimit(
  deps: EngineDeps,
  leased: LeasedSchedule,
  instanceId: string,
): Promise<boolean> {
  const max = leased.max_concurrent_runs ?? Number.POSITIVE_INFINITY;
  return keepLeaseWithinLimit(deps.db, {
    scheduleId: leased.id,
    instanceId,
    connectorId: leased.connector_id,
    max,
    retryInMs: 500 + Math.random() * 1000,
  });
}

/** Calls the connector, counting the call and its duration by connector, method and outcome. */
async function timed<T>(
  provider: string,
  connector: string,
  method: string,
  call: () => Promise<T>,
): Promise<T> {
  const stop = pspCallSeconds.startTimer({ provider, connector, method });
  try {
    const result = await call();
    pspCalls.inc({ provider, connector, method, outcome: 'ok' });
    return result;
  } catch (error) {
    pspCalls.inc({ provider, connector, method, outcome: error instanceof Error ? error.name : 'error' });
    throw error;
  } finally {
    stop();
  }
}

/** Jitter spreads schedules of many connectors over time: up to a tenth of the period, at most 5 minutes. */
function nextPeriodicRun(periodMs: number, now = Date.now()): Date {
  return new Date(now + periodMs + Math.random() * Math.min(periodMs / 10, 5 * 60_000));
}

/**
 * Runs one schedule by id (tests drive runs this way; a worker claims them in batches instead, see
 * `scheduleClaims`). Does nothing when the schedule is not free to run.
 */
export async function runSchedule(deps: EngineDeps, scheduleId: string): Promise<void> {
  const instanceId = randomUUID();
  const leased = await startRun(deps.db, scheduleId, instanceId, deps.leaseMs);
  if (!leased) return;
  await runLeased(deps, leased, instanceId);
}

/** How long a schedules claim loop sleeps at most without a notification (it also wakes when the next schedule falls due). */
const CLAIM_SWEEP_MS = 5000;

/**
 * The worker's schedules source for `runClaimLoop`: claims due schedules in batches (lease and run instance
 * taken in the claim's one statement) and runs each.
 */
export function scheduleClaims(deps: EngineDeps): ClaimSource<ClaimedSchedule> {
  return {
    kind: 'schedules',
    async claim(limit) {
      const claimed = await claimSchedules(deps.db, limit, deps.leaseMs);
      return {
        items: claimed.schedules,
        ...(claimed.nextDueInMs === undefined ? {} : { nextDueInMs: claimed.nextDueInMs }),
      };
    },
    handle: (claimed) => runLeased(deps, claimed, claimed.instance_id),
  };
}

/** Runs the schedules claim loop until the worker stops. */
export function runScheduleLoop(deps: EngineDeps, concurrency: number): Promise<void> {
  return runClaimLoop(scheduleClaims(deps), {
    concurrency,
    sweepMs: CLAIM_SWEEP_MS,
    wakeups: deps.wakeups,
    logger: deps.logger,
  });
}

/** Runs a schedule whose lease and run instance were just taken. */
async function runLeased(deps: EngineDeps, leased: LeasedSchedule, instanceId: string): Promise<void> {
  const scheduleId = leased.id;
  if (leased.max_concurrent_runs !== null && !(await withinConcurrencyLimit(deps, leased, instanceId)))
    return;
  const runs = scheduleRunsOf(deps);
  runs.started(scheduleId, instanceId);
  const logger = deps.logger.child({ connectorId: leased.connector_id, scheduleId, instanceId });
  const periodMs = Number(leased.polling_period_ms);
  let node: TaskNode | undefined;
  try {
    node = findNode(leased.task_tree as TaskNode[], leased.node_path);
    if (!node) throw new Error(`task node ${leased.node_path} is no longer in the connector's task tree`);
    const connectorId: ConnectorId = connectorIdCodec.decode(leased.connector_id);
    const connector = openConnector(deps, leased, leased.connector_id, logger);
    const run: RunningSchedule = {
      scheduleId,
      instanceId,
      connectorId: leased.connector_id,
      connector: connectorId,
      nodePath: leased.node_path,
      node,
    };
    await pageThrough(deps, run, connector, leased, periodMs, logger);
  } catch (error) {
    await recordFailure(deps, leased, instanceId, node, periodMs, error, logger);
  } finally {
    runs.ended(scheduleId, instanceId);
  }
}

/**
 * Pages the connector from the saved cursor. Consecutive pages are committed together, up to
 * `commitBatchItems` items or COMMIT_INTERVAL_MS, always with the cursor of the last page they hold: a
 * crash loses only uncommitted fetches, which the next attempt repeats from that cursor.
 */
async function pageThrough(
  deps: EngineDeps,
  run: RunningSchedule,
  connector: Connector,
  leased: LeasedSchedule,
  periodMs: number,
  logger: EngineDeps['logger'],
): Promise<void> {
  const { method } = TASKS[run.node.type];
  if (method === 'createWebhooks') return createWebhooks(deps, run, connector, leased, periodMs);
  const fetch = (c: Connector, request: FetchNextRequest): Promise<FetchNextResponse<unknown>> =>
    c[method](request);
  const fromPayload = (leased.from_payload ?? undefined) as FetchNextRequest['fromPayload'];
  const started = Date.now();
  let state: unknown = await resumableState(
    {
      db: deps.db,
      logger,
      registration: registrationOf(leased.provider),
      taskType: run.node.type,
      instanceId: run.instanceId,
    },
    leased.state,
  );
  // A run that starts from an empty cursor and reaches the end without handing over has seen every item:
  // the parent items it did not see are gone at the PSP, and so are their child tasks.
  const seen = state === undefined && run.node.children.length > 0 ? new Set<string>() : undefined;
  let pending: unknown[] = [];
  let pendingDeletes: string[] = [];
  let pendingSkipped: SkippedRecord[] = [];
  let pendingWarnings: string[] = [];
  let pendingPages = 0;
  let pendingSince = 0;
  for (;;) {
    const response = await timed(leased.provider, leased.connector_id, run.node.type, () =>
      fetch(connector, {
        fromPayload,
        state,
        pageSize: leased.page_size,
        name: run.node.name,
        periodic: leased.periodic,
      }),
    );
    if (pendingPages === 0) pendingSince = Date.now();
    pending = pending.concat(response.items);
    if (response.paymentsToDelete) pendingDeletes = pendingDeletes.concat(response.paymentsToDelete);
    if (response.skipped) pendingSkipped = pendingSkipped.concat(response.skipped);
    if (response.warnings) pendingWarnings = pendingWarnings.concat(response.warnings);
    pendingPages += 1;
    state = response.newState;
    const last = !response.hasMore;
    const handOver = !last && Date.now() - started > MAX_RUN_MS;
    const due =
      last ||
      handOver ||
      pending.length >= deps.commitBatchItems ||
      Date.now() - pendingSince >= COMMIT_INTERVAL_MS;
    if (!due) continue;

    const mapped = mapPage(run.connector, run.node.type, pending);
    const writes = {
      ...mapped,
      paymentsToDelete: pendingDeletes,
      skipped: pendingSkipped.concat(mapped.skipped),
    };
    for (const skipped of writes.skipped) logger.warn(skipped, 'skipped an invalid PSP record');
    recordsSkipped.inc({ provider: leased.provider, task: run.node.type }, writes.skipped.length);
    for (const child of writes.children) seen?.add(child.id);
    const finish = last
      ? { nextRunAt: leased.periodic ? nextPeriodicRun(periodMs) : null }
      : handOver
        ? { nextRunAt: new Date() }
        : undefined;
    const owned = await commitPage(deps, run, {
      writes,
      pages: pendingPages,
      warnings: pendingWarnings,
      newState: state,
      leaseMs: deps.leaseMs,
      finish,
      fullListing: last && seen ? [...seen] : undefined,
    });
    if (!owned) {
      logger.info('run stopped: the schedule is no longer ours (uninstalled, paused or taken over)');
      return;
    }
    pagesCommitted.inc({ provider: leased.provider, task: run.node.type }, pendingPages);
    if (finish) return;
    pending = [];
    pendingDeletes = [];
    pendingSkipped = [];
    pendingWarnings = [];
    pendingPages = 0;
  }
}

/**
 * A CREATE_WEBHOOKS node: the connector registers its endpoints at the PSP (under this connector's public
 * webhook URL) and the configs it answers are stored, sealed, with any items for child tasks. A failure
 * is an ordinary failed run: retried with backoff, recorded on the instance, pausing after N in a row.
 */
async function createWebhooks(
  deps: EngineDeps,
  run: RunningSchedule,
  connector: Connector,
  leased: LeasedSchedule,
  periodMs: number,
): Promise<void> {
  const fromPayload = (leased.from_payload ?? undefined) as FetchNextRequest['fromPayload'];
  const response = await timed(leased.provider, leased.connector_id, run.node.type, () =>
    connector.createWebhooks({
      webhookBaseUrl: `${deps.publicUrl}/api/payments/v3/connectors/webhooks/${run.connectorId}`,
      ...(fromPayload ? { fromPayload } : {}),
    }),
  );
  await commitPage(deps, run, {
    writes: mapPage(run.connector, 'FETCH_OTHERS', response.others),
    pages: 1,
    warnings: response.warnings ?? [],
    newState: leased.state ?? {},
    leaseMs: deps.leaseMs,
    finish: { nextRunAt: leased.periodic ? nextPeriodicRun(periodMs) : null },
    webhookConfigs: response.configs,
  });
}

/**
 * Records a failed run. Retryable errors (rate limits, timeouts, PSP 5xx) come back after the shared
 * backoff (retry.ts: full jitter, capped at the polling period), never sooner than the PSP's Retry-After;
 * others wait for the next period. After `pauseAfterFailures` failures in a row the schedule pauses, so
 * a broken connector shows up as paused instead of failing quietly forever. Refused credentials pause it
 * at once: no run can succeed until the config changes, and a config update resumes it.
 */
async function recordFailure(
  deps: EngineDeps,
  leased: LeasedSchedule,
  instanceId: string,
  node: TaskNode | undefined,
  periodMs: number,
  error: unknown,
  logger: EngineDeps['logger'],
): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  const attempt = leased.consecutive_failures + 1;
  const pausedReason =
    error instanceof AuthenticationError
      ? `${message}; update the connector's config to resume`
      : attempt >= deps.pauseAfterFailures
        ? `paused after ${attempt} consecutive failed runs; last error: ${message}`
        : null;
  let nextRunAt: Date | null = null;
  if (pausedReason === null && isRetryable(error)) {
    const delay = backoffDelay({ baseMs: 1000, capMs: periodMs }, attempt, {
      retryAfterMs: retryAfterOf(error),
    });
    nextRunAt = new Date(Date.now() + delay);
  } else if (pausedReason === null && leased.periodic && node) {
    nextRunAt = nextPeriodicRun(periodMs);
  }
  logger.warn({ err: error, attempt, nextRunAt, paused: pausedReason !== null }, 'run failed');
  runsFailed.inc({ provider: leased.provider, task: leased.task_type });
  // The next run is the schedule's next_run_at: the claim loops find it when it falls due.
  await recordRunFailure(deps.db, {
    scheduleId: leased.id,
    instanceId,
    error: message,
    nextRunAt: nextRunAt?.toISOString() ?? null,
    pausedReason,
  });
}
