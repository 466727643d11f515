/** Node detail: conditions, taints, capacity/allocatable, its pods, metric history; cordon/uncordon/drain. */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useResource, useResources } from '../../api/queries';
import { Conditions } from '../../shared/Conditions';
import { DetailTabs } from '../../shared/DetailTabs';
import { conditions } from '../../shared/k8s';
import { ObjectFindings } from '../../shared/ObjectFindings';
import { SeverityChip } from '../../ui/SeverityChip';
import { isApiError } from '../../api/errors';
import { ErrorState, QueryState } from '../../ui/States';
import { ActionButtons } from '../actions/ActionButtons';
import { toPodRow } from '../cluster/podRows';
import { NodeMetrics } from './NodeMetrics';

const PRESSURES = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

export default function NodeDetail() {
  const { t } = useTranslation();
  const p = useParams();
  const cluster = p.cluster ?? '';
  const name = p.node ?? '';
  const node = useResource(cluster, 'Node', '', name);
  const pods = useResources(cluster, 'Pod');
  const onNode = useMemo(
    () => (pods.data?.items ?? []).filter((x) => x.object.spec?.nodeName === name).map(toPodRow),
    [pods.data, name],
  );
  const base = `/clusters/${encodeURIComponent(cluster)}`;
  if (node.isError && isApiError(node.error) && node.error.status === 404)
    // Not (or no longer) mirrored, e.g. a host only the metrics daemon reports: its history stays.
    return (
      <article className="page" aria-labelledby="node-title">
        <h2 id="node-title" className="mono">
          {name}
        </h2>
        <ErrorState error={node.error} onRetry={() => void node.refetch()} />
        <section className="section" aria-labelledby="node-metrics">
          <h3 id="node-metrics">{t('cluster.metrics')}</h3>
          <NodeMetrics cluster={cluster} node={name} />
        </section>
      </article>
    );
  return (
    <QueryState query={node}>
      {() => {
        const obj = node.data!.object;
        const status = (obj.status ?? {}) as {
          capacity?: Record<string, string>;
          allocatable?: Record<string, string>;
        };
        const taints = (obj.spec?.taints ?? []) as {
          key: string;
          value?: string;
          effect: string;
        }[];
        const cordoned = obj.spec?.unschedulable === true;
        return (
          <article className="page" aria-labelledby="node-title">
            <header className="detail-head">
              <div>
                <p className="muted">{t('kinds.Node')}</p>
                <h2 id="node-title" className="mono">
                  {name}
                </h2>
                <p className="chips">
                  <SeverityChip severity={node.data!.health} />
                  {cordoned && <span className="chip chip-warning">{t('nodes.cordoned')}</span>}
                </p>
              </div>
              <ActionButtons target={{ cluster, kind: 'Node', namespace: '', name }} />
            </header>
            <DetailTabs item={node.data!}>
              <div className="grid-2">
                <section className="section wide" aria-labelledby="node-conditions">
                  <h3 id="node-conditions">{t('detail.conditions')}</h3>
                  <Conditions items={conditions(obj)} goodWhenFalse={PRESSURES} />
                </section>
                <section className="section" aria-labelledby="node-findings">
                  <h3 id="node-findings">{t('cluster.findings')}</h3>
                  <ObjectFindings cluster={cluster} kind="Node" namespace="" name={name} />
                </section>
                <section className="section" aria-labelledby="node-capacity">
                  <h3 id="node-capacity">{t('nodes.capacity')}</h3>
                  <table className="table compact">
                    <thead>
                      <tr>
                        <th scope="col">{t('nodes.resource')}</th>
                        <th scope="col">{t('nodes.capacity')}</th>
                        <th scope="col">{t('nodes.allocatable')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {Object.entries(status.capacity ?? {}).map(([k, v]) => (
                        <tr key={k}>
                          <td>{k}</td>
                          <td className="mono">{v}</td>
                          <td className="mono">{status.allocatable?.[k] ?? ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </section>
                <section className="section" aria-labelledby="node-taints">
                  <h3 id="node-taints">{t('nodes.taints')}</h3>
                  {taints.length === 0 ? (
                    <p className="muted">{t('common.none')}</p>
                  ) : (
                    <ul>
                      {taints.map((x, i) => (
                        <li key={i} className="mono">
                          {x.key}
                          {x.value ? `=${x.value}` : ''}:{x.effect}
                        </li>
                      ))}
                    </ul>
                  )}
                </section>
              </div>
              <section className="section" aria-labelledby="node-metrics">
                <h3 id="node-metrics">{t('cluster.metrics')}</h3>
                <NodeMetrics cluster={cluster} node={name} />
              </section>
              <section className="section" aria-labelledby="node-pods">
                <h3 id="node-pods">{t('nodes.podsOnNode', { count: onNode.length })}</h3>
                <ul className="finding-list">
                  {onNode.map((r) => (
                    <li key={r.key}>
                      <SeverityChip severity={r.health} />
                      <Link
                        className="mono"
                        to={`${base}/pods/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}`}
                      >
                        {r.namespace}/{r.name}
                      </Link>
                      <span>{r.status}</span>
                      <span className="muted">{t('nodes.restarts', { count: r.restarts })}</span>
                    </li>
                  ))}
                </ul>
              </section>
            </DetailTabs>
          </article>
        );
      }}
    </QueryState>
  );
}
