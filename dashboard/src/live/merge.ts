/**
 * Merging one stream event into the TanStack Query caches the pages read (keys in
 * api/keys.ts). Pure over a small cache interface, so it is tested with a real QueryClient
 * and no network. Lists are replaced immutably (new arrays), so React re-renders what changed.
 */
import type { QueryClient } from '@tanstack/react-query';
import { keys } from '../api/keys';
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
]);

export function objectKey(cluster: string, kind: string, namespace: string, name: string): string {
  return `${cluster}/${kind}/${namespace}/${name}`;
}

/** A stream frame → a typed event, or null for unknown event names or bad JSON. */
export function toEvent(event: string, data: string): StreamEvent | null {
  if (!['cluster', 'resource', 'finding', 'command', 'resync'].includes(event)) return null;
  try {
    return { type: event, data: JSON.parse(data) } as StreamEvent;
  } catch {
    return null;
  }
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
      cache.setQueryData<Items<ClusterView>>(keys.clusters, (old) =>
        old ? { items: upsertBy(old.items, c, (x) => x.name === c.name) } : old,
      );
      cache.setQueryData<ClusterView>(keys.cluster(c.name), (old) => (old ? c : old));
      break;
    }
    case 'resource': {
      const r = ev.data;
      const same = (x: ResourceItem) => x.namespace === r.namespace && x.name === r.name;
      cache.setQueryData<Items<ResourceItem>>(keys.resources(r.cluster, r.kind), (old) => {
        if (!old) return old;
        if (r.op === 'delete' || !r.object) return { items: old.items.filter((x) => !same(x)) };
        if (!old.items.some(same)) inserted.push(objectKey(r.cluster, r.kind, r.namespace, r.name));
        return { items: upsertBy(old.items, r.object, same) };
      });
      const one = keys.resource(r.cluster, r.kind, r.namespace, r.name);
      if (r.op === 'upsert' && r.object) {
        cache.setQueryData<ResourceItem>(one, (old) => (old ? (r.object ?? old) : old));
      } else {
        void cache.invalidateQueries({ queryKey: one });
      }
      break;
    }
    case 'finding': {
      const { cluster, op, finding } = ev.data;
      cache.setQueryData<Items<Finding>>(keys.findings(cluster), (old) => {
        if (!old) return old;
        const rest = old.items.filter((f) => f.fingerprint !== finding.fingerprint);
        const items = op === 'resolved' ? rest : [...rest, finding];
        return { items: items.sort(compareFindings) };
      });
      break;
    }
    case 'command': {
      const cmd = ev.data.command;
      cache.setQueryData<CommandView>(keys.command(cmd.id), (old) =>
        old ? { ...old, ...cmd, transitions: cmd.transitions ?? old.transitions } : old,
      );
      let found = false;
      cache.setQueriesData<CommandPage>({ queryKey: ['commands'] }, (old) => {
        if (!old) return old;
        if (!old.items.some((x) => x.id === cmd.id)) return old;
        found = true;
        return { ...old, items: old.items.map((x) => (x.id === cmd.id ? { ...x, ...cmd } : x)) };
      });
      if (!found) void cache.invalidateQueries({ queryKey: ['commands'] });
      break;
    }
    case 'resync': {
      const c = ev.data.cluster;
      if (!c) {
        void cache.invalidateQueries();
        break;
      }
      const mine = (q: { queryKey: readonly unknown[] }) =>
        PER_CLUSTER.has(String(q.queryKey[0])) && q.queryKey[1] === c;
      if (ev.data.reason === 'removed') {
        cache.setQueryData<Items<ClusterView>>(keys.clusters, (old) =>
          old ? { items: old.items.filter((x) => x.name !== c) } : old,
        );
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
