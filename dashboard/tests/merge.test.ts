import { makeQueryClient } from '../src/app/queryClient';
import { describe, expect, it } from 'vitest';
import { keys } from '../src/api/keys';
import type {
  ClusterView,
  CommandPage,
  CommandView,
  Finding,
  Items,
  ResourceItem,
} from '../src/api/types';
import { mergeEvent, mergeEvents, toEvent } from '../src/live/merge';
import { cluster, finding, pod } from './fixtures';

// The app's own client: its defaults (no structural sharing for object lists) are part of
// what is tested.
function client() {
  return makeQueryClient();
}

function command(id: string, state: string): CommandView {
  return {
    id,
    cluster: 'c',
    type: 'scale',
    target: 'Deployment/default/web',
    params: {},
    dry_run: false,
    idempotency_key: null,
    state,
    terminal: state === 'succeeded',
    created_ms: 1,
    updated_ms: 2,
    deadline_ms: 3,
    requested_by: 'admin',
    result: null,
    error_code: null,
    message: null,
  };
}

describe('mergeEvent', () => {
  it('replaces a cluster in the list and its own cache, and adds a new one', () => {
    const qc = client();
    qc.setQueryData<Items<ClusterView>>(keys.clusters, { items: [cluster('a'), cluster('b')] });
    qc.setQueryData(keys.cluster('a'), cluster('a'));
    mergeEvent(qc, { type: 'cluster', data: cluster('a', 'offline') });
    mergeEvent(qc, { type: 'cluster', data: cluster('z') });
    const list = qc.getQueryData<Items<ClusterView>>(keys.clusters);
    expect(list?.items.map((c) => [c.name, c.status])).toEqual([
      ['a', 'offline'],
      ['b', 'connected'],
      ['z', 'connected'],
    ]);
    expect(qc.getQueryData<ClusterView>(keys.cluster('a'))?.status).toBe('offline');
  });

  it('upserts and deletes resources in the kind list and the single-object cache', () => {
    const qc = client();
    qc.setQueryData<Items<ResourceItem>>(keys.resources('c', 'Pod'), {
      items: [pod('a'), pod('b')],
    });
    qc.setQueryData(keys.resource('c', 'Pod', 'default', 'a'), pod('a'));
    const changed = pod('a', { health: 'critical' });
    mergeEvent(qc, {
      type: 'resource',
      data: {
        cluster: 'c',
        kind: 'Pod',
        op: 'upsert',
        namespace: 'default',
        name: 'a',
        object: changed,
      },
    });
    mergeEvent(qc, {
      type: 'resource',
      data: {
        cluster: 'c',
        kind: 'Pod',
        op: 'upsert',
        namespace: 'default',
        name: 'n',
        object: pod('n'),
      },
    });
    mergeEvent(qc, {
      type: 'resource',
      data: {
        cluster: 'c',
        kind: 'Pod',
        op: 'delete',
        namespace: 'default',
        name: 'b',
        object: null,
      },
    });
    const list = qc.getQueryData<Items<ResourceItem>>(keys.resources('c', 'Pod'));
    expect(list?.items.map((p) => [p.name, p.health])).toEqual([
      ['a', 'critical'],
      ['n', 'ok'],
    ]);
    expect(qc.getQueryData<ResourceItem>(keys.resource('c', 'Pod', 'default', 'a'))?.health).toBe(
      'critical',
    );
  });

  it('leaves caches nobody loaded alone (no half-lists)', () => {
    const qc = client();
    mergeEvent(qc, {
      type: 'resource',
      data: {
        cluster: 'c',
        kind: 'Pod',
        op: 'upsert',
        namespace: 'd',
        name: 'x',
        object: pod('x'),
      },
    });
    expect(qc.getQueryData(keys.resources('c', 'Pod'))).toBeUndefined();
  });

  it('keeps findings worst first then newest, and drops resolved ones', () => {
    const qc = client();
    qc.setQueryData<Items<Finding>>(keys.findings('c'), { items: [finding('w', 'warning', 10)] });
    mergeEvent(qc, {
      type: 'finding',
      data: { cluster: 'c', op: 'opened', finding: finding('c1', 'critical', 5) },
    });
    mergeEvent(qc, {
      type: 'finding',
      data: { cluster: 'c', op: 'opened', finding: finding('c2', 'critical', 20) },
    });
    mergeEvent(qc, {
      type: 'finding',
      data: { cluster: 'c', op: 'changed', finding: finding('w', 'warning', 30) },
    });
    let items = qc.getQueryData<Items<Finding>>(keys.findings('c'))?.items ?? [];
    expect(items.map((f) => f.fingerprint)).toEqual(['c2', 'c1', 'w']);
    expect(items[2]?.last_seen_ms).toBe(30);
    mergeEvent(qc, {
      type: 'finding',
      data: { cluster: 'c', op: 'resolved', finding: finding('c2', 'critical', 20) },
    });
    items = qc.getQueryData<Items<Finding>>(keys.findings('c'))?.items ?? [];
    expect(items.map((f) => f.fingerprint)).toEqual(['c1', 'w']);
  });

  it('updates a command everywhere it is shown, keeping known transitions', () => {
    const qc = client();
    qc.setQueryData(keys.command('1'), {
      ...command('1', 'pending'),
      transitions: [{ state: 'pending', at_ms: 1, message: null }],
    });
    qc.setQueryData<CommandPage>(keys.commands({}), {
      items: [command('1', 'pending')],
      next_before_ms: null,
      next_before_id: null,
    });
    mergeEvent(qc, { type: 'command', data: { command: command('1', 'succeeded') } });
    const one = qc.getQueryData<CommandView>(keys.command('1'));
    expect(one?.state).toBe('succeeded');
    expect(one?.transitions).toHaveLength(1);
    expect(qc.getQueryData<CommandPage>(keys.commands({}))?.items[0]?.state).toBe('succeeded');
  });

  it('a new command marks the command lists stale', () => {
    const qc = client();
    qc.setQueryData<CommandPage>(keys.commands({}), {
      items: [],
      next_before_ms: null,
      next_before_id: null,
    });
    mergeEvent(qc, { type: 'command', data: { command: command('9', 'pending') } });
    expect(qc.getQueryState(keys.commands({}))?.isInvalidated).toBe(true);
  });

  it('resync invalidates every query', () => {
    const qc = client();
    qc.setQueryData(keys.clusters, { items: [] });
    qc.setQueryData(keys.findings('c'), { items: [] });
    mergeEvent(qc, { type: 'resync', data: { reason: 'slow client' } });
    expect(qc.getQueryState(keys.clusters)?.isInvalidated).toBe(true);
    expect(qc.getQueryState(keys.findings('c'))?.isInvalidated).toBe(true);
  });
});

