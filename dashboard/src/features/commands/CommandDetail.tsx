/** One command: target, parameters, transitions and result; cancel while it is not finished. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { call, enc } from '../../api/client';
import { keys } from '../../api/keys';
import { useCommand, useMe } from '../../api/queries';
import type { CommandView } from '../../api/types';
import { canOperate, canSeeAudit } from '../../auth/permissions';
import { CommandProgress } from '../../ui/CommandProgress';
import { ErrorState, QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';

export default function CommandDetail() {
  const { t } = useTranslation();
  const id = useParams().id ?? '';
  const command = useCommand(id);
  const me = useMe();
  const client = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => call<CommandView>(`commands/${enc(id)}/cancel`, { method: 'POST' }),
    onSuccess: (c) => client.setQueryData(keys.command(id), c),
  });
  return (
    <QueryState query={command}>
      {() => {
        const c = command.data!;
        const ns = c.target.split('/').length === 3 ? (c.target.split('/')[1] ?? '') : '';
        return (
          <article className="page" aria-labelledby="cmd-detail-title">
            <header className="detail-head">
              <div>
                <p className="muted">
                  <Link to="/commands">{t('commands.title')}</Link>
                </p>
                <h1 id="cmd-detail-title">
                  {c.type} <span className="mono">{c.target}</span>
                </h1>
                <dl className="target">
                  <dt>{t('topbar.cluster')}</dt>
                  <dd>{c.cluster}</dd>
                  <dt>{t('commands.id')}</dt>
                  <dd>{c.id}</dd>
                  <dt>{t('commands.by')}</dt>
                  <dd>{c.requested_by}</dd>
                  <dt>{t('commands.created')}</dt>
                  <dd>
                    <RelTime ms={c.created_ms} />
                  </dd>
                  <dt>{t('commands.params')}</dt>
                  <dd>{JSON.stringify(c.params)}</dd>
                </dl>
              </div>
              <div className="actions">
                {!c.terminal && canOperate(me.data, c.cluster, ns) && (
                  <button
                    type="button"
                    className="danger"
                    disabled={cancel.isPending}
                    onClick={() => cancel.mutate()}
                  >
                    {t('commands.cancel')}
                  </button>
                )}
                {canSeeAudit(me.data) && (
                  <Link
                    to={`/admin/audit?cluster=${encodeURIComponent(c.cluster)}&q=${encodeURIComponent(c.id)}`}
                  >
                    {t('commands.audit')}
                  </Link>
                )}
              </div>
            </header>
            {cancel.isError && <ErrorState error={cancel.error} />}
            <section className="section" aria-labelledby="cmd-progress">
              <h2 id="cmd-progress">{t('commands.transitions')}</h2>
              <CommandProgress command={c} link={false} />
            </section>
          </article>
        );
      }}
    </QueryState>
  );
}
