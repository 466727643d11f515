/** A container's metric series → the CPU and memory charts with their request and limit lines. */
import { describe, expect, it } from 'vitest';
import { containerCharts } from '../src/features/podmetrics/model';

const MiB = 1024 * 1024;

describe('container charts', () => {
  it('draws usage with the request and limit lines that are set (memory in MiB)', () => {
    const charts = containerCharts({
      container: 'main',
      times_ms: [1, 2],
      series: {
        cpu_m_avg: [5, 6],
        cpu_request_m: [10, 10],
        cpu_limit_m: [null, null], // unset: no line
        mem_bytes_avg: [64 * MiB, 96 * MiB],
        mem_request: [64 * MiB, 64 * MiB],
        mem_limit: [128 * MiB, 128 * MiB],
      },
    });
    expect(charts.map((c) => [c.resource, c.unit, c.lines.map((l) => l.line)])).toEqual([
      ['cpu', 'm', ['usage', 'request']],
      ['memory', 'MiB', ['usage', 'request', 'limit']],
    ]);
    expect(charts[1]!.lines[0]!.values).toEqual([64, 96]);
    expect(charts[1]!.lines[2]!.values).toEqual([128, 128]);
  });

  it("reads a workload's summed fields and draws nothing without usage", () => {
    const charts = containerCharts({
      container: 'main',
      times_ms: [1],
      series: { cpu_m: [null], mem_bytes: [2 * MiB], mem_limit: [null] },
    });
    expect(charts.map((c) => c.resource)).toEqual(['memory']);
    expect(charts[0]!.lines.map((l) => l.line)).toEqual(['usage']);
  });
});
