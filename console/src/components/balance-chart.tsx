// A small step chart of one asset's balance over time (hand-written SVG: a few lines, no chart library).
import type { AssetHistory } from '../lib/balance-history.js';
import { stepChart } from '../lib/balance-history.js';
import { amountText, timeText } from '../lib/format.js';

const WIDTH = 560;
const HEIGHT = 120;

export function BalanceChart({ history }: { history: AssetHistory }) {
  const chart = stepChart(history.steps, WIDTH, HEIGHT);
  if (!chart) return null;
  const first = history.steps[0];
  const summary =
    history.steps.length === 1
      ? `${history.asset} balance held at ${amountText(history.current, history.asset)}`
      : `${history.asset} balance over time: ${history.steps.length} changes, from ${amountText(first ? first.value : 0n, history.asset)} to ${amountText(history.current, history.asset)}`;
  return (
    <figure className="chart">
      <div className="chart-plot">
        <div className="chart-y" aria-hidden="true">
          <span>{amountText(chart.high, history.asset)}</span>
          <span>{amountText(chart.low, history.asset)}</span>
        </div>
        <svg
          viewBox={`-2 -4 ${WIDTH + 4} ${HEIGHT + 8}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={summary}
        >
          <line className="chart-axis" x1={0} y1={HEIGHT} x2={WIDTH} y2={HEIGHT} />
          <path className="chart-line" d={chart.path} vectorEffect="non-scaling-stroke" />
        </svg>
      </div>
      <figcaption className="chart-x">
        <span>{timeText(new Date(chart.start).toISOString())}</span>
        <span>now</span>
      </figcaption>
    </figure>
  );
}
