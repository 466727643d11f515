/** Workloads of every controller kind, ready/desired and rollout state; kind/namespace/search in the URL. */
import { useQueries } from '@tanstack/react-query';
import { useDeferredValue, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { keys } from '../../api/keys';
import { fetchAllResources } from '../../api/queries';
import { SeverityChip } from '../../ui/SeverityChip';
import { healthRank } from '../../ui/severity';
import { EmptyState, ErrorState, Skeleton } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { VirtualTable, type Column } from '../../ui/VirtualTable';
import { FilterSelect } from '../../ui/FilterSelect';
import { useUrlState } from '../../ui/useUrlState';
import { toWorkloadRow, WORKLOAD_KINDS, type WorkloadRow } from './workloadRows';

export default function WorkloadsPage() {
  const { t } = useTranslation();
  const cluster = useParams().cluster ?? '';
  const [f, set] = useUrlState(['kind', 'namespace', 'q'] as const);
  const q = useDeferredValue(f.q.toLowerCase());
  const results = useQueries({
    queries: WORKLOAD_KINDS.map((k) => ({
      queryKey: keys.resources(cluster, k),
      queryFn: () => fetchAllResources(cluster, k),
    })),
  });
  const all = useMemo(
    () =>
      results
        .flatMap((r) => r.data?.items ?? [])
        .map(toWorkloadRow)
        .sort((a, b) => healthRank(b.health) - healthRank(a.health) || a.key.localeCompare(b.key)),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    results.map((r) => r.data),
  );
  const rows = all.filter(
    (r) =>
      (!f.kind || r.kind === f.kind) &&
      (!f.namespace || r.namespace === f.namespace) &&
      (!q || r.name.toLowerCase().includes(q)),
  );
  const failed = results.find((r) => r.isError);
  const base = `/clusters/${encodeURIComponent(cluster)}`;
  const columns: Column<WorkloadRow>[] = [
    {
      id: 'health',
      header: t('pods.table.health'),
      width: '7.5rem',
      cell: (r) => <SeverityChip severity={r.health} />,
    },
    { id: 'kind', header: t('cluster.kind'), width: '7rem', cell: (r) => r.kind },
    {
      id: 'name',
      header: t('pods.table.name'),
      width: 'minmax(12rem, 2fr)',
      className: 'mono',
      cell: (r) => (
        <Link
          to={`${base}/workloads/${r.kind}/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}`}
        >
          {r.name}
        </Link>
      ),
    },
    {
      id: 'namespace',
      header: t('pods.table.namespace'),
      width: 'minmax(7rem, 1fr)',
      className: 'mono',
      cell: (r) => r.namespace,
    },
    {
      id: 'ready',
      header: t('workloads.ready'),
      width: '6rem',
      cell: (r) => (r.desired === null ? '' : `${r.ready ?? 0}/${r.desired}`),
    },
    {
      id: 'rollout',
      header: t('workloads.rollout'),
      width: 'minmax(9rem, 1fr)',
      cell: (r) => r.rollout,
    },
    {
      id: 'images',
      header: t('workloads.images'),
      width: 'minmax(10rem, 2fr)',
      className: 'mono',
      cell: (r) => r.images,
    },
    {
      id: 'age',
      header: t('pods.table.age'),
      width: '6rem',
      cell: (r) => <RelTime ms={r.createdMs} />,
    },
  ];
  return (
    <section className="page" aria-labelledby="wl-title">
      <h2 id="wl-title">{t('cluster.nav.workloads')}</h2>
      <div className="filters">
        <label>
          {t('filters.search')}
          <input type="search" value={f.q} onChange={(e) => set({ q: e.target.value })} />
        </label>
        <FilterSelect
          label={t('cluster.kind')}
          value={f.kind}
          options={[...WORKLOAD_KINDS]}
          onChange={(v) => set({ kind: v })}
        />
        <FilterSelect
          label={t('filters.namespace')}
          value={f.namespace}
          options={[...new Set(all.map((r) => r.namespace))].sort()}
          onChange={(v) => set({ namespace: v })}
        />
        <span className="muted" role="status">
          {t('table.count', { shown: rows.length, total: all.length })}
        </span>
      </div>
      {failed ? (
        <ErrorState error={failed.error} onRetry={() => results.forEach((r) => void r.refetch())} />
      ) : results.some((r) => r.isPending) ? (
        <Skeleton />
      ) : all.length === 0 ? (
        <EmptyState title={t('workloads.empty')} />
      ) : (
        <VirtualTable
          label={t('cluster.nav.workloads')}
          columns={columns}
          rows={rows}
          rowKey={(r) => r.key}
        />
      )}
    </section>
  );
}
