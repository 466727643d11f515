/** Services of a cluster: type, addresses, ports, selector, and how many pods it selects. */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useResources } from '../../api/queries';
import { subjectPath } from '../../ui/links';
import type { Column } from '../../ui/VirtualTable';
import { ageColumn, leadingColumns } from './namedColumns';
import { NamespacedList } from './NamespacedList';
import { formatSelector, selectedCounts, toServiceRow, type ServiceRow } from './networkRows';

export default function ServicesPage() {
  const { t } = useTranslation();
  const cluster = useParams().cluster ?? '';
  const services = useResources(cluster, 'Service');
  const pods = useResources(cluster, 'Pod');
  const rows = useMemo(() => (services.data?.items ?? []).map(toServiceRow), [services.data]);
  const counts = useMemo(
    () => (pods.data ? selectedCounts(rows, pods.data.items) : null),
    [rows, pods.data],
  );
  const link = (r: ServiceRow) => subjectPath(cluster, { kind: 'Service', ...r });
  const columns: Column<ServiceRow>[] = [
    ...leadingColumns<ServiceRow>(t, link),
    { id: 'type', header: t('services.type'), width: '7rem', cell: (r) => r.type },
    {
      id: 'clusterIP',
      header: t('services.clusterIP'),
      width: '8rem',
      className: 'mono',
      cell: (r) => r.clusterIP,
    },
    {
      id: 'external',
      header: t('services.external'),
      width: 'minmax(7rem, 1fr)',
      className: 'mono',
      cell: (r) => r.external,
    },
    {
      id: 'ports',
      header: t('services.ports'),
      width: 'minmax(8rem, 1fr)',
      className: 'mono',
      cell: (r) => r.ports,
    },
    {
      id: 'selector',
      header: t('services.selector'),
      width: 'minmax(9rem, 1.5fr)',
      className: 'mono',
      cell: (r) => formatSelector(r.selector),
    },
    {
      id: 'pods',
      header: t('services.pods'),
      width: '4.5rem',
      cell: (r) => {
        const n = counts?.get(r.key);
        return n === undefined ? '' : <Link to={link(r)}>{n}</Link>;
      },
    },
    ageColumn<ServiceRow>(t),
  ];
  return (
    <NamespacedList
      id="svc-title"
      title={t('cluster.nav.services')}
      emptyTitle={t('services.empty')}
      query={services}
      rows={rows}
      columns={columns}
    />
  );
}
