import { describe, expect, it } from 'vitest';
import type { ResourceItem } from '../src/api/types';
import { filterNamed } from '../src/features/cluster/namedRows';
import {
  formatPorts,
  podsSelectedBy,
  selectedCounts,
  selects,
  toIngressRow,
  toServiceRow,
} from '../src/features/cluster/networkRows';
import { claimMounts, toPvcRow } from '../src/features/cluster/pvcRows';
import { pod } from './fixtures';

function item(
  kind: string,
  name: string,
  body: { spec?: Record<string, unknown>; status?: Record<string, unknown> },
  opts: { ns?: string; health?: string; labels?: Record<string, string> } = {},
): ResourceItem {
  const ns = opts.ns ?? 'shop';
  return {
    kind,
    namespace: ns,
    name,
    uid: `uid-${name}`,
    resource_version: '1',
    health: opts.health ?? 'ok',
    labels: opts.labels ?? {},
    object: {
      metadata: { name, namespace: ns, creationTimestamp: '2026-01-01T00:00:00Z' },
      ...body,
    },
  };
}

function labelled(name: string, ns: string, labels: Record<string, string>): ResourceItem {
  return { ...pod(name, { ns }), labels };
}

function withClaims(name: string, ns: string, claims: string[]): ResourceItem {
  const p = pod(name, { ns });
  p.object.spec = {
    ...p.object.spec,
    volumes: [
      { name: 'tmp', type: 'emptyDir' },
      ...claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })),
    ],
  };
  return p;
}

describe('Service rows', () => {
  const svc = item('Service', 'web', {
    spec: {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.10',
      selector: { app: 'web', tier: 'front' },
      ports: [
        { port: 80, targetPort: 8080, protocol: 'TCP' },
        { port: 443, targetPort: 443, nodePort: 30443 },
      ],
    },
    status: { loadBalancer: [{ ip: '203.0.113.7' }, { hostname: 'lb.example' }] },
  });

  it('reads type, cluster IP, ports, selector and load-balancer addresses', () => {
    const r = toServiceRow(svc);
    expect([r.type, r.clusterIP, r.external]).toEqual([
      'LoadBalancer',
      '10.96.0.10',
      '203.0.113.7, lb.example',
    ]);
    expect(r.ports).toBe('80→8080/TCP, 443:30443/TCP');
    expect(r.selector).toEqual({ app: 'web', tier: 'front' });
  });

  it('defaults the type to ClusterIP and shows an ExternalName as the external address', () => {
    const r = toServiceRow(item('Service', 'ext', { spec: { externalName: 'db.example' } }));
    expect([r.type, r.external, r.ports]).toEqual(['ClusterIP', 'db.example', '']);
  });

  it('formats a named target port', () => {
    expect(formatPorts([{ port: 53, targetPort: 'dns', protocol: 'UDP' }])).toBe('53→dns/UDP');
  });

  it('selects the pods of its namespace whose labels include every selector label', () => {
    const pods = [
      labelled('web-1', 'shop', { app: 'web', tier: 'front', extra: 'x' }),
      labelled('web-2', 'shop', { app: 'web' }), // tier missing
      labelled('web-3', 'other', { app: 'web', tier: 'front' }), // other namespace
      labelled('web-4', 'shop', { app: 'web', tier: 'back' }),
    ];
    const r = toServiceRow(svc);
    expect(podsSelectedBy(r, pods).map((p) => p.name)).toEqual(['web-1']);
    expect(selectedCounts([r], pods).get('shop/web')).toBe(1);
  });

  it('selects no pods with an empty selector, as Kubernetes does', () => {
    expect(selects({}, { app: 'web' })).toBe(false);
    const bare = toServiceRow(item('Service', 'manual', { spec: {} }));
    expect(selectedCounts([bare], [labelled('a', 'shop', { app: 'web' })]).get('shop/manual')).toBe(
      0,
    );
  });
});

