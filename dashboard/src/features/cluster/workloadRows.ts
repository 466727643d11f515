/** Workloads (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs) as rows. Pure. */
import type { ResourceItem } from '../../api/types';
import { conditions, num } from '../../shared/k8s';
import { parseTime } from '../../ui/format';

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'] as const;

export interface WorkloadRow {
  key: string;
  kind: string;
  namespace: string;
  name: string;
  health: string;
  ready: number | null;
  desired: number | null;
  rollout: string;
  images: string;
  createdMs: number | null;
}

function containersOf(item: ResourceItem): { name: string; image?: string }[] {
  const spec = item.object.spec ?? {};
  const template = (spec.template ??
    (spec.jobTemplate as { spec?: { template?: unknown } })?.spec?.template) as
    { spec?: { containers?: { name: string; image?: string }[] } } | undefined;
  return template?.spec?.containers ?? [];
}

export function workloadContainers(item: ResourceItem): string[] {
  return containersOf(item).map((c) => c.name);
}

export function toWorkloadRow(item: ResourceItem): WorkloadRow {
  const spec = item.object.spec ?? {};
  const status = item.object.status ?? {};
  let ready: number | null = null;
  let desired: number | null = null;
  switch (item.kind) {
    case 'Deployment':
    case 'StatefulSet':
      desired = num(spec.replicas) ?? 1;
      ready = num(status.readyReplicas) ?? 0;
      break;
    case 'DaemonSet':
      desired = num(status.desiredNumberScheduled);
      ready = num(status.numberReady) ?? 0;
      break;
    case 'Job':
      desired = num(spec.completions) ?? 1;
      ready = num(status.succeeded) ?? 0;
      break;
  }
  const progressing = conditions(item.object).find((c) => c.type === 'Progressing');
  const available = conditions(item.object).find((c) => c.type === 'Available');
  let rollout = '';
  if (progressing?.reason) rollout = progressing.reason;
  if (available?.status === 'False') rollout = available.reason ?? 'Unavailable';
  return {
    key: `${item.kind}/${item.namespace}/${item.name}`,
    kind: item.kind,
    namespace: item.namespace,
    name: item.name,
    health: item.health,
    ready,
    desired,
    rollout,
    images: containersOf(item)
      .map((c) => c.image ?? '')
      .join(', '),
    createdMs: parseTime(item.object.metadata?.creationTimestamp),
  };
}
