// A connector's health from its schedules: how many, how many paused or failing, the newest run and error.
import type { Schedule } from './api-types.js';
import { enumText } from './format.js';

export type HealthState = 'PAUSED' | 'FAILING' | 'HEALTHY' | 'WAITING';

export interface ConnectorHealth {
  schedules: number;
  paused: number;
  failing: number;
  lastRunAt?: string;
  /** The error of the newest failed last run, if any schedule's last run failed. */
  lastError?: string;
  state: HealthState;
}

/** Failing: the last run failed or failures are piling up. Paused outranks failing, which outranks healthy. */
export function connectorHealth(schedules: readonly Schedule[]): ConnectorHealth {
  let paused = 0;
  let failing = 0;
  let lastRunAt: string | undefined;
  let lastErrorAt: string | undefined;
  let lastError: string | undefined;
  for (const schedule of schedules) {
    if (schedule.pausedAt) paused++;
    const run = schedule.lastRun;
    if (schedule.consecutiveFailures > 0 || run?.error) failing++;
    if (!run) continue;
    if (!lastRunAt || Date.parse(run.createdAt) > Date.parse(lastRunAt)) lastRunAt = run.createdAt;
    if (run.error && (!lastErrorAt || Date.parse(run.createdAt) > Date.parse(lastErrorAt))) {
      lastErrorAt = run.createdAt;
      lastError = run.error;
    }
  }
  const state: HealthState =
    paused > 0 ? 'PAUSED' : failing > 0 ? 'FAILING' : lastRunAt ? 'HEALTHY' : 'WAITING';
  return {
    schedules: schedules.length,
    paused,
    failing,
    ...(lastRunAt ? { lastRunAt } : {}),
    ...(lastError ? { lastError } : {}),
    state,
  };
}

export const HEALTH_LABELS: Record<HealthState, string> = {
  PAUSED: 'Paused',
  FAILING: 'Failing',
  HEALTHY: 'Healthy',
  WAITING: 'No run yet',
};

/**
 * A schedule's task in words, with the item it works for: `Fetch balances · main`. Schedule ids are
 * `<connectorID>-<path>` or `<connectorID>-<path>-<parent item>`, and node names hold no '-'.
 */
export function scheduleLabel(schedule: Schedule): string {
  const task = enumText(schedule.taskType);
  const prefix = `${schedule.connectorID}-`;
  if (!schedule.id.startsWith(prefix)) return task;
  // The id is `<connector>-<node path>[-<parent item>]`; node names are [a-z0-9_] joined by dots.
  const rest = schedule.id.slice(prefix.length);
  const dash = rest.indexOf('-');
  const node = (dash < 0 ? rest : rest.slice(0, dash)).split('.').at(-1) ?? '';
  // A node named after something other than its task type says which list it reads (Increase's pending
  // and declined transactions are both FETCH_PAYMENTS, say).
  const named =
    node !== '' && node !== schedule.taskType.toLowerCase()
      ? ` (${node.replace(/^fetch_/, '').replace(/_/g, ' ')})`
      : '';
  return `${task}${named}${dash < 0 ? '' : ` · ${rest.slice(dash + 1)}`}`;
}
