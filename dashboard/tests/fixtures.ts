import type { ClusterView, Finding, ResourceItem } from '../src/api/types';

export function pod(
  name: string,
  opts: Partial<{
    ns: string;
    health: string;
    phase: string;
    waiting: string;
    restarts: number;
    node: string;
    owner: string;
    created: string;
  }> = {},
): ResourceItem {
  return {
    kind: 'Pod',
    namespace: opts.ns ?? 'default',
    name,
    uid: `uid-${name}`,
    resource_version: '1',
    health: opts.health ?? 'ok',
    labels: {},
    object: {
      metadata: {
        name,
        namespace: opts.ns ?? 'default',
        creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z',
        ownerReferences: opts.owner
          ? [{ kind: opts.owner, name: `${name}-owner`, controller: true }]
          : [],
      },
      spec: { nodeName: opts.node ?? 'node-1', containers: [{ name: 'main' }] },
      status: {
        phase: opts.phase ?? 'Running',
        containerStatuses: [
          {
            name: 'main',
            ready: !opts.waiting,
            restartCount: opts.restarts ?? 0,
            state: opts.waiting ? { waiting: { reason: opts.waiting } } : { running: {} },
            lastState: opts.restarts ? { terminated: { reason: 'Error', exitCode: 1 } } : {},
          },
        ],
      },
    },
  };
}

export function cluster(name: string, status = 'connected'): ClusterView {
  return {
    name,
    status,
    last_heartbeat_ms: 1,
    agent_version: '0.1.0',
    agent_instance: 'x',
    connected_since_ms: 1,
    synced: true,
    resource_counts: {},
    active_findings: 0,
    journal: { high_water_mark: 0, gaps_dropped: 0, agent_spool_depth: 0 },
    sources: {},
    limits: { degraded: false, exceeded: [] },
  };
}

export function finding(fp: string, severity: Finding['severity'], lastSeen: number): Finding {
  return {
    fingerprint: fp,
    reason: 'CrashLoopBackOff',
    severity,
    category: 'crash',
    subject: { kind: 'Pod', namespace: 'default', name: `p-${fp}` },
    owner: null,
    node: null,
    message: 'm',
    first_seen_ms: lastSeen - 1000,
    last_seen_ms: lastSeen,
    count: 1,
    attrs: {},
  };
}
