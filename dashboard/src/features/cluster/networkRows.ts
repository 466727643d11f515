/**
 * Services and Ingresses as table rows, and the links between them and the pods: a Service to
 * the pods its selector picks, an Ingress to the Services it routes to. Pure: bodies are read
 * as the agent projected them (agent/sources/services.py, ingresses.py).
 */
import type { ResourceItem } from '../../api/types';
import { parseTime } from '../../ui/format';

export interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
  protocol?: string;
}

interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}

export interface ServiceRow {
  key: string;
  namespace: string;
  name: string;
  health: string;
  type: string;
  clusterIP: string;
  ports: string;
  selector: Record<string, string>;
  external: string;
  createdMs: number | null;
}

export interface BackendRef {
  service: string;
  port: string;
}

export interface IngressPath {
  host: string;
  path: string;
  backend: BackendRef | null;
}

export interface IngressRow {
  key: string;
  namespace: string;
  name: string;
  health: string;
  className: string;
  hosts: string[];
  paths: IngressPath[];
  backends: BackendRef[];
  tls: boolean;
  address: string;
  createdMs: number | null;
}

function record(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function list<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

function strings(v: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record(v)).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** "80→8080/TCP", "443/TCP", "53:30053/UDP" (node port after the colon), comma-separated. */
export function formatPorts(ports: ServicePort[]): string {
  return ports
    .map((p) => {
      const node = p.nodePort ? `:${p.nodePort}` : '';
      const target =
        p.targetPort !== undefined && String(p.targetPort) !== String(p.port)
          ? `→${p.targetPort}`
          : '';
      return `${p.port ?? ''}${node}${target}/${p.protocol ?? 'TCP'}`;
    })
    .join(', ');
}

function addresses(status: unknown): string {
  return list<LoadBalancerIngress>(record(status).loadBalancer)
    .map((a) => a.ip ?? a.hostname ?? '')
    .filter(Boolean)
    .join(', ');
}

export function toServiceRow(item: ResourceItem): ServiceRow {
  const spec = item.object.spec ?? {};
  return {
    key: `${item.namespace}/${item.name}`,
    namespace: item.namespace,
    name: item.name,
    health: item.health,
    type: typeof spec.type === 'string' ? spec.type : 'ClusterIP',
    clusterIP: typeof spec.clusterIP === 'string' ? spec.clusterIP : '',
    ports: formatPorts(list<ServicePort>(spec.ports)),
    selector: strings(spec.selector),
    external:
      addresses(item.object.status) ||
      (typeof spec.externalName === 'string' ? spec.externalName : ''),
    createdMs: parseTime(item.object.metadata?.creationTimestamp),
  };
}

export function formatSelector(selector: Record<string, string>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Kubernetes' rule: an empty selector picks no pods (the Service's endpoints are manual). */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const wanted = Object.entries(selector);
  return wanted.length > 0 && wanted.every(([k, v]) => labels[k] === v);
}

/** The pods a Service routes to: its namespace, every selector label matching. */
export function podsSelectedBy(service: ServiceRow, pods: ResourceItem[]): ResourceItem[] {
  return pods.filter(
    (p) => p.namespace === service.namespace && selects(service.selector, p.labels ?? {}),
  );
}

/** Pod count per Service key, in one pass over the pods per namespace. */
export function selectedCounts(services: ServiceRow[], pods: ResourceItem[]): Map<string, number> {
  const byNs = new Map<string, ResourceItem[]>();
  for (const p of pods) {
    const same = byNs.get(p.namespace);
    if (same) same.push(p);
    else byNs.set(p.namespace, [p]);
  }
  return new Map(
    services.map((s) => [s.key, podsSelectedBy(s, byNs.get(s.namespace) ?? []).length]),
  );
}

function backendOf(v: unknown): BackendRef | null {
  const service = record(record(v).service);
  if (typeof service.name !== 'string') return null;
  const port = record(service.port);
  const p = port.number ?? port.name;
  return { service: service.name, port: p === undefined ? '' : String(p) };
}

export function toIngressRow(item: ResourceItem): IngressRow {
  const spec = item.object.spec ?? {};
  const paths: IngressPath[] = [];
  const fallback = backendOf(spec.defaultBackend);
  if (fallback) paths.push({ host: '*', path: '', backend: fallback });
  for (const rule of list<Record<string, unknown>>(spec.rules)) {
    const host = typeof rule.host === 'string' ? rule.host : '*';
    for (const p of list<Record<string, unknown>>(record(rule.http).paths))
      paths.push({
        host,
        path: typeof p.path === 'string' ? p.path : '/',
        backend: backendOf(p.backend),
      });
  }
  const seen = new Set<string>();
  const backends = paths
    .map((p) => p.backend)
    .filter((b): b is BackendRef => b !== null)
    .filter((b) => !seen.has(b.service) && !!seen.add(b.service));
  return {
    key: `${item.namespace}/${item.name}`,
    namespace: item.namespace,
    name: item.name,
    health: item.health,
    className: typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '',
    hosts: [...new Set(list<Record<string, unknown>>(spec.rules).map((r) => r.host))].filter(
      (h): h is string => typeof h === 'string',
    ),
    paths,
    backends,
    tls: list(spec.tls).length > 0,
    address: addresses(item.object.status),
    createdMs: parseTime(item.object.metadata?.creationTimestamp),
  };
}
