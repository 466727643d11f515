import { describe, expect, it } from 'vitest';
import { distinct, filterPods, sortPods, toPodRow } from '../src/features/cluster/podRows';
import { pod } from './fixtures';

const rows = [
  pod('web-1', { ns: 'shop', owner: 'ReplicaSet' }),
  pod('web-2', {
    ns: 'shop',
    owner: 'ReplicaSet',
    waiting: 'CrashLoopBackOff',
    restarts: 12,
    health: 'critical',
  }),
  pod('db-0', { ns: 'data', owner: 'StatefulSet', node: 'node-db' }),
  pod('loose', { ns: 'default', phase: 'Pending', health: 'warning' }),
].map(toPodRow);

const none = { namespace: '', ownerKind: '', status: '', q: '' };

describe('toPodRow', () => {
  it('derives status from the waiting reason, readiness, restarts and the last termination', () => {
    const r = rows[1]!;
    expect(r.status).toBe('CrashLoopBackOff');
    expect([r.ready, r.total, r.restarts]).toEqual([0, 1, 12]);
    expect(r.lastReason).toBe('Error (1)');
    expect(r.ownerKind).toBe('ReplicaSet');
  });
});

describe('filterPods', () => {
  it('filters by namespace, owner kind (or none), status and name/node search', () => {
    expect(filterPods(rows, { ...none, namespace: 'shop' }).map((r) => r.name)).toEqual([
      'web-1',
      'web-2',
    ]);
    expect(filterPods(rows, { ...none, ownerKind: 'StatefulSet' }).map((r) => r.name)).toEqual([
      'db-0',
    ]);
    expect(filterPods(rows, { ...none, ownerKind: '-' }).map((r) => r.name)).toEqual(['loose']);
    expect(filterPods(rows, { ...none, status: 'CrashLoopBackOff' }).map((r) => r.name)).toEqual([
      'web-2',
    ]);
    expect(filterPods(rows, { ...none, q: 'WEB' }).map((r) => r.name)).toEqual(['web-1', 'web-2']);
    expect(filterPods(rows, { ...none, q: 'node-db' }).map((r) => r.name)).toEqual(['db-0']);
    expect(
      filterPods(rows, { ...none, namespace: 'shop', status: 'Running' }).map((r) => r.name),
    ).toEqual(['web-1']);
  });

  it('filters 5,000 rows within a keystroke budget', () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      toPodRow(pod(`pod-${i}`, { ns: `ns-${i % 20}` })),
    );
    sortPods(filterPods(many, { ...none, q: 'x' }), null); // warm up the JIT
    const t0 = performance.now();
    const out = sortPods(filterPods(many, { ...none, namespace: 'ns-3', q: '9' }), null);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(out.every((r) => r.namespace === 'ns-3' && r.name.includes('9'))).toBe(true);
  });
});

describe('sortPods', () => {
  it('defaults to worst health first, then most restarts', () => {
    expect(sortPods(rows, null).map((r) => r.name)).toEqual(['web-2', 'loose', 'db-0', 'web-1']);
  });

  it('sorts by a column ascending and descending', () => {
    expect(sortPods(rows, { id: 'name', desc: false }).map((r) => r.name)).toEqual([
      'db-0',
      'loose',
      'web-1',
      'web-2',
    ]);
    expect(sortPods(rows, { id: 'restarts', desc: true })[0]?.name).toBe('web-2');
  });

  it('lists distinct filter options', () => {
    expect(distinct(rows, (r) => r.namespace)).toEqual(['data', 'default', 'shop']);
  });
});
