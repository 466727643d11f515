/** Ingresses of a cluster: class, hosts, the Services they route to (linked), TLS, address. */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useResources } from '../../api/queries';
import { subjectPath } from '../../ui/links';
import type { Column } from '../../ui/VirtualTable';
import { ageColumn, leadingColumns } from './namedColumns';
import { NamespacedList } from './NamespacedList';
import { toIngressRow, type IngressRow } from './networkRows';

export default function IngressesPage() {
  const { t } = useTranslation();
  const cluster = useParams().cluster ?? '';
  const ingresses = useResources(cluster, 'Ingress');
  const rows = useMemo(() => (ingresses.data?.items ?? []).map(toIngressRow), [ingresses.data]);
  const columns: Column<IngressRow>[] = [
    ...leadingColumns<IngressRow>(t, (r) => subjectPath(cluster, { kind: 'Ingress', ...r })),
    { id: 'class', header: t('ingresses.class'), width: '7rem', cell: (r) => r.className },
    {
      id: 'hosts',
      header: t('ingresses.hosts'),
      width: 'minmax(10rem, 2fr)',
      className: 'mono',
      cell: (r) => r.hosts.join(', '),
    },
    {
      id: 'backends',
      header: t('ingresses.backends'),
      width: 'minmax(10rem, 2fr)',
      className: 'mono',
      cell: (r) => (
        <span className="links">
          {r.backends.map((b) => (
            <Link
              key={b.service}
              to={subjectPath(cluster, {
                kind: 'Service',
                namespace: r.namespace,
                name: b.service,
              })}
            >
              {b.service}
            </Link>
          ))}
        </span>
      ),
    },
    {
      id: 'tls',
      header: t('ingresses.tls'),
      width: '4rem',
      cell: (r) => (r.tls ? t('common.yes') : t('common.no')),
    },
    {
      id: 'address',
      header: t('ingresses.address'),
      width: 'minmax(7rem, 1fr)',
      className: 'mono',
      cell: (r) => r.address,
    },
    ageColumn<IngressRow>(t),
  ];
  return (
    <NamespacedList
      id="ing-title"
      title={t('cluster.nav.ingresses')}
      emptyTitle={t('ingresses.empty')}
      query={ingresses}
      rows={rows}
      columns={columns}
    />
  );
}
