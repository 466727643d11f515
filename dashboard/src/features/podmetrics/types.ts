/**
 * View shape of the pod and workload metric routes (master/gateway/routes/pod_metrics.py):
 * the OpenAPI types them as `{}` (pre-encoded answers). Series are keyed by field name and
 * aligned with `times_ms`; null where a point has no value (an unset limit).
 */
export interface ContainerSeries {
  container: string;
  times_ms: number[];
  series: Record<string, (number | null)[]>;
}

export interface ContainerMetrics {
  cluster: string;
  namespace: string;
  from_ms: number;
  to_ms: number;
  resolution: string;
  step_ms: number;
  containers: ContainerSeries[];
}
