/** Notifications that were never delivered in time (admin), each retryable now. */
import { useTranslation } from 'react-i18next';
import { EmptyState, QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { useNotifications, useRetry } from './api';

export function DeadLetters() {
  const { t } = useTranslation();
  const dead = useNotifications({ state: 'dead' }, true);
  const retry = useRetry();
  return (
    <section className="section" aria-labelledby="dead-title">
      <h3 id="dead-title">{t('alerts.dead.title')}</h3>
      {retry.isError && (
        <p role="alert" className="warning-text">
          {retry.error.message}
        </p>
      )}
      <QueryState query={dead} rows={2}>
        {() =>
          (dead.data?.items ?? []).length === 0 ? (
            <EmptyState title={t('alerts.dead.empty')} />
          ) : (
            <table className="table compact" aria-label={t('alerts.dead.title')}>
              <thead>
                <tr>
                  <th scope="col">{t('alerts.receivers.name')}</th>
                  <th scope="col">{t('alerts.dead.group')}</th>
                  <th scope="col">{t('alerts.dead.status')}</th>
                  <th scope="col">{t('alerts.dead.attempts')}</th>
                  <th scope="col">{t('alerts.dead.lastError')}</th>
                  <th scope="col">{t('alerts.dead.created')}</th>
                  <th scope="col">{t('alerts.table.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {(dead.data?.items ?? []).map((n) => (
                  <tr key={n.id}>
                    <td className="mono">{n.receiver}</td>
                    <td className="mono">{n.group_key}</td>
                    <td>
                      {n.status} · {t('alerts.group.count', { count: n.alerts })}
                    </td>
                    <td>{n.attempts}</td>
                    <td className="muted">
                      {n.last_status !== null && `${n.last_status} `}
                      {n.last_error}
                    </td>
                    <td>
                      <RelTime ms={n.created_ms} />
                    </td>
                    <td>
                      <button
                        type="button"
                        disabled={retry.isPending}
                        onClick={() => retry.mutate(n.id)}
                      >
                        {t('alerts.dead.retry')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
    </section>
  );
}
