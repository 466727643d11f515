/**
 * One alert: state, labels, actions, its findings (the subject's, linking to its page), a
 * timeline and, for admins, the delivery attempts of its groups' notifications.
 */
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { useMe } from '../../api/queries';
import { isAdmin } from '../../auth/permissions';
import { ObjectFindings } from '../../shared/ObjectFindings';
import { isStatistical, StatisticalBadge } from '../../ui/StatisticalBadge';
import { SeverityChip } from '../../ui/SeverityChip';
import { EmptyState, QueryState } from '../../ui/States';
import { Since } from '../../ui/Time';
import { useAlertList, useGroupedAlerts } from './api';
import { AlertActions } from './AlertActions';
import { AlertStateChip } from './AlertStateChip';
import { SubjectLink } from './AlertTable';
import { AlertTimeline } from './AlertTimeline';
import { displayState } from './model';
import type { Alert } from './types';

function KeyValues({ label, values }: { label: string; values: Record<string, string> }) {
  return (
    <table className="table compact" aria-label={label}>
      <tbody>
        {Object.entries(values).map(([k, v]) => (
          <tr key={k}>
            <th scope="row" className="mono">
              {k}
            </th>
            <td className="mono">{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Detail({ alert }: { alert: Alert }) {
  const { t } = useTranslation();
  const me = useMe();
  const grouped = useGroupedAlerts();
  const groups = (grouped.data?.groups ?? []).filter((g) =>
    g.alerts.some((a) => a.fingerprint === alert.fingerprint),
  );
  const { cluster = '', kind = '', namespace = '', name = '' } = alert.labels;
  const title = alert.labels.alertname ?? alert.rule;
  return (
    <article className="page" aria-labelledby="alert-title">
      <header className="scope-head">
        <h2 id="alert-title">{title}</h2>
        <AlertStateChip state={displayState(alert)} />
        <SeverityChip severity={alert.labels.severity ?? 'unknown'} />
        {isStatistical(alert.labels) && <StatisticalBadge />}
        <span className="muted">
          {t('alerts.detail.since')} <Since ms={alert.starts_at_ms} />
        </span>
        <SubjectLink labels={alert.labels} />
        <AlertActions alert={alert} />
      </header>
      {alert.acked_by && <p>{t('alerts.detail.ackedBy', { name: alert.acked_by })}</p>}
      {alert.silenced_by.length > 0 && (
        <p>{t('alerts.detail.silencedBy', { ids: alert.silenced_by.join(', ') })}</p>
      )}
      {alert.inhibited_by && (
        <p>
          {t('alerts.detail.inhibitedBy', {
            rule: alert.inhibited_by.rule,
            by: alert.inhibited_by.by,
          })}
        </p>
      )}
      {alert.annotations.message && <p>{alert.annotations.message}</p>}
      {isStatistical(alert.labels) && alert.annotations.summary && (
        <p>{alert.annotations.summary}</p>
      )}
      <section className="section" aria-labelledby="alert-labels">
        <h3 id="alert-labels">{t('alerts.detail.labels')}</h3>
        <KeyValues label={t('alerts.detail.labels')} values={alert.labels} />
      </section>
      {Object.keys(alert.annotations).length > 0 && (
        <section className="section" aria-labelledby="alert-annotations">
          <h3 id="alert-annotations">{t('alerts.detail.annotations')}</h3>
          <KeyValues label={t('alerts.detail.annotations')} values={alert.annotations} />
        </section>
      )}
      <section className="section" aria-labelledby="alert-findings">
        <h3 id="alert-findings">{t('alerts.detail.findings')}</h3>
        {cluster && kind && name ? (
          <ObjectFindings cluster={cluster} kind={kind} namespace={namespace} name={name} />
        ) : (
          <p className="muted">{t('alerts.detail.noSubject')}</p>
        )}
      </section>
      <AlertTimeline
        alert={alert}
        receivers={[...new Set(groups.map((g) => g.receiver))]}
        groupKeys={new Set(groups.map((g) => g.group_key))}
        admin={isAdmin(me.data)}
      />
    </article>
  );
}

export default function AlertDetail() {
  const { t } = useTranslation();
  const fingerprint = useParams().fingerprint ?? '';
  const list = useAlertList();
  const alert = list.data?.items.find((a) => a.fingerprint === fingerprint);
  return (
    <QueryState query={list}>
      {() => (alert ? <Detail alert={alert} /> : <EmptyState title={t('alerts.detail.gone')} />)}
    </QueryState>
  );
}
