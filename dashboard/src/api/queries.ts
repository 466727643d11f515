/** TanStack Query hooks for the master's read routes. Server state stays in the query cache. */
import { useQuery } from '@tanstack/react-query';
import { call, enc, qs } from './client';
import { pollInterval } from '../live/status';
import { keys } from './keys';
import type {
  ClusterSummary,
  ClusterView,
  CommandPage,
  CommandView,
  Finding,
  Items,
  Me,
  MetricsSummary,
  ResourceItem,
  ResourcePage,
} from './types';

const PAGE = 5000; // the route's maximum: one request for most clusters
const MAX_PAGES = 10;

export async function fetchAllResources(
  cluster: string,
  kind: string,
): Promise<Items<ResourceItem>> {
  const items: ResourceItem[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page: ResourcePage = await call<ResourcePage>(
      `clusters/${enc(cluster)}/resources${qs({ kind, limit: PAGE, cursor })}`,
    );
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return { items };
}

export function useMe() {
  return useQuery({ queryKey: keys.me, queryFn: () => call<Me>('auth/me'), staleTime: 60_000 });
}

export function useClusters() {
  return useQuery({ queryKey: keys.clusters, queryFn: () => call<Items<ClusterView>>('clusters') });
}

export function useCluster(c: string) {
  return useQuery({
    queryKey: keys.cluster(c),
    queryFn: () => call<ClusterView>(`clusters/${enc(c)}`),
  });
}

export function useSummary(c: string) {
  return useQuery({
    queryKey: keys.summary(c),
    queryFn: () => call<ClusterSummary>(`clusters/${enc(c)}/summary`),
  });
}

export function useMetricsSummary(c: string) {
  return useQuery({
    queryKey: keys.metrics(c),
    queryFn: () => call<MetricsSummary>(`clusters/${enc(c)}/metrics/summary`),
  });
}

export function useResources(c: string, kind: string, enabled = true) {
  return useQuery({
    queryKey: keys.resources(c, kind),
    queryFn: () => fetchAllResources(c, kind),
    enabled,
  });
}

export function useResource(c: string, kind: string, ns: string, name: string) {
  return useQuery({
    queryKey: keys.resource(c, kind, ns, name),
    queryFn: () =>
      call<ResourceItem>(
        `clusters/${enc(c)}/resources/${enc(kind)}/${enc(ns || '-')}/${enc(name)}`,
      ),
  });
}

export function useFindings(c: string) {
  return useQuery({
    queryKey: keys.findings(c),
    queryFn: () => call<Items<Finding>>(`clusters/${enc(c)}/findings`),
  });
}

export function useCommands(filters: Record<string, string>) {
  return useQuery({
    queryKey: keys.commands(filters),
    queryFn: () => call<CommandPage>(`commands${qs({ ...filters, limit: 200 })}`),
  });
}

export function useCommand(id: string) {
  return useQuery({
    queryKey: keys.command(id),
    queryFn: () => call<CommandView>(`commands/${enc(id)}`),
    // An unfinished command is followed closely even without the stream.
    refetchInterval: (q) => (q.state.data && !q.state.data.terminal ? 2_000 : pollInterval()),
  });
}