describe('Ingress rows', () => {
  const ing = item('Ingress', 'shop', {
    spec: {
      ingressClassName: 'haproxy',
      defaultBackend: { service: { name: 'fallback', port: { number: 80 } } },
      rules: [
        {
          host: 'shop.example',
          http: {
            paths: [
              { path: '/', backend: { service: { name: 'web', port: { number: 80 } } } },
              { path: '/api', backend: { service: { name: 'api', port: { name: 'http' } } } },
            ],
          },
        },
        {
          host: 'admin.example',
          http: {
            paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }],
          },
        },
        { http: { paths: [{ backend: { resource: { kind: 'Bucket', name: 'static' } } }] } },
      ],
      tls: [{ hosts: ['shop.example'], secretName: 'shop-tls' }],
    },
    status: { loadBalancer: [{ ip: '198.51.100.2' }] },
  });

  it('lists every path with its Service and port, the default backend first', () => {
    const r = toIngressRow(ing);
    expect(r.paths).toEqual([
      { host: '*', path: '', backend: { service: 'fallback', port: '80' } },
      { host: 'shop.example', path: '/', backend: { service: 'web', port: '80' } },
      { host: 'shop.example', path: '/api', backend: { service: 'api', port: 'http' } },
      { host: 'admin.example', path: '/', backend: { service: 'web', port: '80' } },
      { host: '*', path: '/', backend: null }, // a resource backend: no Service to link
    ]);
  });

  it('names each backend Service once, the hosts, class, TLS and address', () => {
    const r = toIngressRow(ing);
    expect(r.backends.map((b) => b.service)).toEqual(['fallback', 'web', 'api']);
    expect(r.hosts).toEqual(['shop.example', 'admin.example']);
    expect([r.className, r.tls, r.address]).toEqual(['haproxy', true, '198.51.100.2']);
  });

  it('is empty, not broken, for an Ingress with no rules', () => {
    const r = toIngressRow(item('Ingress', 'bare', {}));
    expect([r.paths, r.backends, r.hosts, r.tls, r.className]).toEqual([[], [], [], false, '']);
  });
});

describe('PVC rows', () => {
  it('shows the bound capacity, the requested size while pending', () => {
    const bound = toPvcRow(
      item('PersistentVolumeClaim', 'data', {
        spec: {
          storageClassName: 'fast',
          accessModes: ['ReadWriteOnce', 'ReadOnlyMany'],
          volumeName: 'pv-1',
          requests: { storage: '10Gi' },
        },
        status: { phase: 'Bound', capacity: { storage: '16Gi' } },
      }),
    );
    expect([
      bound.phase,
      bound.capacity,
      bound.storageClass,
      bound.accessModes,
      bound.volume,
    ]).toEqual(['Bound', '16Gi', 'fast', 'ReadWriteOnce, ReadOnlyMany', 'pv-1']);
    const pending = toPvcRow(
      item('PersistentVolumeClaim', 'new', { spec: { requests: { storage: '1Gi' } }, status: {} }),
    );
    expect([pending.phase, pending.capacity, pending.volume]).toEqual(['Unknown', '1Gi', '']);
  });

  it('maps each claim to the pods of its namespace that mount it', () => {
    const mounts = claimMounts([
      withClaims('db-1', 'shop', ['data', 'logs']),
      withClaims('db-0', 'shop', ['data']),
      withClaims('other', 'lab', ['data']),
      pod('plain', { ns: 'shop' }),
    ]);
    expect(mounts.get('shop/data')).toEqual(['db-0', 'db-1']);
    expect(mounts.get('shop/logs')).toEqual(['db-1']);
    expect(mounts.get('lab/data')).toEqual(['other']);
    expect(mounts.size).toBe(3);
  });
});

describe('filterNamed', () => {
  const rows = [
    toServiceRow(item('Service', 'web', {}, { ns: 'shop' })),
    toServiceRow(item('Service', 'api', {}, { ns: 'shop', health: 'warning' })),
    toServiceRow(item('Service', 'web', {}, { ns: 'lab', health: 'critical' })),
  ];

  it('sorts worst health first, then namespace/name', () => {
    expect(filterNamed(rows, { namespace: '', q: '' }).map((r) => r.key)).toEqual([
      'lab/web',
      'shop/api',
      'shop/web',
    ]);
  });

  it('filters by namespace and by a case-insensitive name substring', () => {
    expect(filterNamed(rows, { namespace: 'shop', q: '' }).map((r) => r.key)).toEqual([
      'shop/api',
      'shop/web',
    ]);
    expect(filterNamed(rows, { namespace: '', q: ' WE ' }).map((r) => r.key)).toEqual([
      'lab/web',
      'shop/web',
    ]);
  });
});
