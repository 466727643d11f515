/**
 * Active alerts grouped as they are notified (GET /alerts?view=grouped), worst group first;
 * cluster / namespace / severity / state filters in the URL. Polled every 10 s.
 */
import { useTranslation } from 'react-i18next';
import { EmptyState, QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { FilterSelect } from '../../ui/FilterSelect';
import { useUrlState } from '../../ui/useUrlState';
import { useGroupedAlerts } from './api';
import { AlertTable } from './AlertTable';
import { DISPLAY_STATES, FILTER_NAMES, groupRows, labelValues, type GroupRow } from './model';

function groupTitle(g: GroupRow): string {
  const parts = Object.entries(g.labels).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(', ') : g.receiver;
}

export function AlertGroupSection({ group }: { group: GroupRow }) {
  const { t } = useTranslation();
  const title = groupTitle(group);
  return (
    <section className="alert-group" aria-label={title}>
      <h3>
        <span className="mono">{title}</span>
        <span className="muted">
          {t('alerts.group.count', { count: group.alerts.length })} ·{' '}
          {t('alerts.group.receiver', { receiver: group.receiver })} · {t('alerts.group.notified')}{' '}
          <RelTime ms={group.lastNotifiedMs} />
        </span>
      </h3>
      <AlertTable label={title} alerts={group.alerts} />
    </section>
  );
}

export default function AlertsPage() {
  const { t } = useTranslation();
  const [f, set] = useUrlState(FILTER_NAMES);
  const grouped = useGroupedAlerts();
  const groups = grouped.data?.groups ?? [];
  const rows = groupRows(groups, f);
  const shown = rows.reduce((n, g) => n + g.alerts.length, 0);
  return (
    <section className="page" aria-labelledby="alerts-title">
      <h2 id="alerts-title">{t('alerts.title')}</h2>
      <div className="filters">
        <FilterSelect
          label={t('alerts.filters.cluster')}
          value={f.cluster}
          options={labelValues(groups, 'cluster')}
          onChange={(v) => set({ cluster: v })}
        />
        <FilterSelect
          label={t('alerts.filters.namespace')}
          value={f.namespace}
          options={labelValues(groups, 'namespace')}
          onChange={(v) => set({ namespace: v })}
        />
        <FilterSelect
          label={t('alerts.filters.severity')}
          value={f.severity}
          options={['critical', 'warning', 'info']}
          optionLabel={(v) => t(`severity.${v}`)}
          onChange={(v) => set({ severity: v })}
        />
        <FilterSelect
          label={t('alerts.filters.state')}
          value={f.state}
          options={[...DISPLAY_STATES]}
          optionLabel={(v) => t(`alerts.state.${v}`)}
          onChange={(v) => set({ state: v })}
        />
        <span className="muted" aria-live="polite">
          {t('alerts.shown', { count: shown })}
        </span>
      </div>
      <QueryState query={grouped}>
        {() =>
          rows.length === 0 ? (
            <EmptyState title={groups.length === 0 ? t('alerts.empty') : t('alerts.noMatch')} />
          ) : (
            rows.map((g) => <AlertGroupSection key={g.id} group={g} />)
          )
        }
      </QueryState>
    </section>
  );
}