describe('toEvent', () => {
  it('accepts the five event names and refuses others and bad JSON', () => {
    expect(toEvent('resync', '{"reason":"x"}')).toEqual({ type: 'resync', data: { reason: 'x' } });
    expect(toEvent('message', '{}')).toBeNull();
    expect(toEvent('cluster', '{not json')).toBeNull();
  });
});

describe('mergeEvent resync per cluster and inserts', () => {
  it("a cluster's resync refetches only that cluster's queries and the cluster list", () => {
    const qc = client();
    qc.setQueryData(keys.clusters, { items: [cluster('a'), cluster('b')] });
    qc.setQueryData(keys.resources('a', 'Pod'), { items: [] });
    qc.setQueryData(keys.resources('b', 'Pod'), { items: [] });
    mergeEvent(qc, { type: 'resync', data: { reason: 'snapshot', cluster: 'a' } });
    expect(qc.getQueryState(keys.resources('a', 'Pod'))?.isInvalidated).toBe(true);
    expect(qc.getQueryState(keys.resources('b', 'Pod'))?.isInvalidated).toBe(false);
    expect(qc.getQueryState(keys.clusters)?.isInvalidated).toBe(true);
  });

  it('a removed cluster leaves the list and its caches', () => {
    const qc = client();
    qc.setQueryData<Items<ClusterView>>(keys.clusters, { items: [cluster('a'), cluster('b')] });
    qc.setQueryData(keys.findings('a'), { items: [] });
    mergeEvent(qc, { type: 'resync', data: { reason: 'removed', cluster: 'a' } });
    expect(qc.getQueryData<Items<ClusterView>>(keys.clusters)?.items.map((c) => c.name)).toEqual([
      'b',
    ]);
    expect(qc.getQueryData(keys.findings('a'))).toBeUndefined();
  });

  it('reports objects new to their list, not replaced ones', () => {
    const qc = client();
    qc.setQueryData<Items<ResourceItem>>(keys.resources('c', 'Pod'), { items: [pod('a')] });
    const up = (name: string) =>
      mergeEvent(qc, {
        type: 'resource',
        data: {
          cluster: 'c',
          kind: 'Pod',
          op: 'upsert',
          namespace: 'default',
          name,
          object: pod(name),
        },
      });
    expect(up('a').inserted).toEqual([]);
    expect(up('new').inserted).toEqual(['c/Pod/default/new']);
  });
});

describe('mergeEvents (batches)', () => {
  const ev = (op: 'upsert' | 'delete', name: string, health = 'ok') => ({
    type: 'resource' as const,
    data: {
      cluster: 'c',
      kind: 'Pod',
      op,
      namespace: 'default',
      name,
      object: op === 'delete' ? null : pod(name, { health }),
    },
  });

  it('applies a batch like the same events one by one, keeping untouched items identical', () => {
    const start = { items: [pod('a'), pod('b'), pod('c')] };
    const one = client();
    const many = client();
    one.setQueryData(keys.resources('c', 'Pod'), start);
    many.setQueryData(keys.resources('c', 'Pod'), start);
    const batch = [
      ev('upsert', 'b', 'critical'),
      ev('delete', 'a'),
      ev('upsert', 'n'),
      ev('upsert', 'n', 'warning'),
      ev('delete', 'zz'),
    ];
    for (const e of batch) mergeEvent(one, e);
    const result = mergeEvents(many, batch);
    const a = one.getQueryData<Items<ResourceItem>>(keys.resources('c', 'Pod'))!.items;
    const b = many.getQueryData<Items<ResourceItem>>(keys.resources('c', 'Pod'))!.items;
    expect(b.map((x) => [x.name, x.health])).toEqual(a.map((x) => [x.name, x.health]));
    expect(b.map((x) => x.name)).toEqual(['b', 'c', 'n']);
    expect(b[1]).toBe(start.items[2]); // untouched: same object, so per-row caches hold
    expect(result.inserted).toEqual(['c/Pod/default/n']);
  });

  it('applies pending resource events before a resync in the same batch', () => {
    const qc = client();
    qc.setQueryData(keys.resources('c', 'Pod'), { items: [pod('a')] });
    mergeEvents(qc, [
      ev('upsert', 'b'),
      { type: 'resync', data: { reason: 'snapshot', cluster: 'c' } },
    ]);
    expect(
      qc.getQueryData<Items<ResourceItem>>(keys.resources('c', 'Pod'))!.items.map((x) => x.name),
    ).toEqual(['a', 'b']);
    expect(qc.getQueryState(keys.resources('c', 'Pod'))?.isInvalidated).toBe(true);
  });
});
