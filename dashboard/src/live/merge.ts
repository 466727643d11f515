/**
 * Merging one stream event into the TanStack Query caches the pages read (keys in
 * api/keys.ts). Pure over a small cache interface, so it is tested with a real QueryClient
 * and no network. Lists are replaced immutably (new arrays), so React re-renders what changed.
 */
import type { QueryClient } from '@tanstack/react-query';
import { keys } from '../api/keys';
import { mergeAlert, type AlertEventData } from '../features/alerts/merge';
import { mergeRemediation } from '../features/remediation/merge';
import type {
  ClusterView,
  CommandPage,
  CommandView,
  Finding,
  Items,
  ResourceItem,
} from '../api/types';
import { compareFindings } from '../ui/severity';

export type StreamEvent =
  | { type: 'cluster'; data: ClusterView }
  | {
      type: 'resource';
      data: {
        cluster: string;
        kind: string;
        op: 'upsert' | 'delete';
        namespace: string;
        name: string;
        object: ResourceItem | null;
      };
    }
  | {
      type: 'finding';
      data: { cluster: string; op: 'opened' | 'changed' | 'resolved'; finding: Finding };
    }
  | { type: 'command'; data: { command: CommandView } }
  | { type: 'alert'; data: AlertEventData }
  | { type: 'resync'; data: { reason: string; cluster?: string | null } };

type Cache = Pick<
  QueryClient,
  'getQueryData' | 'setQueryData' | 'setQueriesData' | 'invalidateQueries' | 'removeQueries'
>;

/** What a merge did that the UI may show: objects that were not in their list before. */
export interface MergeResult {
  inserted: string[];
}

/** Query-key heads whose second element is a cluster name (api/keys.ts). */
const PER_CLUSTER = new Set([
  'cluster',
  'summary',
  'metrics',
  'resources',
  'resource',
  'findings',
  'findings-history',
  'node-metrics',
  'pod-metrics',
]);

export function objectKey(cluster: string, kind: string, namespace: string, name: string): string {
  return `${cluster}/${kind}/${namespace}/${name}`;
}

/** A stream frame → a typed event, or null for unknown event names or bad JSON. */
export function toEvent(event: string, data: string): StreamEvent | null {
  if (!['cluster', 'resource', 'finding', 'command', 'alert', 'resync'].includes(event))
    return null;
  try {
    return { type: event, data: JSON.parse(data) } as StreamEvent;
  } catch {
    return null;
  }
}

/** setQueryData only where a page loaded the data: setQueryData itself would create an empty
 *  cache entry for every key an event names (thousands under churn). */
function update<T>(cache: Cache, key: readonly unknown[], fn: (old: T) => T): void {
  const old = cache.getQueryData<T>(key);
  if (old !== undefined) cache.setQueryData<T>(key, fn(old));
}

function upsertBy<T>(list: T[], item: T, same: (a: T) => boolean): T[] {
  const i = list.findIndex(same);
  if (i < 0) return [...list, item];
  const next = list.slice();
  next[i] = item;
  return next;
}

