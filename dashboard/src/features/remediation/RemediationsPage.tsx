/** Remediations newest first: state, what it fixes, why in one line, where, who requested and
 *  approved; state, cluster and namespace filters in the URL. */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useClusters } from '../../api/queries';
import { FilterSelect } from '../../ui/FilterSelect';
import { EmptyState, QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { useUrlState } from '../../ui/useUrlState';
import { useRemediations } from './api';
import { STATES, visible } from './model';
import { RemediationStateChip } from './RemediationStateChip';
import type { Remediation } from './types';

function Row({ r }: { r: Remediation }) {
  const { t } = useTranslation();
  const target = r.target;
  return (
    <tr>
      <td>
        <RemediationStateChip state={r.state} />
        {r.auto && <span className="muted"> {t('remediation.auto')}</span>}
      </td>
      <td>
        <Link to={`/remediations/${encodeURIComponent(r.id)}`}>
          <strong>{r.reason}</strong>{' '}
          <span className="mono">
            {target.kind} {target.name}
          </span>
        </Link>
      </td>
      <td className="why-cell" title={r.suggestion.why}>
        {r.suggestion.why}
      </td>
      <td className="mono">{[r.cluster, r.namespace].filter(Boolean).join(' / ')}</td>
      <td>{r.requested_by ?? '—'}</td>
      <td>{r.approvals.map((a) => a.by).join(', ') || '—'}</td>
      <td>
        <RelTime ms={r.created_ms} />
      </td>
    </tr>
  );
}

export default function RemediationsPage() {
  const { t } = useTranslation();
  const [f, set] = useUrlState(['state', 'cluster', 'namespace'] as const);
  const clusters = useClusters();
  const q = useRemediations({ cluster: f.cluster, state: f.state });
  const all = q.data?.items ?? [];
  const items = visible(all, f);
  const namespaces = [...new Set(all.map((r) => r.namespace ?? '').filter(Boolean))].sort();
  return (
    <section className="page" aria-labelledby="rem-list-title">
      <h1 id="rem-list-title">{t('remediation.title')}</h1>
      <div className="filters">
        <FilterSelect
          label={t('remediation.filters.state')}
          value={f.state}
          options={STATES}
          optionLabel={(s) => t(`remediation.state.${s}`)}
          onChange={(v) => set({ state: v })}
        />
        <FilterSelect
          label={t('remediation.filters.cluster')}
          value={f.cluster}
          options={clusters.data?.items.map((c) => c.name) ?? []}
          onChange={(v) => set({ cluster: v, namespace: '' })}
        />
        <FilterSelect
          label={t('remediation.filters.namespace')}
          value={f.namespace}
          options={namespaces}
          onChange={(v) => set({ namespace: v })}
        />
        <span className="muted">{t('remediation.shown', { count: items.length })}</span>
      </div>
      <QueryState query={q}>
        {() =>
          all.length === 0 && !f.state && !f.cluster ? (
            <EmptyState title={t('remediation.empty')}>
              <p>{t('remediation.emptyHint')}</p>
            </EmptyState>
          ) : items.length === 0 ? (
            <EmptyState title={t('remediation.noMatch')} />
          ) : (
            <table className="table compact" aria-label={t('remediation.title')}>
              <thead>
                <tr>
                  <th scope="col">{t('remediation.table.state')}</th>
                  <th scope="col">{t('remediation.table.fixes')}</th>
                  <th scope="col">{t('remediation.table.why')}</th>
                  <th scope="col">{t('remediation.table.where')}</th>
                  <th scope="col">{t('remediation.table.requested')}</th>
                  <th scope="col">{t('remediation.table.approved')}</th>
                  <th scope="col">{t('remediation.table.created')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => (
                  <Row key={r.id} r={r} />
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
    </section>
  );
}
