/** Worst-first ordering of the fleet's clusters and its newest critical findings. Pure. */
import type { ClusterSummary, ClusterView, Finding, ResourceItem } from '../../api/types';

const STATUS_RANK: Record<string, number> = {
  offline: 3,
  never_connected: 2,
  reconnecting: 2,
  connected: 0,
};

export function clusterBadness(c: ClusterView, s: ClusterSummary | undefined): number[] {
  return [
    STATUS_RANK[c.status] ?? 1,
    s?.findings.critical ?? 0,
    s?.findings.warning ?? 0,
    c.limits.degraded ? 1 : 0,
    c.active_findings,
  ];
}

export function sortWorstFirst(
  clusters: ClusterView[],
  summaries: Map<string, ClusterSummary>,
): ClusterView[] {
  const score = new Map(clusters.map((c) => [c.name, clusterBadness(c, summaries.get(c.name))]));
  return [...clusters].sort((a, b) => {
    const x = score.get(a.name) ?? [];
    const y = score.get(b.name) ?? [];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const d = (y[i] ?? 0) - (x[i] ?? 0);
      if (d) return d;
    }
    return a.name.localeCompare(b.name);
  });
}

export interface FleetFinding extends Finding {
  cluster: string;
}

export function newestCriticals(byCluster: Map<string, Finding[]>, limit = 10): FleetFinding[] {
  const out: FleetFinding[] = [];
  for (const [cluster, items] of byCluster) {
    for (const f of items) if (f.severity === 'critical') out.push({ ...f, cluster });
  }
  return out.sort((a, b) => b.last_seen_ms - a.last_seen_ms).slice(0, limit);
}

export function podPhases(pods: ResourceItem[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const p of pods) {
    const phase = typeof p.object.status?.phase === 'string' ? p.object.status.phase : 'Unknown';
    counts.set(phase, (counts.get(phase) ?? 0) + 1);
  }
  const order = ['Failed', 'Pending', 'Unknown', 'Running', 'Succeeded'];
  return [...counts].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
}

export function nodeReadiness(nodes: ResourceItem[]): { ready: number; total: number } {
  let ready = 0;
  for (const n of nodes) {
    const conditions = (n.object.status?.conditions ?? []) as { type: string; status: string }[];
    if (conditions.some((c) => c.type === 'Ready' && c.status === 'True')) ready++;
  }
  return { ready, total: nodes.length };
}