export function mergeEvent(cache: Cache, ev: StreamEvent): MergeResult {
  const inserted: string[] = [];
  switch (ev.type) {
    case 'cluster': {
      const c = ev.data;
      update<Items<ClusterView>>(cache, keys.clusters, (old) => ({
        items: upsertBy(old.items, c, (x) => x.name === c.name),
      }));
      update<ClusterView>(cache, keys.cluster(c.name), () => c);
      break;
    }
    case 'resource': {
      const r = ev.data;
      const same = (x: ResourceItem) => x.namespace === r.namespace && x.name === r.name;
      update<Items<ResourceItem>>(cache, keys.resources(r.cluster, r.kind), (old) => {
        if (r.op === 'delete' || !r.object) return { items: old.items.filter((x) => !same(x)) };
        if (!old.items.some(same)) inserted.push(objectKey(r.cluster, r.kind, r.namespace, r.name));
        return { items: upsertBy(old.items, r.object, same) };
      });
      const one = keys.resource(r.cluster, r.kind, r.namespace, r.name);
      if (r.op === 'upsert' && r.object) {
        update<ResourceItem>(cache, one, (old) => r.object ?? old);
      } else if (cache.getQueryData(one) !== undefined) {
        void cache.invalidateQueries({ queryKey: one });
      }
      break;
    }
    case 'finding': {
      const { cluster, op, finding } = ev.data;
      update<Items<Finding>>(cache, keys.findings(cluster), (old) => {
        const rest = old.items.filter((f) => f.fingerprint !== finding.fingerprint);
        const items = op === 'resolved' ? rest : [...rest, finding];
        return { items: items.sort(compareFindings) };
      });
      mergeRemediation(cache, { fingerprint: finding.fingerprint, opened: op === 'opened' });
      break;
    }
    case 'command': {
      const cmd = ev.data.command;
      update<CommandView>(cache, keys.command(cmd.id), (old) => ({
        ...old,
        ...cmd,
        transitions: cmd.transitions ?? old.transitions,
      }));
      let found = false;
      cache.setQueriesData<CommandPage>({ queryKey: ['commands'] }, (old) => {
        if (!old) return old;
        if (!old.items.some((x) => x.id === cmd.id)) return old;
        found = true;
        return { ...old, items: old.items.map((x) => (x.id === cmd.id ? { ...x, ...cmd } : x)) };
      });
      if (!found) void cache.invalidateQueries({ queryKey: ['commands'] });
      mergeRemediation(cache, { commandId: cmd.id });
      break;
    }
    case 'alert':
      mergeAlert(cache, ev.data);
      break;
    case 'resync': {
      const c = ev.data.cluster;
      if (!c) {
        void cache.invalidateQueries();
        break;
      }
      const mine = (q: { queryKey: readonly unknown[] }) =>
        PER_CLUSTER.has(String(q.queryKey[0])) && q.queryKey[1] === c;
      if (ev.data.reason === 'removed') {
        update<Items<ClusterView>>(cache, keys.clusters, (old) => ({
          items: old.items.filter((x) => x.name !== c),
        }));
        cache.removeQueries({ predicate: mine });
      } else {
        void cache.invalidateQueries({ predicate: mine });
        void cache.invalidateQueries({ queryKey: keys.clusters });
      }
      break;
    }
  }
  return { inserted };
}

type ResourceEvent = Extract<StreamEvent, { type: 'resource' }>;

/**
 * Many events at once, as the stream delivers them under churn: the resource events of one
 * list are applied in a single pass (one index, one new array) instead of one array copy per
 * event, so 5,000-row lists stay cheap to update. Order within the batch is kept.
 */
export function mergeEvents(cache: Cache, events: StreamEvent[]): MergeResult {
  const inserted: string[] = [];
  const lists = new Map<string, ResourceEvent[]>();
  const flushLists = () => {
    for (const group of lists.values()) inserted.push(...mergeResourceGroup(cache, group));
    lists.clear();
  };
  for (const ev of events) {
    if (ev.type === 'resource') {
      const k = `${ev.data.cluster}\u0000${ev.data.kind}`;
      const group = lists.get(k);
      if (group) group.push(ev);
      else lists.set(k, [ev]);
      continue;
    }
    // Anything else may read or reset those lists (a resync): apply what is pending first.
    flushLists();
    inserted.push(...mergeEvent(cache, ev).inserted);
  }
  flushLists();
  return { inserted };
}

function mergeResourceGroup(cache: Cache, group: ResourceEvent[]): string[] {
  const first = group[0]!.data;
  const inserted: string[] = [];
  update<Items<ResourceItem>>(cache, keys.resources(first.cluster, first.kind), (old) => {
    const at = new Map<string, number>();
    old.items.forEach((x, i) => at.set(`${x.namespace}/${x.name}`, i));
    const items: (ResourceItem | null)[] = old.items.slice();
    for (const { data: r } of group) {
      const id = `${r.namespace}/${r.name}`;
      const i = at.get(id);
      if (r.op === 'delete' || !r.object) {
        if (i !== undefined) items[i] = null;
        at.delete(id);
      } else if (i !== undefined) {
        items[i] = r.object;
      } else {
        at.set(id, items.length);
        items.push(r.object);
        inserted.push(objectKey(r.cluster, r.kind, r.namespace, r.name));
      }
    }
    return { items: items.filter((x): x is ResourceItem => x !== null) };
  });
  for (const { data: r } of group) {
    const one = keys.resource(r.cluster, r.kind, r.namespace, r.name);
    if (r.op === 'upsert' && r.object) {
      update<ResourceItem>(cache, one, (old) => r.object ?? old);
    } else if (cache.getQueryData(one) !== undefined) {
      void cache.invalidateQueries({ queryKey: one });
    }
  }
  return inserted;
}
