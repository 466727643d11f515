/** Pods of a cluster: namespace / owner kind / status filters and name search in the URL. */
import { useDeferredValue, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useResources } from '../../api/queries';
import { objectKey } from '../../live/merge';
import { isRecent } from '../../live/recent';
import { SeverityChip } from '../../ui/SeverityChip';
import { EmptyState, QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { VirtualTable, type Column } from '../../ui/VirtualTable';
import { distinct, filterPods, podRowOf, sortPods, type PodRow } from './podRows';
import { formatSort, parseSort, useUrlState } from '../../ui/useUrlState';
import { FilterSelect } from '../../ui/FilterSelect';

const FILTERS = ['namespace', 'kind', 'status', 'q', 'sort'] as const;

export default function PodsPage() {
  const { t } = useTranslation();
  const cluster = useParams().cluster ?? '';
  const pods = useResources(cluster, 'Pod');
  const [f, set] = useUrlState(FILTERS);
  const q = useDeferredValue(f.q);
  const rows = useMemo(() => (pods.data?.items ?? []).map(podRowOf), [pods.data]);
  const sort = parseSort(f.sort);
  const visible = useMemo(
    () =>
      sortPods(
        filterPods(rows, { namespace: f.namespace, ownerKind: f.kind, status: f.status, q }),
        sort,
      ),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [rows, f.namespace, f.kind, f.status, q, f.sort],
  );
  const base = `/clusters/${encodeURIComponent(cluster)}`;
  const columns: Column<PodRow>[] = [
    {
      id: 'health',
      header: t('pods.table.health'),
      width: '7.5rem',
      sortable: true,
      cell: (r) => <SeverityChip severity={r.health} />,
    },
    {
      id: 'name',
      header: t('pods.table.name'),
      width: 'minmax(14rem, 3fr)',
      sortable: true,
      className: 'mono',
      cell: (r) => (
        <Link to={`${base}/pods/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}`}>
          {r.name}
        </Link>
      ),
    },
    {
      id: 'namespace',
      header: t('pods.table.namespace'),
      width: 'minmax(7rem, 1fr)',
      sortable: true,
      className: 'mono',
      cell: (r) => r.namespace,
    },
    {
      id: 'status',
      header: t('pods.table.status'),
      width: 'minmax(8rem, 1.2fr)',
      sortable: true,
      cell: (r) => r.status,
    },
    {
      id: 'ready',
      header: t('pods.table.ready'),
      width: '4.5rem',
      sortable: true,
      cell: (r) => `${r.ready}/${r.total}`,
    },
    {
      id: 'restarts',
      header: t('pods.table.restarts'),
      width: '5rem',
      sortable: true,
      cell: (r) => r.restarts,
    },
    {
      id: 'last',
      header: t('pods.table.lastReason'),
      width: 'minmax(9.5rem, 1fr)',
      cell: (r) => r.lastReason,
    },
    {
      id: 'node',
      header: t('pods.table.node'),
      width: 'minmax(8rem, 1.2fr)',
      sortable: true,
      className: 'mono',
      cell: (r) =>
        r.node ? <Link to={`${base}/nodes/${encodeURIComponent(r.node)}`}>{r.node}</Link> : '',
    },
    {
      id: 'age',
      header: t('pods.table.age'),
      width: '6rem',
      sortable: true,
      cell: (r) => <RelTime ms={r.createdMs} />,
    },
  ];
  return (
    <section className="page" aria-labelledby="pods-title">
      <h2 id="pods-title">{t('pods.title')}</h2>
      <div className="filters">
        <label>
          {t('filters.search')}
          <input
            type="search"
            value={f.q}
            onChange={(e) => set({ q: e.target.value })}
            placeholder={t('pods.searchPlaceholder')}
          />
        </label>
        <FilterSelect
          label={t('filters.namespace')}
          value={f.namespace}
          options={distinct(rows, (r) => r.namespace)}
          onChange={(v) => set({ namespace: v })}
        />
        <FilterSelect
          label={t('filters.ownerKind')}
          value={f.kind}
          options={[...distinct(rows, (r) => r.ownerKind), '-']}
          optionLabel={(v) => (v === '-' ? t('filters.noOwner') : v)}
          onChange={(v) => set({ kind: v })}
        />
        <FilterSelect
          label={t('filters.status')}
          value={f.status}
          options={distinct(rows, (r) => r.status)}
          onChange={(v) => set({ status: v })}
        />
        <span className="muted" role="status">
          {t('table.count', { shown: visible.length, total: rows.length })}
        </span>
      </div>
      <QueryState query={pods}>
        {() =>
          rows.length === 0 ? (
            <EmptyState title={t('pods.empty')} />
          ) : (
            <VirtualTable
              label={t('pods.title')}
              columns={columns}
              rows={visible}
              rowKey={(r) => r.key}
              sort={sort ?? undefined}
              onSort={(s) => set({ sort: formatSort(s) })}
              rowClass={(r) =>
                isRecent(objectKey(cluster, 'Pod', r.namespace, r.name)) ? 'row-new' : ''
              }
            />
          )
        }
      </QueryState>
    </section>
  );
}
