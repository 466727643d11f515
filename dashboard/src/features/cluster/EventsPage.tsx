/** The cluster's events, warnings first then newest, with a type filter and search in the URL. */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { useResources } from '../../api/queries';
import { EventList } from '../../shared/EventList';
import { sortEvents, toEventRow } from '../../shared/k8s';
import { EmptyState, QueryState } from '../../ui/States';
import { FilterSelect } from '../../ui/FilterSelect';
import { useUrlState } from '../../ui/useUrlState';

export default function EventsPage() {
  const { t } = useTranslation();
  const cluster = useParams().cluster ?? '';
  const events = useResources(cluster, 'Event');
  const [f, set] = useUrlState(['type', 'q'] as const);
  const all = useMemo(() => sortEvents((events.data?.items ?? []).map(toEventRow)), [events.data]);
  const q = f.q.toLowerCase();
  const rows = all.filter(
    (e) =>
      (!f.type || e.type === f.type) &&
      (!q ||
        e.involved.name.toLowerCase().includes(q) ||
        e.reason.toLowerCase().includes(q) ||
        e.message.toLowerCase().includes(q)),
  );
  return (
    <section className="page" aria-labelledby="ev-title">
      <h2 id="ev-title">{t('cluster.nav.events')}</h2>
      <div className="filters">
        <label>
          {t('filters.search')}
          <input type="search" value={f.q} onChange={(e) => set({ q: e.target.value })} />
        </label>
        <FilterSelect
          label={t('events.type')}
          value={f.type}
          options={['Warning', 'Normal']}
          onChange={(v) => set({ type: v })}
        />
        <span className="muted" role="status">
          {t('table.count', { shown: rows.length, total: all.length })}
        </span>
      </div>
      <QueryState query={events}>
        {() =>
          all.length === 0 ? (
            <EmptyState title={t('events.none')} />
          ) : (
            <EventList rows={rows.slice(0, 500)} showObject />
          )
        }
      </QueryState>
    </section>
  );
}
