/** One cluster at a glance: link status and since when, agent, nodes, pods, findings, use. */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useMetricsSummary, useResources } from '../../api/queries';
import type { ClusterSummary, ClusterView } from '../../api/types';
import { ClusterStatusChip, SeverityChip } from '../../ui/SeverityChip';
import { RelTime } from '../../ui/Time';
import { clock, percent } from '../../ui/format';
import { nodeReadiness, podPhases } from './fleetOrder';

export function ClusterCard({
  cluster,
  summary,
}: {
  cluster: ClusterView;
  summary?: ClusterSummary;
}) {
  const { t, i18n } = useTranslation();
  const nodes = useResources(cluster.name, 'Node');
  const pods = useResources(cluster.name, 'Pod');
  const metrics = useMetricsSummary(cluster.name);
  const stale = cluster.status !== 'connected';
  const since =
    cluster.status === 'connected' ? cluster.connected_since_ms : cluster.last_heartbeat_ms;
  const readiness = nodes.data ? nodeReadiness(nodes.data.items) : null;
  const findings = summary?.findings;
  const mem = metrics.data?.memory;
  return (
    <article
      className={`card cluster-card ${stale ? 'stale' : ''}`}
      aria-labelledby={`card-${cluster.name}`}
    >
      <header className="card-head">
        <h2 id={`card-${cluster.name}`}>
          <Link to={`/clusters/${encodeURIComponent(cluster.name)}`}>{cluster.name}</Link>
        </h2>
        <ClusterStatusChip status={cluster.status} />
      </header>
      <p className="muted">
        {cluster.status === 'connected' ? t('fleet.connectedSince') : t('fleet.lastHeard')}{' '}
        <RelTime ms={since} />
        {stale && cluster.last_heartbeat_ms && (
          <> · {t('fleet.asOf', { time: clock(cluster.last_heartbeat_ms, i18n.language) })}</>
        )}
      </p>
      <dl className="facts">
        <dt>{t('fleet.agent')}</dt>
        <dd className="mono">{cluster.agent_version ?? t('common.unknown')}</dd>
        <dt>{t('fleet.nodes')}</dt>
        <dd>
          {readiness
            ? t('fleet.nodesReady', { ready: readiness.ready, total: readiness.total })
            : '…'}
        </dd>
        <dt>{t('fleet.pods')}</dt>
        <dd>
          {pods.data
            ? podPhases(pods.data.items).map(([phase, n]) => (
                <span key={phase} className={`phase phase-${phase}`}>
                  {phase} {n}
                </span>
              ))
            : '…'}
        </dd>
        <dt>{t('fleet.use')}</dt>
        <dd>
          {metrics.data?.cpu_percent != null
            ? t('fleet.cpu', { value: percent(metrics.data.cpu_percent, i18n.language) })
            : t('common.unknown')}
          {mem && mem.total_bytes > 0 && (
            <>
              {' '}
              ·{' '}
              {t('fleet.memory', {
                value: percent((100 * mem.used_bytes) / mem.total_bytes, i18n.language),
              })}
            </>
          )}
        </dd>
      </dl>
      <div className="chips" aria-label={t('fleet.findings')}>
        {findings && findings.critical + findings.warning + findings.info === 0 && (
          <span className="muted">{t('fleet.noFindings')}</span>
        )}
        {findings &&
          (['critical', 'warning', 'info'] as const)
            .filter((s) => findings[s] > 0)
            .map((s) => <SeverityChip key={s} severity={s} count={findings[s]} />)}
      </div>
      {cluster.limits.degraded && <p className="warning-text">{t('fleet.degraded')}</p>}
    </article>
  );
}
