/**
 * The pod and workload metric routes as TanStack Query hooks. Samples arrive every 30 s (the
 * agent's metrics-server interval), so the open chart polls at that pace; these series are
 * not on the live stream.
 */
import { useQuery } from '@tanstack/react-query';
import { call, enc, qs } from '../../api/client';
import { RANGES, type Range } from '../../ui/RangePicker';
import type { ContainerMetrics } from './types';

export const METRICS_POLL_MS = 30_000;

/** Per cluster at [1] (live/merge.ts resyncs a cluster's caches by that position). */
export const podMetricKeys = {
  pod: (c: string, ns: string, pod: string, range: Range) =>
    ['pod-metrics', c, 'Pod', ns, pod, range] as const,
  workload: (c: string, kind: string, ns: string, name: string, range: Range) =>
    ['pod-metrics', c, kind, ns, name, range] as const,
};

export interface MetricsSubject {
  cluster: string;
  kind: string; // 'Pod' or a workload kind
  namespace: string;
  name: string;
}

export function metricsPath(s: MetricsSubject): string {
  const base = `clusters/${enc(s.cluster)}`;
  return s.kind === 'Pod'
    ? `${base}/pods/${enc(s.namespace)}/${enc(s.name)}/metrics`
    : `${base}/workloads/${enc(s.kind)}/${enc(s.namespace)}/${enc(s.name)}/metrics`;
}

export function useContainerMetrics(s: MetricsSubject, range: Range) {
  return useQuery({
    queryKey:
      s.kind === 'Pod'
        ? podMetricKeys.pod(s.cluster, s.namespace, s.name, range)
        : podMetricKeys.workload(s.cluster, s.kind, s.namespace, s.name, range),
    queryFn: () =>
      call<ContainerMetrics>(`${metricsPath(s)}${qs({ from: Date.now() - RANGES[range] })}`),
    refetchInterval: METRICS_POLL_MS,
  });
}
