// Balance history per asset, and the points of its step chart: exact bigint values, doubles only to draw.
import { splitAsset } from '../../../src/domain/amount-format.js';
import type { Balance } from './api-types.js';

export interface BalanceStep {
  /** When this balance started to hold (ms since epoch). */
  from: number;
  /** The last time it was seen to hold. */
  to: number;
  value: bigint;
}

export interface AssetHistory {
  asset: string;
  steps: BalanceStep[];
  current: bigint;
}

/** Groups the API's balance intervals by asset, oldest first; the current balance is the newest one. */
export function historyByAsset(balances: readonly Balance[]): AssetHistory[] {
  const byAsset = new Map<string, BalanceStep[]>();
  for (const b of balances) {
    const steps = byAsset.get(b.asset) ?? [];
    steps.push({ from: Date.parse(b.createdAt), to: Date.parse(b.lastUpdatedAt), value: BigInt(b.balance) });
    byAsset.set(b.asset, steps);
  }
  return [...byAsset.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([asset, steps]) => {
      steps.sort((a, b) => a.from - b.from);
      const last = steps[steps.length - 1];
      return { asset, steps, current: last ? last.value : 0n };
    });
}

/** One asset's history as a charting library takes it: parallel arrays, one entry per point. */
export interface ChartSeries {
  /** Seconds since the epoch (uPlot's time unit): each change, then now. */
  times: number[];
  /** The balance in major units, for drawing only (a double may round a huge one: never shown as text). */
  values: number[];
  /** The exact balance at each point, in minor units: what tooltips show. */
  exact: bigint[];
  /** How many of the points are changes (the last point, "now", is not one). */
  changes: number;
}

const pow10 = (n: number) => 10n ** BigInt(n);

/** Minor units as a double in major units, from the exact digits (not `Number(minor) / 10 ** p`). */
export function toMajorNumber(minor: bigint, precision: number): number {
  if (precision <= 0) return Number(minor);
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const whole = abs / pow10(precision);
  const fraction = (abs % pow10(precision)).toString().padStart(precision, '0');
  const value = Number(`${whole}.${fraction}`);
  return negative ? -value : value;
}

/**
 * The points of a step chart: one at each change, where the new balance starts, and one at `now` (or the
 * last time it was seen, if later) with the current balance, so the last step runs to the present.
 */
export function chartSeries(history: AssetHistory, now: number = Date.now()): ChartSeries | undefined {
  const { steps } = history;
  const last = steps[steps.length - 1];
  if (!last) return undefined;
  const { precision } = splitAsset(history.asset);
  const times = steps.map((s) => s.from / 1000);
  const exact = steps.map((s) => s.value);
  const end = Math.max(now, last.to, last.from + 1000);
  times.push(end / 1000);
  exact.push(last.value);
  return { times, values: exact.map((v) => toMajorNumber(v, precision)), exact, changes: steps.length };
}
