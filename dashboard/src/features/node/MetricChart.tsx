/** One uPlot line chart (time on x); sized to its box, redrawn when data or theme change. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export function MetricChart({
  title,
  times,
  series,
  unit,
}: {
  title: string;
  times: number[];
  series: { label: string; values: (number | null)[] }[];
  unit: string;
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
            stroke: colors[i % colors.length],
            width: 1.5,
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
      },
      [times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    return () => plot.destroy();
  }, [times, series, unit]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
