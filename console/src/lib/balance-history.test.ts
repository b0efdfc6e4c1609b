// Balance history by asset and its chart points: order, current value, exact values beside drawn ones.
import { describe, expect, it } from 'vitest';
import { chartSeries, historyByAsset, toMajorNumber } from './balance-history.js';

const balance = (asset: string, value: bigint | number, from: string, to: string) => ({
  accountID: 'a',
  asset,
  balance: value,
  createdAt: from,
  lastUpdatedAt: to,
});

describe('balance history', () => {
  it('groups by asset, oldest first, and takes the newest as current', () => {
    const history = historyByAsset([
      balance('USD/2', 300, '2024-01-03T00:00:00Z', '2024-01-04T00:00:00Z'),
      balance('EUR/2', 5, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z'),
      balance('USD/2', 100, '2024-01-01T00:00:00Z', '2024-01-03T00:00:00Z'),
    ]);
    expect(history.map((h) => [h.asset, h.current])).toEqual([
      ['EUR/2', 5n],
      ['USD/2', 300n],
    ]);
    expect(history[1]?.steps.map((s) => s.value)).toEqual([100n, 300n]);
  });

  it('makes a point at each change and one at now, with exact values beside the drawn ones', () => {
    const [usd] = historyByAsset([
      balance('USD/2', 100, '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'),
      balance('USD/2', -250, '2024-01-02T00:00:00Z', '2024-01-03T00:00:00Z'),
    ]);
    const now = Date.parse('2024-01-05T00:00:00Z');
    const series = usd ? chartSeries(usd, now) : undefined;
    expect(series).toEqual({
      times: [
        Date.parse('2024-01-01T00:00:00Z') / 1000,
        Date.parse('2024-01-02T00:00:00Z') / 1000,
        now / 1000,
      ],
      values: [1, -2.5, -2.5],
      exact: [100n, -250n, -250n],
      changes: 2,
    });
  });

  it('keeps huge balances exact for tooltips and close for drawing', () => {
    const huge = 18446744073709551615n * 1000n;
    const [big] = historyByAsset([balance('BTC/8', huge, '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z')]);
    const series = big ? chartSeries(big, Date.parse('2024-01-03T00:00:00Z')) : undefined;
    expect(series?.exact[0]).toBe(huge);
    expect(series?.values[0]).toBeCloseTo(184467440737095.5, 0);
    expect(toMajorNumber(5n, 2)).toBe(0.05);
    expect(toMajorNumber(-5n, 2)).toBe(-0.05);
    expect(toMajorNumber(123n, 0)).toBe(123);
  });

  it('runs the newest balance on to now, or to when it was last seen if later', () => {
    const [usd] = historyByAsset([balance('USD/2', 100, '2024-01-01T00:00:00Z', '2024-01-09T00:00:00Z')]);
    const series = usd ? chartSeries(usd, Date.parse('2024-01-02T00:00:00Z')) : undefined;
    expect(series?.times.at(-1)).toBe(Date.parse('2024-01-09T00:00:00Z') / 1000);
    expect(series?.changes).toBe(1);
  });

  it('has no chart without data', () => {
    expect(chartSeries({ asset: 'USD/2', steps: [], current: 0n })).toBeUndefined();
  });
});
