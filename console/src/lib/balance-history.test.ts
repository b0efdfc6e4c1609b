// Balance history by asset and its step chart: order, current value, exact scaling of huge values.
import { describe, expect, it } from 'vitest';
import { historyByAsset, stepChart } from './balance-history.js';

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

  it('draws steps: flat until the next value, zero at the bottom, the highest at the top', () => {
    const [usd] = historyByAsset([
      balance('USD/2', 100, '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'),
      balance('USD/2', 200, '2024-01-02T00:00:00Z', '2024-01-03T00:00:00Z'),
    ]);
    const chart = stepChart(usd?.steps ?? [], 200, 100, Date.parse('2024-01-03T00:00:00Z'));
    expect(chart).toMatchObject({ low: 0n, high: 200n });
    expect(chart?.path).toBe('M0,50 H100 V0 H200');
  });

  it('scales balances beyond 2^64 without losing their order', () => {
    const [big] = historyByAsset([
      balance('BTC/8', 18446744073709551615n, '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'),
      balance('BTC/8', 18446744073709551614n * 2n, '2024-01-02T00:00:00Z', '2024-01-03T00:00:00Z'),
    ]);
    expect(stepChart(big?.steps ?? [], 100, 100, Date.parse('2024-01-03T00:00:00Z'))?.path).toBe(
      'M0,50 H50 V0 H100',
    );
  });

  it('runs the newest balance on to now', () => {
    const [usd] = historyByAsset([balance('USD/2', 100, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')]);
    const chart = stepChart(usd?.steps ?? [], 100, 100, Date.parse('2024-01-02T00:00:00Z'));
    expect(chart?.end).toBe(Date.parse('2024-01-02T00:00:00Z'));
    expect(chart?.path).toBe('M0,0 H100');
  });

  it('has no chart without data', () => {
    expect(stepChart([], 100, 100)).toBeUndefined();
  });
});
