/** One uPlot line over an SLO's window (time on x, a percentage on y), redrawn with its data. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export function SloChart({
  title,
  label,
  times,
  values,
  digits,
  color,
  zeroLine,
}: {
  /** A dashed reference at 0 with this legend label (the budget is spent below it). */
  title: string;
  label: string;
  times: number[];
  values: (number | null)[];
  digits: number;
  color: 'accent' | 'critical';
  zeroLine?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const css = getComputedStyle(document.documentElement);
    const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
    const axis = { stroke: v('--muted', '#59636e'), grid: { stroke: v('--border', '#d5dae0') } };
    const fmt = (x: number | null) => (x == null ? '' : `${x.toFixed(digits)} %`);
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 180,
        series: [
          {},
          {
            label,
            stroke: v(color === 'critical' ? '--critical' : '--accent', '#0b5cad'),
            width: 1.5,
            spanGaps: false,
            value: (_u: uPlot, x: number | null) => fmt(x),
          },
          ...(zeroLine
            ? [{ label: zeroLine, stroke: v('--muted', '#59636e'), width: 1, dash: [4, 4] }]
            : []),
        ],
        axes: [axis, { ...axis, size: 84, values: (_u, splits) => splits.map((s) => fmt(s)) }],
        legend: { show: true },
      },
      [
        times.map((t) => t / 1000),
        values,
        ...(zeroLine ? [times.map(() => 0)] : []),
      ] as uPlot.AlignedData,
      el,
    );
    return () => plot.destroy();
  }, [times, values, digits, label, color, zeroLine]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
