/**
 * An alert's timeline: its own times, and for admins the delivery attempts of the
 * notifications of its groups (the log is admin-only: GET /notifications/log).
 */
import { useQueries } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { RelTime } from '../../ui/Time';
import { deliveryLogQuery, useNotifications } from './api';
import { attemptsOf, timelineOf } from './model';
import type { Alert } from './types';

export function AlertTimeline({
  alert,
  receivers,
  groupKeys,
  admin,
}: {
  alert: Alert;
  receivers: string[];
  groupKeys: Set<string>;
  admin: boolean;
}) {
  const { t } = useTranslation();
  const outbox = useNotifications({}, admin);
  const logs = useQueries({
    queries: receivers.map((r) => deliveryLogQuery(r, admin)),
  });
  const attempts = attemptsOf(
    groupKeys,
    outbox.data?.items ?? [],
    logs.flatMap((l) => l.data?.items ?? []),
  );
  const entries = timelineOf(alert, attempts);
  return (
    <section className="section" aria-labelledby="alert-timeline">
      <h3 id="alert-timeline">{t('alerts.detail.timeline')}</h3>
      <ol className="timeline">
        {entries.map((e, i) => (
          <li key={`${e.at}-${i}`}>
            <RelTime ms={e.at} />
            <strong>{t(`alerts.timeline.${e.kind}`)}</strong>
            <span className="mono">{e.detail}</span>
          </li>
        ))}
      </ol>
      {!admin && <p className="muted">{t('alerts.detail.logAdminOnly')}</p>}
    </section>
  );
}
