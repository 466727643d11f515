/** Nodes as rows: readiness, roles, cordoned, pods, and the metric sample if any. Pure. */
import type { MetricsSummary, ResourceItem } from '../../api/types';
import { conditions } from '../../shared/k8s';
import { parseTime } from '../../ui/format';

export interface NodeRow {
  name: string;
  health: string;
  ready: string;
  roles: string;
  cordoned: boolean;
  pods: number;
  cpuPercent: number | null;
  memPercent: number | null;
  version: string;
  createdMs: number | null;
}

export function toNodeRow(
  n: ResourceItem,
  podsOnNode: Map<string, number>,
  metrics?: MetricsSummary,
): NodeRow {
  const ready = conditions(n.object).find((c) => c.type === 'Ready')?.status ?? 'Unknown';
  const roles = Object.keys(n.labels)
    .filter((l) => l.startsWith('node-role.kubernetes.io/'))
    .map((l) => l.slice('node-role.kubernetes.io/'.length))
    .join(',');
  const m = metrics?.per_node[n.name];
  const info = (n.object.status?.nodeInfo ?? {}) as { kubeletVersion?: string };
  return {
    name: n.name,
    health: n.health,
    ready,
    roles,
    cordoned: n.object.spec?.unschedulable === true,
    pods: podsOnNode.get(n.name) ?? 0,
    cpuPercent: m ? m.cpu_percent : null,
    memPercent:
      m && m.memory_total_bytes ? (100 * m.memory_used_bytes) / m.memory_total_bytes : null,
    version: info.kubeletVersion ?? '',
    createdMs: parseTime(n.object.metadata?.creationTimestamp),
  };
}

export function podsPerNode(pods: ResourceItem[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of pods) {
    const node = p.object.spec?.nodeName;
    if (typeof node === 'string') out.set(node, (out.get(node) ?? 0) + 1);
  }
  return out;
}
