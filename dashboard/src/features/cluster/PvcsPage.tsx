/** PersistentVolumeClaims of a cluster: phase, size, class, volume, and the pods mounting each. */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useResources } from '../../api/queries';
import { subjectPath } from '../../ui/links';
import type { Column } from '../../ui/VirtualTable';
import { ageColumn, leadingColumns } from './namedColumns';
import { NamespacedList } from './NamespacedList';
import { claimMounts, toPvcRow, type PvcRow } from './pvcRows';

export default function PvcsPage() {
  const { t } = useTranslation();
  const cluster = useParams().cluster ?? '';
  const claims = useResources(cluster, 'PersistentVolumeClaim');
  const pods = useResources(cluster, 'Pod');
  const rows = useMemo(() => (claims.data?.items ?? []).map(toPvcRow), [claims.data]);
  const mounts = useMemo(() => claimMounts(pods.data?.items ?? []), [pods.data]);
  const columns: Column<PvcRow>[] = [
    ...leadingColumns<PvcRow>(t, (r) =>
      subjectPath(cluster, { kind: 'PersistentVolumeClaim', ...r }),
    ),
    { id: 'phase', header: t('pvcs.phase'), width: '6rem', cell: (r) => r.phase },
    {
      id: 'capacity',
      header: t('pvcs.capacity'),
      width: '6rem',
      className: 'mono',
      cell: (r) => r.capacity,
    },
    {
      id: 'class',
      header: t('pvcs.storageClass'),
      width: 'minmax(7rem, 1fr)',
      className: 'mono',
      cell: (r) => r.storageClass,
    },
    { id: 'modes', header: t('pvcs.accessModes'), width: '9rem', cell: (r) => r.accessModes },
    {
      id: 'mounted',
      header: t('pvcs.mountedBy'),
      width: 'minmax(10rem, 2fr)',
      className: 'mono',
      cell: (r) => (
        <span className="links">
          {(mounts.get(r.key) ?? []).map((pod) => (
            <Link
              key={pod}
              to={subjectPath(cluster, { kind: 'Pod', namespace: r.namespace, name: pod })}
            >
              {pod}
            </Link>
          ))}
        </span>
      ),
    },
    ageColumn<PvcRow>(t),
  ];
  return (
    <NamespacedList
      id="pvc-title"
      title={t('cluster.nav.pvcs')}
      emptyTitle={t('pvcs.empty')}
      query={claims}
      rows={rows}
      columns={columns}
    />
  );
}
