/** The audit log: filters in the URL (actor, cluster, action, from, to, text), paging, JSONL/CSV export. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { authFetch, call, qs } from '../../api/client';
import { errorFrom } from '../../api/errors';
import { useMe } from '../../api/queries';
import type { AuditPage as Page } from '../../api/types';
import { isAdmin } from '../../auth/permissions';
import { EmptyState, ErrorState, QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { useUrlState } from '../../ui/useUrlState';

const FIELDS = ['actor', 'cluster', 'action', 'from', 'to', 'q', 'before_id'] as const;

function toIso(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}

export default function AuditPage() {
  const { t } = useTranslation();
  const me = useMe();
  const [f, set] = useUrlState(FIELDS);
  const server = {
    actor: f.actor,
    cluster: f.cluster,
    action: f.action,
    from: toIso(f.from),
    to: toIso(f.to),
  };
  const page = useQuery({
    queryKey: ['audit', server, f.before_id],
    queryFn: () => call<Page>(`audit${qs({ ...server, before_id: f.before_id, limit: 200 })}`),
  });
  const [exportError, setExportError] = useState<unknown>(null);
  const q = f.q.toLowerCase();
  const items = (page.data?.items ?? []).filter(
    (e) => !q || JSON.stringify(e).toLowerCase().includes(q),
  );

  async function download(format: 'jsonl' | 'csv') {
    setExportError(null);
    const res = await authFetch(`audit/export${qs({ ...server, format })}`);
    if (!res.ok) return setExportError(await errorFrom(res));
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `lookout-audit.${format}`;
    a.click();
    URL.revokeObjectURL(url);
  }
  const text = (name: (typeof FIELDS)[number], type = 'text') => (
    <label key={name}>
      {t(`admin.audit.${name}`)}
      <input
        type={type}
        value={f[name]}
        onChange={(e) => set({ [name]: e.target.value, before_id: '' })}
      />
    </label>
  );
  return (
    <section aria-labelledby="audit-title" className="page">
      <h2 id="audit-title">{t('admin.nav.audit')}</h2>
      <div className="filters">
        {text('actor')}
        {text('cluster')}
        {text('action')}
        {text('from', 'datetime-local')}
        {text('to', 'datetime-local')}
        {text('q', 'search')}
        {isAdmin(me.data) && (
          <>
            <button type="button" onClick={() => void download('jsonl')}>
              {t('admin.audit.exportJsonl')}
            </button>
            <button type="button" onClick={() => void download('csv')}>
              {t('admin.audit.exportCsv')}
            </button>
          </>
        )}
      </div>
      {exportError !== null && <ErrorState error={exportError} />}
      <QueryState query={page}>
        {() =>
          items.length === 0 ? (
            <EmptyState title={t('admin.audit.empty')} />
          ) : (
            <>
              <table className="table compact">
                <thead>
                  <tr>
                    <th scope="col">{t('admin.audit.at')}</th>
                    <th scope="col">{t('admin.audit.actor')}</th>
                    <th scope="col">{t('admin.audit.action')}</th>
                    <th scope="col">{t('admin.audit.outcome')}</th>
                    <th scope="col">{t('admin.audit.cluster')}</th>
                    <th scope="col">{t('admin.audit.target')}</th>
                    <th scope="col">{t('admin.audit.detail')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((e) => (
                    <tr key={String(e.id)}>
                      <td>
                        <RelTime ms={e.at_ms} />
                      </td>
                      <td>{e.actor}</td>
                      <td className="mono">{e.action}</td>
                      <td>{e.outcome}</td>
                      <td className="mono">{e.cluster}</td>
                      <td className="mono">{e.target}</td>
                      <td className="mono muted">{JSON.stringify(e.detail)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {page.data?.next_before_id != null && (
                <button
                  type="button"
                  onClick={() => set({ before_id: String(page.data?.next_before_id) })}
                >
                  {t('commands.older')}
                </button>
              )}
            </>
          )
        }
      </QueryState>
    </section>
  );
}
