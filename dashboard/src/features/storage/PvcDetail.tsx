/** PersistentVolumeClaim detail: phase, size, class, modes, volume, and the pods mounting it. */
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { useResources } from '../../api/queries';
import { Conditions } from '../../shared/Conditions';
import { conditions } from '../../shared/k8s';
import { Facts, ObjectPage, PodLinks } from '../../shared/ObjectPage';
import { subjectPath } from '../../ui/links';
import { QueryState } from '../../ui/States';
import { claimMounts, toPvcRow } from '../cluster/pvcRows';

export default function PvcDetail() {
  const { t } = useTranslation();
  const p = useParams();
  const cluster = p.cluster ?? '';
  const ns = p.ns ?? '';
  const name = p.name ?? '';
  const pods = useResources(cluster, 'Pod');
  return (
    <ObjectPage cluster={cluster} kind="PersistentVolumeClaim" namespace={ns} name={name}>
      {(item) => {
        const row = toPvcRow(item);
        return (
          <div className="grid-2">
            <section className="section" aria-labelledby="pvc-spec">
              <h3 id="pvc-spec">{t('services.spec')}</h3>
              <Facts
                items={[
                  [t('pvcs.phase'), row.phase],
                  [t('pvcs.capacity'), row.capacity],
                  [t('pvcs.storageClass'), row.storageClass],
                  [t('pvcs.accessModes'), row.accessModes],
                  [t('pvcs.volume'), row.volume],
                ]}
              />
              {conditions(item.object).length > 0 && <Conditions items={conditions(item.object)} />}
            </section>
            <section className="section" aria-labelledby="pvc-pods">
              <h3 id="pvc-pods">{t('pvcs.mountedBy')}</h3>
              <QueryState query={pods}>
                {() => (
                  <PodLinks
                    names={claimMounts(pods.data!.items).get(row.key) ?? []}
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
