import { describe, expect, it } from 'vitest';
import { readCookie } from '../src/auth/session';
import { helmInstall } from '../src/features/admin/helmLine';
import { toWorkloadRow } from '../src/features/cluster/workloadRows';
import { field, ratioPercent } from '../src/features/node/series';
import type { NodeSeries, ResourceItem } from '../src/api/types';
import { duration, relative } from '../src/ui/format';
import { subjectPath } from '../src/ui/links';

describe('readCookie', () => {
  it('finds the CSRF cookie among others and decodes it', () => {
    expect(readCookie('a=1; lookout_csrf=abc%3D; b=2', 'lookout_csrf')).toBe('abc=');
    expect(readCookie('a=1', 'lookout_csrf')).toBeNull();
  });
});

describe('helmInstall', () => {
  it('puts the token in a Secret, never on the helm line', () => {
    const text = helmInstall('edge-1', 'lkt_secret', 'grpc.example:7443');
    const helm = text.split('\n').filter((l) => !l.startsWith('kubectl'));
    expect(text).toContain("--from-literal=token='lkt_secret'");
    expect(helm.join('\n')).not.toContain('lkt_secret');
    expect(text).toContain('--set clusterName=edge-1');
    expect(text).toContain('--set master.address=grpc.example:7443');
    expect(text).toContain('--set token.existingSecret=lookout-agent-token');
  });
});

describe('node series', () => {
  const s: NodeSeries = {
    cluster: 'c',
    node: 'n',
    from_ms: 0,
    to_ms: 1,
    resolution: '5m',
    step_ms: 300000,
    times_ms: [1, 2],
    series: { cpu_pct_avg: [10, 20], mem_used_avg: [1, null], mem_total_avg: [4, 4] },
  };
  it('reads raw or roll-up field names and computes ratios with gaps', () => {
    expect(field(s, 'cpu_pct')).toEqual([10, 20]);
    expect(ratioPercent(field(s, 'mem_used'), field(s, 'mem_total'))).toEqual([25, null]);
    expect(field(s, 'temp_c')).toBeNull();
  });
});

describe('format', () => {
  it('says durations compactly and times relatively', () => {
    expect(duration(14 * 60_000)).toBe('14m');
    expect(duration(3 * 3_600_000 + 5 * 60_000)).toBe('3h 5m');
    expect(duration(2 * 86_400_000 + 4 * 3_600_000)).toBe('2d 4h');
    expect(relative(0, 3 * 60_000, 'en')).toMatch(/3 min/);
    expect(relative(0, 3 * 60_000, 'ja')).toMatch(/3/);
  });
});

describe('links and workload rows', () => {
  it('routes subjects to their detail pages', () => {
    expect(subjectPath('c', { kind: 'Pod', namespace: 'ns', name: 'p' })).toBe(
      '/clusters/c/pods/ns/p',
    );
    expect(subjectPath('c', { kind: 'Node', namespace: '', name: 'n1' })).toBe(
      '/clusters/c/nodes/n1',
    );
    expect(subjectPath('c', { kind: 'Deployment', namespace: 'ns', name: 'd' })).toBe(
      '/clusters/c/workloads/Deployment/ns/d',
    );
  });

  it('reads ready/desired and the rollout state of a Deployment', () => {
    const d: ResourceItem = {
      kind: 'Deployment',
      namespace: 'ns',
      name: 'web',
      uid: 'u',
      resource_version: '1',
      health: 'critical',
      labels: {},
      object: {
        spec: {
          replicas: 3,
          template: { spec: { containers: [{ name: 'main', image: 'web:1' }] } },
        },
        status: {
          readyReplicas: 1,
          conditions: [
            { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' },
          ],
        },
      },
    };
    expect(toWorkloadRow(d)).toMatchObject({
      ready: 1,
      desired: 3,
      rollout: 'MinimumReplicasUnavailable',
      images: 'web:1',
    });
  });
});
