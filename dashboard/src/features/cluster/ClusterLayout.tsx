/** A cluster's frame: name, link status (greyed "as of" when offline), and its sections. */
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet, useParams } from 'react-router-dom';
import { useCluster } from '../../api/queries';
import { ClusterStatusChip } from '../../ui/SeverityChip';
import { ErrorState } from '../../ui/States';
import { RelTime } from '../../ui/Time';

export default function ClusterLayout() {
  const { t } = useTranslation();
  const cluster = useParams().cluster ?? '';
  const info = useCluster(cluster);
  const base = `/clusters/${encodeURIComponent(cluster)}`;
  if (info.isError) return <ErrorState error={info.error} onRetry={() => void info.refetch()} />;
  const stale = info.data && info.data.status !== 'connected';
  return (
    <div className={stale ? 'stale-scope' : ''}>
      <header className="scope-head">
        <h1 className="mono">{cluster}</h1>
        {info.data && <ClusterStatusChip status={info.data.status} />}
        {stale && info.data?.last_heartbeat_ms && (
          <span className="muted">
            {t('cluster.lastHeard')} <RelTime ms={info.data.last_heartbeat_ms} />
          </span>
        )}
      </header>
      <nav className="tabs" aria-label={t('cluster.sections')}>
        <NavLink to={base} end>
          {t('cluster.nav.overview')}
        </NavLink>
        <NavLink to={`${base}/nodes`}>{t('cluster.nav.nodes')}</NavLink>
        <NavLink to={`${base}/workloads`}>{t('cluster.nav.workloads')}</NavLink>
        <NavLink to={`${base}/pods`}>{t('cluster.nav.pods')}</NavLink>
        <NavLink to={`${base}/services`}>{t('cluster.nav.services')}</NavLink>
        <NavLink to={`${base}/ingresses`}>{t('cluster.nav.ingresses')}</NavLink>
        <NavLink to={`${base}/pvcs`}>{t('cluster.nav.pvcs')}</NavLink>
        <NavLink to={`${base}/events`}>{t('cluster.nav.events')}</NavLink>
      </nav>
      <Outlet />
    </div>
  );
}
