/** Pod detail: header with health, owner chain and node; containers, conditions, findings,
 *  events, logs and describe; actions for those who may operate. */
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useMe, useResource } from '../../api/queries';
import { canOperate } from '../../auth/permissions';
import { Conditions } from '../../shared/Conditions';
import { DetailTabs } from '../../shared/DetailTabs';
import { conditions, str } from '../../shared/k8s';
import { ObjectEvents } from '../../shared/ObjectEvents';
import { ObjectFindings } from '../../shared/ObjectFindings';
import { OwnerChain } from '../../shared/OwnerChain';
import { parseTime } from '../../ui/format';
import { SeverityChip } from '../../ui/SeverityChip';
import { QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { ActionButtons } from '../actions/ActionButtons';
import { ContainerMetricCharts } from '../podmetrics/ContainerMetricCharts';
import { SuggestedFix } from '../remediation/SuggestedFix';
import { podStatus } from '../cluster/podRows';
import { containerNames, Containers } from './Containers';
import { PodLogs, ReadCommand } from './ReadCommand';

export default function PodDetail() {
  const { t } = useTranslation();
  const p = useParams();
  const cluster = p.cluster ?? '';
  const ns = p.ns ?? '';
  const name = p.name ?? '';
  const pod = useResource(cluster, 'Pod', ns, name);
  const me = useMe();
  const target = { cluster, kind: 'Pod', namespace: ns, name };
  const base = `/clusters/${encodeURIComponent(cluster)}`;
  return (
    <QueryState query={pod}>
      {() => {
        const item = pod.data!;
        const obj = item.object;
        const node = str(obj.spec?.nodeName);
        const names = containerNames(obj);
        return (
          <article className="page" aria-labelledby="pod-title">
            <header className="detail-head">
              <div>
                <p className="muted">
                  {t('kinds.Pod')} · <span className="mono">{ns}</span>
                </p>
                <h2 id="pod-title" className="mono">
                  {name}
                </h2>
                <p className="chips">
                  <SeverityChip severity={item.health} />
                  <span>{podStatus(obj)}</span>
                  <span className="muted">
                    {t('detail.age')} <RelTime ms={parseTime(obj.metadata?.creationTimestamp)} />
                  </span>
                  {node && (
                    <span>
                      {t('pods.table.node')}{' '}
                      <Link className="mono" to={`${base}/nodes/${encodeURIComponent(node)}`}>
                        {node}
                      </Link>
                    </span>
                  )}
                </p>
                <OwnerChain cluster={cluster} namespace={ns} obj={obj} />
              </div>
              <ActionButtons target={target} />
            </header>
            <DetailTabs item={item}>
              <section className="section" aria-labelledby="pod-containers">
                <h3 id="pod-containers">{t('pod.containers')}</h3>
                <Containers obj={obj} />
              </section>
              <section className="section" aria-labelledby="pod-findings">
                <h3 id="pod-findings">{t('cluster.findings')}</h3>
                <ObjectFindings
                  cluster={cluster}
                  kind="Pod"
                  namespace={ns}
                  name={name}
                  extra={(f) => <SuggestedFix cluster={cluster} fingerprint={f.fingerprint} />}
                />
              </section>
              <section className="section" aria-labelledby="pod-metrics">
                <h3 id="pod-metrics">{t('podMetrics.title')}</h3>
                <ContainerMetricCharts subject={target} />
              </section>
              <section className="section" aria-labelledby="pod-conditions">
                <h3 id="pod-conditions">{t('detail.conditions')}</h3>
                <Conditions items={conditions(obj)} />
              </section>
              <section className="section" aria-labelledby="pod-events">
                <h3 id="pod-events">{t('cluster.nav.events')}</h3>
                <ObjectEvents cluster={cluster} kind="Pod" namespace={ns} name={name} />
              </section>
              {canOperate(me.data, cluster, ns) && (
                <>
                  <section className="section" aria-labelledby="pod-logs">
                    <h3 id="pod-logs">{t('pod.logs')}</h3>
                    <PodLogs target={target} containers={names} />
                  </section>
                  <section className="section" aria-labelledby="pod-describe">
                    <h3 id="pod-describe">{t('detail.describe')}</h3>
                    <ReadCommand
                      target={target}
                      type="describe"
                      params={{}}
                      label={t('detail.runDescribe')}
                      filename={`${name}.describe.json`}
                    />
                  </section>
                </>
              )}
            </DetailTabs>
          </article>
        );
      }}
    </QueryState>
  );
}
