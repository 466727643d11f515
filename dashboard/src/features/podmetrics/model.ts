/**
 * A container's series → the two charts the pages draw (CPU in millicores, memory in MiB),
 * each with usage and, where set, the request and limit lines. Pure.
 *
 * A pod's answer names usage `cpu_m_avg` / `mem_bytes_avg`; a workload's (summed over its
 * pods) `cpu_m` / `mem_bytes`; the request and limit fields are the same in both.
 */
import type { ContainerSeries } from './types';

const MiB = 1024 * 1024;

export type Line = 'usage' | 'request' | 'limit';

export interface ChartModel {
  resource: 'cpu' | 'memory';
  unit: 'm' | 'MiB';
  lines: { line: Line; values: (number | null)[] }[];
}

const FIELDS = {
  cpu: { usage: ['cpu_m_avg', 'cpu_m'], request: ['cpu_request_m'], limit: ['cpu_limit_m'] },
  memory: {
    usage: ['mem_bytes_avg', 'mem_bytes'],
    request: ['mem_request'],
    limit: ['mem_limit'],
  },
} as const;

function pick(c: ContainerSeries, names: readonly string[]): (number | null)[] | null {
  for (const n of names) if (c.series[n]) return c.series[n];
  return null;
}

const some = (v: (number | null)[] | null): v is (number | null)[] =>
  !!v && v.some((x) => x !== null);

export function containerCharts(c: ContainerSeries): ChartModel[] {
  const out: ChartModel[] = [];
  for (const resource of ['cpu', 'memory'] as const) {
    const scale = resource === 'memory' ? 1 / MiB : 1;
    const lines: ChartModel['lines'] = [];
    for (const line of ['usage', 'request', 'limit'] as const) {
      const values = pick(c, FIELDS[resource][line]);
      if (!some(values)) continue;
      lines.push({ line, values: values.map((v) => (v === null ? null : v * scale)) });
    }
    if (lines.some((l) => l.line === 'usage'))
      out.push({ resource, unit: resource === 'memory' ? 'MiB' : 'm', lines });
  }
  return out;
}
