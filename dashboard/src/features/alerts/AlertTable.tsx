/** One notification group's alerts as compact rows: state, severity, name, subject, where, age, actions. */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { subjectPath } from '../../ui/links';
import { SeverityChip } from '../../ui/SeverityChip';
import { isStatistical, StatisticalBadge } from '../../ui/StatisticalBadge';
import { Since } from '../../ui/Time';
import { AlertActions } from './AlertActions';
import { AlertStateChip } from './AlertStateChip';
import { displayState } from './model';
import type { Alert } from './types';

export function SubjectLink({ labels }: { labels: Record<string, string> }) {
  const { cluster = '', kind = '', namespace = '', name = '' } = labels;
  if (!cluster || !kind || !name) return <span className="mono">{name || cluster}</span>;
  const text = namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
  return (
    <Link className="mono" to={subjectPath(cluster, { kind, namespace, name })}>
      {text}
    </Link>
  );
}

export function AlertTable({
  label,
  alerts,
  actions = true,
}: {
  label: string;
  alerts: Alert[];
  actions?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <table className="table compact" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">{t('alerts.table.state')}</th>
          <th scope="col">{t('alerts.table.severity')}</th>
          <th scope="col">{t('alerts.table.alert')}</th>
          <th scope="col">{t('alerts.table.subject')}</th>
          <th scope="col">{t('alerts.table.where')}</th>
          <th scope="col">{t('alerts.table.age')}</th>
          {actions && <th scope="col">{t('alerts.table.actions')}</th>}
        </tr>
      </thead>
      <tbody>
        {alerts.map((a) => (
          <tr key={a.fingerprint}>
            <td>
              <AlertStateChip state={displayState(a)} />
            </td>
            <td>
              <SeverityChip severity={a.labels.severity ?? 'unknown'} />
            </td>
            <td>
              <Link to={`/alerts/${encodeURIComponent(a.fingerprint)}`}>
                {a.labels.alertname ?? a.rule}
              </Link>
              {isStatistical(a.labels) && (
                <>
                  {' '}
                  <StatisticalBadge />
                  {a.annotations.summary && (
                    <span className="alert-summary">{a.annotations.summary}</span>
                  )}
                </>
              )}
            </td>
            <td>
              <SubjectLink labels={a.labels} />
            </td>
            <td className="mono">
              {[a.labels.cluster, a.labels.namespace].filter(Boolean).join(' / ')}
            </td>
            <td>
              <Since ms={a.starts_at_ms} />
            </td>
            {actions && (
              <td>
                <AlertActions alert={a} />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
