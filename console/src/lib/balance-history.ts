// Balance history per asset, and the geometry of its step chart: exact bigint values, scaled only to pixels.
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

export interface StepChart {
  /** SVG path data of the step line. */
  path: string;
  /** The value range drawn (it always includes zero, so a chart's height means the same thing). */
  low: bigint;
  high: bigint;
  start: number;
  end: number;
}

/**
 * The step line in a `width`×`height` box: each balance is flat until the next one starts; the last
 * runs to now. Values are scaled with bigint arithmetic so huge balances draw right.
 */
export function stepChart(
  steps: readonly BalanceStep[],
  width: number,
  height: number,
  now: number = Date.now(),
): StepChart | undefined {
  const first = steps[0];
  const last = steps[steps.length - 1];
  if (!first || !last) return undefined;
  let low = 0n;
  let high = 0n;
  for (const s of steps) {
    if (s.value < low) low = s.value;
    if (s.value > high) high = s.value;
  }
  const start = first.from;
  // The newest balance still holds: the line runs to now (or to when it was last seen, if later).
  const end = Math.max(last.to, last.from, now, start + 1000);
  const x = (t: number) => round(((t - start) / (end - start)) * width);
  const span = high - low;
  const RESOLUTION = 10_000n;
  // The fraction of the range is computed in bigint, then only that small ratio becomes a number.
  const y = (v: bigint) =>
    span === 0n
      ? height / 2
      : round(height - (Number(((v - low) * RESOLUTION) / span) / Number(RESOLUTION)) * height);
  const parts = [`M${x(first.from)},${y(first.value)}`];
  steps.forEach((s, i) => {
    const next = steps[i + 1];
    if (i > 0) parts.push(`V${y(s.value)}`);
    parts.push(`H${x(next ? next.from : end)}`);
  });
  return { path: parts.join(' '), low, high, start, end };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
