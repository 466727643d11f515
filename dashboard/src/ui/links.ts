/** URL of an object's detail page in the dashboard (kind → page). */
import type { ObjectRefView } from '../api/types';

export const WORKLOAD_KINDS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'ReplicaSet',
];

/** Kinds whose list and detail pages sit under the cluster at `<path>` and `<path>/:ns/:name`. */
export const LIST_PATHS: Record<string, string> = {
  Service: 'services',
  Ingress: 'ingresses',
  PersistentVolumeClaim: 'pvcs',
};

export function subjectPath(cluster: string, ref: ObjectRefView): string {
  const c = `/clusters/${encodeURIComponent(cluster)}`;
  const ns = encodeURIComponent(ref.namespace || '-');
  const name = encodeURIComponent(ref.name);
  if (ref.kind === 'Pod') return `${c}/pods/${ns}/${name}`;
  if (ref.kind === 'Node') return `${c}/nodes/${name}`;
  if (ref.kind in LIST_PATHS) return `${c}/${LIST_PATHS[ref.kind]}/${ns}/${name}`;
  if (WORKLOAD_KINDS.includes(ref.kind)) return `${c}/workloads/${ref.kind}/${ns}/${name}`;
  return c;
}
