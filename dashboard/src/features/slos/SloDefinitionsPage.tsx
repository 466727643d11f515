/**
 * The SLO definitions as the master runs them (GET /slo-config, admin): where they come from,
 * the time zone of calendar windows and reports, each SLO's selector, objective, window and
 * rules, and the YAML itself. Read-only here: the file (or PUT /slo-config) is the way to change them.
 */
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { call } from '../../api/client';
import { useMe } from '../../api/queries';
import { isAdmin } from '../../auth/permissions';
import { EmptyState, QueryState } from '../../ui/States';
import { sloKeys } from './api';
import { SliText } from './Budget';
import { pct, windowName } from './model';
import { sloPath } from './paths';
import type { SloConfig } from './types';
import './slos.css';

export default function SloDefinitionsPage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const admin = isAdmin(me.data);
  const config = useQuery({
    queryKey: sloKeys.config,
    queryFn: () => call<SloConfig>('slo-config'),
    enabled: admin,
  });
  if (!admin) return <EmptyState title={t('slos.definitions.adminOnly')} />;
  return (
    <section className="page" aria-labelledby="slo-definitions">
      <h2 id="slo-definitions">{t('slos.definitions.title')}</h2>
      <QueryState query={config}>
        {() => {
          const c = config.data;
          if (!c) return null;
          return (
            <>
              <p className="muted">
                {t('slos.definitions.source', { source: c.source, tz: c.timezone })}
              </p>
              {c.slos.length === 0 ? (
                <EmptyState title={t('slos.empty')}>
                  <p>{t('slos.emptyHint')}</p>
                </EmptyState>
              ) : (
                <table className="table compact" aria-label={t('slos.definitions.title')}>
                  <thead>
                    <tr>
                      <th scope="col">{t('slos.table.name')}</th>
                      <th scope="col">{t('slos.table.where')}</th>
                      <th scope="col">{t('slos.table.sli')}</th>
                      <th scope="col" className="num">
                        {t('slos.table.objective')}
                      </th>
                      <th scope="col">{t('slos.detail.window')}</th>
                      <th scope="col">{t('slos.detail.rules')}</th>
                      <th scope="col">{t('slos.detail.owner')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {c.slos.map((s) => (
                      <tr key={s.name}>
                        <td>
                          <Link className="mono slo-name" to={sloPath(s.name)}>
                            {s.name}
                          </Link>
                        </td>
                        <td className="mono">
                          {[s.cluster, s.namespace, s.service].filter(Boolean).join(' / ')}
                          {s.route && <span className="muted"> {s.route}</span>}
                        </td>
                        <td>
                          <SliText slo={s} />
                        </td>
                        <td className="num">{pct(s.objective, i18n.language)}</td>
                        <td className="mono">
                          {s.window.kind === 'rolling'
                            ? `${s.window.days}d`
                            : `${s.window.unit} (${s.window.tz})`}
                        </td>
                        <td className="mono">
                          {s.rules
                            .map(
                              (r) =>
                                `${r.severity} ${windowName(r.long_s)}/${windowName(r.short_s)} ${r.factor}×`,
                            )
                            .join(', ')}
                        </td>
                        <td className="mono nowrap">
                          {Object.entries(s.owner)
                            .map(([k, v]) => `${k}=${v}`)
                            .join(', ')}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <h3>{t('slos.definitions.yaml')}</h3>
              <pre className="slo-yaml" aria-label={t('slos.definitions.yaml')} tabIndex={0}>
                {c.yaml}
              </pre>
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
