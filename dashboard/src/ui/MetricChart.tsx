/**
 * One uPlot line chart (time on x); sized to its box, redrawn when data or theme change. A
 * series may be a reference line (`line: 'request' | 'limit'`: dashed, in its own colour), so
 * usage is read against what the container asked for and may not exceed.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  line?: 'request' | 'limit';
}

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export function MetricChart({
  title,
  times,
  series,
  unit,
  window,
}: {
  title: string;
  times: number[];
  series: ChartSeries[];
  unit: string;
  /** The x range in epoch ms (the asked-for window): a few samples are not stretched over years. */
  window?: [number, number];
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const css = getComputedStyle(document.documentElement);
    const colors = [
      css.getPropertyValue('--accent').trim() || '#0b5cad',
      css.getPropertyValue('--warning').trim() || '#8a5300',
    ];
    const lines = {
      request: css.getPropertyValue('--muted').trim() || '#666',
      limit: css.getPropertyValue('--critical').trim() || '#b00020',
    };
    const axis = {
      stroke: css.getPropertyValue('--muted').trim(),
      grid: { stroke: css.getPropertyValue('--border').trim() },
    };
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 160,
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: s.line ? lines[s.line] : colors[i % colors.length],
            width: 1.5,
            dash: s.line ? [6, 4] : undefined,
            value: (_u: uPlot, v: number | null) => (v == null ? '' : `${v.toFixed(1)} ${unit}`),
          })),
        ],
        axes: [
          axis,
          {
            ...axis,
            size: 56,
            // Compact ticks (1.2M, 340K): bytes per second would not fit the gutter.
            values: (_u: uPlot, splits: number[]) => splits.map((v) => compact.format(v)),
          },
        ],
        legend: { show: true },
        scales: window ? { x: { time: true, range: [window[0] / 1000, window[1] / 1000] } } : {},
      },
      [times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    return () => plot.destroy();
  }, [times, series, unit, window]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
