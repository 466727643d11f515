/** Workload detail: replicas, rollout conditions and history (ReplicaSets), pods, findings, events, actions. */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useResource, useResources } from '../../api/queries';
import type { ResourceItem } from '../../api/types';
import { Conditions } from '../../shared/Conditions';
import { DetailTabs } from '../../shared/DetailTabs';
import { conditions, num, ownerOf } from '../../shared/k8s';
import { ObjectEvents } from '../../shared/ObjectEvents';
import { ObjectFindings } from '../../shared/ObjectFindings';
import { parseTime } from '../../ui/format';
import { SeverityChip } from '../../ui/SeverityChip';
import { QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { ActionButtons } from '../actions/ActionButtons';
import { ContainerMetricCharts } from '../podmetrics/ContainerMetricCharts';
import { SuggestedFix } from '../remediation/SuggestedFix';
import { toPodRow } from '../cluster/podRows';
import { toWorkloadRow, workloadContainers } from '../cluster/workloadRows';

function ownedBy(item: ResourceItem, kind: string, name: string): boolean {
  const o = ownerOf(item.object);
  return !!o && o.kind === kind && o.name === name;
}

export default function WorkloadDetail() {
  const { t } = useTranslation();
  const p = useParams();
  const cluster = p.cluster ?? '';
  const kind = p.kind ?? '';
  const ns = p.ns === '-' ? '' : (p.ns ?? '');
  const name = p.name ?? '';
  const item = useResource(cluster, kind, ns, name);
  const pods = useResources(cluster, 'Pod');
  const sets = useResources(cluster, 'ReplicaSet', kind === 'Deployment');
  const revisions = useMemo(
    () =>
      (sets.data?.items ?? [])
        .filter((rs) => rs.namespace === ns && ownedBy(rs, kind, name))
        .map((rs) => ({
          name: rs.name,
          revision: Number(
            rs.object.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0,
          ),
          replicas: num(rs.object.status?.replicas) ?? 0,
          created: parseTime(rs.object.metadata?.creationTimestamp),
        }))
        .sort((a, b) => b.revision - a.revision),
    [sets.data, ns, kind, name],
  );
  const owners = new Set([name, ...revisions.map((r) => r.name)]);
  const myPods = (pods.data?.items ?? [])
    .filter((x) => x.namespace === ns && owners.has(ownerOf(x.object)?.name ?? ''))
    .map(toPodRow);
  const base = `/clusters/${encodeURIComponent(cluster)}`;
  return (
    <QueryState query={item}>
      {() => {
        const row = toWorkloadRow(item.data!);
        const containers = workloadContainers(item.data!);
        return (
          <article className="page" aria-labelledby="wl-detail-title">
            <header className="detail-head">
              <div>
                <p className="muted">
                  {kind} · <span className="mono">{ns}</span>
                </p>
                <h2 id="wl-detail-title" className="mono">
                  {name}
                </h2>
                <p className="chips">
                  <SeverityChip severity={row.health} />
                  {row.desired !== null && (
                    <span>
                      {t('workloads.readyOf', { ready: row.ready ?? 0, desired: row.desired })}
                    </span>
                  )}
                  {row.rollout && <span>{row.rollout}</span>}
                  <span className="muted mono">{row.images}</span>
                </p>
              </div>
              <ActionButtons
                target={{ cluster, kind, namespace: ns, name }}
                containers={containers}
                initial={{
                  scale: { replicas: String(row.desired ?? 1) },
                  set_image: { container: containers[0] ?? '' },
                  set_resources: { container: containers[0] ?? '' },
                }}
              />
            </header>
            <DetailTabs item={item.data!}>
              <div className="grid-2">
                <section className="section" aria-labelledby="wl-findings">
                  <h3 id="wl-findings">{t('cluster.findings')}</h3>
                  <ObjectFindings
                    cluster={cluster}
                    kind={kind}
                    namespace={ns}
                    name={name}
                    extra={(f) => <SuggestedFix cluster={cluster} fingerprint={f.fingerprint} />}
                  />
                </section>
                <section className="section" aria-labelledby="wl-conditions">
                  <h3 id="wl-conditions">{t('workloads.rollout')}</h3>
                  <Conditions items={conditions(item.data!.object)} />
                </section>
              </div>
              <section className="section" aria-labelledby="wl-metrics">
                <h3 id="wl-metrics">{t('podMetrics.workloadTitle')}</h3>
                <ContainerMetricCharts subject={{ cluster, kind, namespace: ns, name }} />
              </section>
              {kind === 'Deployment' && (
                <section className="section" aria-labelledby="wl-history">
                  <h3 id="wl-history">{t('workloads.history')}</h3>
                  <table className="table compact">
                    <thead>
                      <tr>
                        <th scope="col">{t('workloads.revision')}</th>
                        <th scope="col">{t('kinds.ReplicaSet')}</th>
                        <th scope="col">{t('workloads.replicas')}</th>
                        <th scope="col">{t('pods.table.age')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {revisions.map((r) => (
                        <tr key={r.name}>
                          <td>{r.revision}</td>
                          <td className="mono">{r.name}</td>
                          <td>{r.replicas}</td>
                          <td>
                            <RelTime ms={r.created} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </section>
              )}
              <section className="section" aria-labelledby="wl-pods">
                <h3 id="wl-pods">{t('pods.title')}</h3>
                <ul className="finding-list">
                  {myPods.map((r) => (
                    <li key={r.key}>
                      <SeverityChip severity={r.health} />
                      <Link
                        className="mono"
                        to={`${base}/pods/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}`}
                      >
                        {r.name}
                      </Link>
                      <span>{r.status}</span>
                      <span className="muted">{t('nodes.restarts', { count: r.restarts })}</span>
                    </li>
                  ))}
                </ul>
              </section>
              <section className="section" aria-labelledby="wl-events">
                <h3 id="wl-events">{t('cluster.nav.events')}</h3>
                <ObjectEvents cluster={cluster} kind={kind} namespace={ns} name={name} />
              </section>
            </DetailTabs>
          </article>
        );
      }}
    </QueryState>
  );
}
