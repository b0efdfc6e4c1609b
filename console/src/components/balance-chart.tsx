// One asset's balance over time, drawn by uPlot (a small, maintained canvas chart library): a step line
// with a point at each change, an auto-scaled value axis, a time axis in the viewer's zone, and a tooltip
// with the exact balance (formatted from the bigint, never from the double the line is drawn with).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type AssetHistory, chartSeries } from '../lib/balance-history.js';
import { amountText, timeText, viewerLocale } from '../lib/format.js';

const HEIGHT = 180;

/** The page's colours (CSS variables), read when drawing: a canvas cannot follow them by itself. */
function palette(element: Element) {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read('--muted', '#5b6675'),
    grid: read('--line', '#dde2e8'),
    line: read('--accent', '#1f5fbf'),
    panel: read('--panel', '#ffffff'),
  };
}

/** A time tick (seconds) as the viewer reads it: a time for ticks under a day apart, else a date. */
function tickText(seconds: number, increment: number, locale: string): string {
  const date = new Date(seconds * 1000);
  if (increment < 1)
    return date.toLocaleTimeString(locale, {
      minute: '2-digit',
      second: '2-digit',
      fractionalSecondDigits: 1,
    });
  if (increment < 60)
    return date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  if (increment < 86_400) return date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  if (increment < 365 * 86_400) return date.toLocaleDateString(locale, { month: 'short', day: 'numeric' });
  return date.toLocaleDateString(locale, { year: 'numeric', month: 'short' });
}

export function BalanceChart({ history }: { history: AssetHistory }) {
  const box = useRef<HTMLDivElement>(null);
  const tooltip = useRef<HTMLDivElement>(null);
  const series = chartSeries(history);
  const first = history.steps[0];
  const summary =
    history.steps.length === 1
      ? `${history.asset} balance held at ${amountText(history.current, history.asset)}`
      : `${history.asset} balance over time: ${history.steps.length} changes, from ${amountText(first ? first.value : 0n, history.asset)} to ${amountText(history.current, history.asset)}`;

  useEffect(() => {
    const element = box.current;
    const tip = tooltip.current;
    if (!element || !tip || !series) return undefined;
    const locale = viewerLocale();
    const number = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 2 });
    let chart: uPlot | undefined;

    const showTip = (u: uPlot) => {
      const idx = u.cursor.idx;
      if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
        tip.hidden = true;
        return;
      }
      const exact = series.exact[idx];
      const time = series.times[idx];
      if (exact === undefined || time === undefined) return;
      const isNow = idx === series.exact.length - 1;
      tip.replaceChildren();
      const value = document.createElement('strong');
      value.textContent = amountText(exact, history.asset);
      const when = document.createElement('span');
      when.textContent = isNow ? 'now' : `since ${timeText(new Date(time * 1000).toISOString())}`;
      tip.append(value, when);
      tip.hidden = false;
      // Beside the point, kept inside the plot.
      const x = u.valToPos(time, 'x');
      const y = u.valToPos(series.values[idx] ?? 0, 'y');
      const over = u.over.getBoundingClientRect();
      const frame = element.getBoundingClientRect();
      const flip = x > over.width / 2;
      tip.style.left = `${over.left - frame.left + x + (flip ? -12 : 12)}px`;
      tip.style.top = `${over.top - frame.top + y}px`;
      tip.style.transform = `translate(${flip ? '-100%' : '0'}, -50%)`;
    };

    const build = () => {
      chart?.destroy();
      const colours = palette(element);
      const axis = {
        stroke: colours.text,
        grid: { stroke: colours.grid, width: 1 },
        ticks: { stroke: colours.grid, width: 1 },
        font: '12px system-ui, sans-serif',
      };
      const options: uPlot.Options = {
        width: Math.max(element.clientWidth, 240),
        height: HEIGHT,
        legend: { show: false },
        // Room on the right for the last time label, which is centred on its tick.
        padding: [null, 40, null, null],
        cursor: { y: false, drag: { x: false, y: false }, points: { size: 9 } },
        scales: { x: { time: true } },
        axes: [
          {
            ...axis,
            space: 90,
            // Tick labels in the viewer's locale and zone, as precise as the tick spacing needs.
            values: (_u, ticks, _axis, _space, increment) => ticks.map((t) => tickText(t, increment, locale)),
          },
          {
            ...axis,
            size: 64,
            // Axis labels are rounded on purpose (compact); the tooltip and the table are exact.
            values: (_u, ticks) => ticks.map((t) => number.format(t)),
          },
        ],
        series: [
          {},
          {
            label: history.asset,
            stroke: colours.line,
            width: 2,
            paths: uPlot.paths.stepped?.({ align: 1 }),
            points: {
              show: true,
              size: 7,
              space: 0,
              fill: colours.panel,
              stroke: colours.line,
              // A point at each change; the last point is "now", not a change.
              filter: () => series.exact.slice(0, series.changes).map((_, i) => i),
            },
          },
        ],
        hooks: { setCursor: [showTip] },
      };
      chart = new uPlot(options, [series.times, series.values], element);
    };

    build();
    const resize = new ResizeObserver(() =>
      chart?.setSize({ width: Math.max(element.clientWidth, 240), height: HEIGHT }),
    );
    resize.observe(element);
    // Colours follow a change of the system's colour scheme.
    const scheme = window.matchMedia?.('(prefers-color-scheme: dark)');
    scheme?.addEventListener('change', build);
    const leave = () => (tip.hidden = true);
    element.addEventListener('mouseleave', leave);
    return () => {
      resize.disconnect();
      scheme?.removeEventListener('change', build);
      element.removeEventListener('mouseleave', leave);
      chart?.destroy();
    };
    // series is derived from history; redraw when the history does.
  }, [history]);

  if (!series) return null;
  return (
    <figure className="balance-chart">
      <div className="balance-chart-plot" role="img" aria-label={summary}>
        <div ref={box} aria-hidden="true" />
        <div ref={tooltip} className="balance-chart-tip" role="presentation" hidden />
      </div>
      <figcaption className="muted">
        Times in your zone ({Intl.DateTimeFormat().resolvedOptions().timeZone}); hover for exact values.
      </figcaption>
    </figure>
  );
}
