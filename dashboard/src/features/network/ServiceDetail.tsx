/** Service detail: type, addresses, ports, selector, and the pods the selector picks (linked). */
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { useResources } from '../../api/queries';
import { Facts, ObjectPage, PodLinks } from '../../shared/ObjectPage';
import { subjectPath } from '../../ui/links';
import { QueryState } from '../../ui/States';
import { formatSelector, podsSelectedBy, toServiceRow } from '../cluster/networkRows';

export default function ServiceDetail() {
  const { t } = useTranslation();
  const p = useParams();
  const cluster = p.cluster ?? '';
  const ns = p.ns ?? '';
  const name = p.name ?? '';
  const pods = useResources(cluster, 'Pod');
  return (
    <ObjectPage cluster={cluster} kind="Service" namespace={ns} name={name}>
      {(item) => {
        const row = toServiceRow(item);
        return (
          <div className="grid-2">
            <section className="section" aria-labelledby="svc-spec">
              <h3 id="svc-spec">{t('services.spec')}</h3>
              <Facts
                items={[
                  [t('services.type'), row.type],
                  [t('services.clusterIP'), row.clusterIP],
                  [t('services.external'), row.external],
                  [t('services.ports'), row.ports],
                  [t('services.selector'), formatSelector(row.selector)],
                ]}
              />
            </section>
            <section className="section" aria-labelledby="svc-pods">
              <h3 id="svc-pods">{t('services.selectedPods')}</h3>
              <QueryState query={pods}>
                {() => (
                  <PodLinks
                    names={podsSelectedBy(row, pods.data!.items)
                      .map((x) => x.name)
                      .sort()}
                    to={(n) => subjectPath(cluster, { kind: 'Pod', namespace: ns, name: n })}
                  />
                )}
              </QueryState>
            </section>
          </div>
        );
      }}
    </ObjectPage>
  );
}
