/** Cluster summary: findings worst first, health per kind, node metrics. */
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { useFindings, useMetricsSummary, useSummary } from '../../api/queries';
import { bytes, percent } from '../../ui/format';
import { SeverityChip } from '../../ui/SeverityChip';
import { QueryState } from '../../ui/States';
import { FindingsList } from '../../shared/FindingsList';

export default function ClusterOverview() {
  const { t, i18n } = useTranslation();
  const cluster = useParams().cluster ?? '';
  const summary = useSummary(cluster);
  const findings = useFindings(cluster);
  const metrics = useMetricsSummary(cluster);
  const lang = i18n.language;
  return (
    <div className="page">
      <section className="section" aria-labelledby="ov-findings">
        <h2 id="ov-findings">{t('cluster.findings')}</h2>
        <QueryState query={findings} rows={3}>
          {() => <FindingsList cluster={cluster} items={findings.data?.items ?? []} />}
        </QueryState>
      </section>
      <section className="section" aria-labelledby="ov-health">
        <h2 id="ov-health">{t('cluster.health')}</h2>
        <QueryState query={summary} rows={4}>
          {() => (
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">{t('cluster.kind')}</th>
                  <th scope="col">{t('cluster.count')}</th>
                  <th scope="col">{t('cluster.trouble')}</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(summary.data?.counts ?? {}).map(([kind, n]) => {
                  const h = summary.data?.health[kind] ?? {};
                  return (
                    <tr key={kind}>
                      <td>{kind}</td>
                      <td>{n}</td>
                      <td className="chips">
                        {(['critical', 'warning'] as const)
                          .filter((s) => (h[s] ?? 0) > 0)
                          .map((s) => (
                            <SeverityChip key={s} severity={s} count={h[s]} />
                          ))}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </QueryState>
      </section>
      <section className="section" aria-labelledby="ov-metrics">
        <h2 id="ov-metrics">{t('cluster.metrics')}</h2>
        <QueryState query={metrics} rows={2}>
          {() => {
            const m = metrics.data;
            if (!m || m.nodes === 0) return <p className="muted">{t('cluster.noMetrics')}</p>;
            return (
              <dl className="facts">
                <dt>{t('fleet.cpu', { value: '' })}</dt>
                <dd>
                  {m.cpu_percent != null ? percent(m.cpu_percent, lang) : t('common.unknown')}
                </dd>
                <dt>{t('cluster.memory')}</dt>
                <dd>
                  {bytes(m.memory.used_bytes, lang)} / {bytes(m.memory.total_bytes, lang)}
                </dd>
                <dt>{t('cluster.disk')}</dt>
                <dd>
                  {bytes(m.disk.used_bytes, lang)} / {bytes(m.disk.total_bytes, lang)}
                </dd>
              </dl>
            );
          }}
        </QueryState>
      </section>
    </div>
  );
}
