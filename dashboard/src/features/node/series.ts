/** Picking chart series out of the history API's answer (raw or roll-up field names). Pure. */
import type { NodeSeries } from '../../api/types';

export function field(s: NodeSeries, name: string): (number | null)[] | null {
  return s.series[name] ?? s.series[`${name}_avg`] ?? null;
}

export function ratioPercent(
  used: (number | null)[] | null,
  total: (number | null)[] | null,
): (number | null)[] | null {
  if (!used || !total) return null;
  return used.map((u, i) => {
    const t = total[i];
    return u === null || t === null || t === undefined || t === 0 ? null : (100 * u) / t;
  });
}

export function hasData(values: (number | null)[] | null): values is (number | null)[] {
  return !!values && values.some((v) => v !== null);
}
