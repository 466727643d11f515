/**
 * The frame of a namespaced resource list: name search and namespace filter in the URL, a
 * count, loading / error / empty states and the virtualised table. The page brings its rows
 * and columns.
 */
import { useDeferredValue, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState, QueryState } from '../../ui/States';
import { VirtualTable, type Column } from '../../ui/VirtualTable';
import { FilterSelect } from '../../ui/FilterSelect';
import { filterNamed, namespacesOf, type NamedRow } from './namedRows';
import { useUrlState } from '../../ui/useUrlState';

const FILTERS = ['namespace', 'q'] as const;

export function NamespacedList<T extends NamedRow>({
  id,
  title,
  emptyTitle,
  query,
  rows,
  columns,
}: {
  id: string;
  title: string;
  emptyTitle: string;
  query: { isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown };
  rows: T[];
  columns: Column<T>[];
}) {
  const { t } = useTranslation();
  const [f, set] = useUrlState(FILTERS);
  const q = useDeferredValue(f.q);
  const visible = useMemo(
    () => filterNamed(rows, { namespace: f.namespace, q }),
    [rows, f.namespace, q],
  );
  return (
    <section className="page" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <div className="filters">
        <label>
          {t('filters.search')}
          <input type="search" value={f.q} onChange={(e) => set({ q: e.target.value })} />
        </label>
        <FilterSelect
          label={t('filters.namespace')}
          value={f.namespace}
          options={namespacesOf(rows)}
          onChange={(v) => set({ namespace: v })}
        />
        <span className="muted" role="status">
          {t('table.count', { shown: visible.length, total: rows.length })}
        </span>
      </div>
      <QueryState query={query}>
        {() =>
          rows.length === 0 ? (
            <EmptyState title={emptyTitle} />
          ) : (
            <VirtualTable label={title} columns={columns} rows={visible} rowKey={(r) => r.key} />
          )
        }
      </QueryState>
    </section>
  );
}
