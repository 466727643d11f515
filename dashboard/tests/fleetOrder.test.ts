import { describe, expect, it } from 'vitest';
import type { ClusterSummary } from '../src/api/types';
import {
  newestCriticals,
  nodeReadiness,
  podPhases,
  sortWorstFirst,
} from '../src/features/fleet/fleetOrder';
import { cluster, finding, pod } from './fixtures';

function summary(name: string, critical: number, warning: number): ClusterSummary {
  return {
    name,
    status: 'connected',
    synced: true,
    degraded: false,
    counts: {},
    health: {},
    findings: { critical, warning, info: 0 },
  };
}

describe('fleet ordering', () => {
  it('puts offline first, then most criticals, then most warnings, then name', () => {
    const clusters = [
      cluster('a'),
      cluster('b'),
      cluster('c', 'offline'),
      cluster('d'),
      cluster('e', 'reconnecting'),
    ];
    const s = new Map([
      ['a', summary('a', 0, 1)],
      ['b', summary('b', 2, 0)],
      ['d', summary('d', 0, 0)],
    ]);
    expect(sortWorstFirst(clusters, s).map((c) => c.name)).toEqual(['c', 'e', 'b', 'a', 'd']);
  });

  it('lists the newest critical findings across clusters', () => {
    const by = new Map([
      ['x', [finding('1', 'critical', 10), finding('2', 'warning', 99)]],
      ['y', [finding('3', 'critical', 50)]],
    ]);
    expect(newestCriticals(by).map((f) => [f.cluster, f.fingerprint])).toEqual([
      ['y', '3'],
      ['x', '1'],
    ]);
  });

  it('counts pods by phase, trouble first, and ready nodes', () => {
    expect(podPhases([pod('a'), pod('b', { phase: 'Pending' }), pod('c')])).toEqual([
      ['Pending', 1],
      ['Running', 2],
    ]);
    const ready = pod('n1');
    ready.object.status = { conditions: [{ type: 'Ready', status: 'True' }] };
    const notReady = pod('n2');
    notReady.object.status = { conditions: [{ type: 'Ready', status: 'Unknown' }] };
    expect(nodeReadiness([ready, notReady])).toEqual({ ready: 1, total: 2 });
  });
});
