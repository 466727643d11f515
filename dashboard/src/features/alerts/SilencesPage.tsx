/** Silences, newest first: matchers, state, who and why, until when; expire (operators in scope). */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useMe } from '../../api/queries';
import { canOperate, operatesSomewhere } from '../../auth/permissions';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { EmptyState, QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { useExpireSilence, useSilences } from './api';
import { pinnedScope } from './model';

export default function SilencesPage() {
  const { t } = useTranslation();
  const me = useMe();
  const silences = useSilences();
  const expire = useExpireSilence();
  return (
    <section className="page" aria-labelledby="silences-title">
      <div className="scope-head">
        <h2 id="silences-title">{t('alerts.silences.title')}</h2>
        {operatesSomewhere(me.data) && (
          <Link className="button" to="/alerts/silences/new">
            {t('alerts.silences.new')}
          </Link>
        )}
      </div>
      {expire.isError && (
        <p role="alert" className="warning-text">
          {expire.error.message}
        </p>
      )}
      <QueryState query={silences}>
        {() =>
          (silences.data?.items ?? []).length === 0 ? (
            <EmptyState title={t('alerts.silences.empty')} />
          ) : (
            <table className="table compact" aria-label={t('alerts.silences.title')}>
              <thead>
                <tr>
                  <th scope="col">{t('alerts.silences.state')}</th>
                  <th scope="col">{t('alerts.silences.matchers')}</th>
                  <th scope="col">{t('alerts.silences.by')}</th>
                  <th scope="col">{t('alerts.silences.comment')}</th>
                  <th scope="col">{t('alerts.silences.starts')}</th>
                  <th scope="col">{t('alerts.silences.ends')}</th>
                  <th scope="col">{t('alerts.table.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {(silences.data?.items ?? []).map((s) => {
                  const scope = pinnedScope(s.matchers);
                  return (
                    <tr key={s.id}>
                      <td>{t(`alerts.silences.states.${s.state}`, { defaultValue: s.state })}</td>
                      <td className="mono">{s.matchers.join(', ')}</td>
                      <td>{s.created_by}</td>
                      <td>{s.comment}</td>
                      <td>
                        <RelTime ms={s.starts_at_ms} />
                      </td>
                      <td>
                        <RelTime ms={s.ends_at_ms} />
                      </td>
                      <td>
                        {s.state !== 'expired' &&
                          canOperate(me.data, scope.cluster, scope.namespace) && (
                            <ConfirmButton
                              label={t('alerts.silences.expire')}
                              disabled={expire.isPending}
                              onConfirm={() => expire.mutate(s.id)}
                            />
                          )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </QueryState>
    </section>
  );
}
