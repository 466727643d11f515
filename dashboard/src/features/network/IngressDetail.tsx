/** Ingress detail: class, TLS, address, and each rule (host, path → Service, linked). */
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { Facts, ObjectPage } from '../../shared/ObjectPage';
import { subjectPath } from '../../ui/links';
import { toIngressRow } from '../cluster/networkRows';

export default function IngressDetail() {
  const { t } = useTranslation();
  const p = useParams();
  const cluster = p.cluster ?? '';
  const ns = p.ns ?? '';
  const name = p.name ?? '';
  return (
    <ObjectPage cluster={cluster} kind="Ingress" namespace={ns} name={name}>
      {(item) => {
        const row = toIngressRow(item);
        return (
          <>
            <section className="section" aria-labelledby="ing-spec">
              <h3 id="ing-spec">{t('services.spec')}</h3>
              <Facts
                items={[
                  [t('ingresses.class'), row.className],
                  [t('ingresses.tls'), row.tls ? t('common.yes') : t('common.no')],
                  [t('ingresses.address'), row.address],
                ]}
              />
            </section>
            <section className="section" aria-labelledby="ing-rules">
              <h3 id="ing-rules">{t('ingresses.rules')}</h3>
              <table className="table compact">
                <thead>
                  <tr>
                    <th scope="col">{t('ingresses.host')}</th>
                    <th scope="col">{t('ingresses.path')}</th>
                    <th scope="col">{t('kinds.Service')}</th>
                    <th scope="col">{t('ingresses.port')}</th>
                  </tr>
                </thead>
                <tbody>
                  {row.paths.map((x, i) => (
                    <tr key={i}>
                      <td className="mono">{x.host}</td>
                      <td className="mono">{x.path}</td>
                      <td className="mono">
                        {x.backend && (
                          <Link
                            to={subjectPath(cluster, {
                              kind: 'Service',
                              namespace: ns,
                              name: x.backend.service,
                            })}
                          >
                            {x.backend.service}
                          </Link>
                        )}
                      </td>
                      <td className="mono">{x.backend?.port ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </>
        );
      }}
    </ObjectPage>
  );
}
