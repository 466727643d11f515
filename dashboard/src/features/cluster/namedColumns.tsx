/** The columns every namespaced list (Services, Ingresses, PVCs) opens and closes with:
 * health, linked name and namespace first, age last — so the three read alike. */
import type { TFunction } from 'i18next';
import { Link } from 'react-router-dom';
import { SeverityChip } from '../../ui/SeverityChip';
import { RelTime } from '../../ui/Time';
import type { Column } from '../../ui/VirtualTable';
import type { NamedRow } from './namedRows';

export function leadingColumns<T extends NamedRow>(
  t: TFunction,
  link: (row: T) => string,
): Column<T>[] {
  return [
    {
      id: 'health',
      header: t('pods.table.health'),
      width: '7.5rem',
      cell: (r) => <SeverityChip severity={r.health} />,
    },
    {
      id: 'name',
      header: t('pods.table.name'),
      width: 'minmax(12rem, 2fr)',
      className: 'mono',
      cell: (r) => <Link to={link(r)}>{r.name}</Link>,
    },
    {
      id: 'namespace',
      header: t('pods.table.namespace'),
      width: 'minmax(7rem, 1fr)',
      className: 'mono',
      cell: (r) => r.namespace,
    },
  ];
}

export function ageColumn<T extends { createdMs: number | null }>(t: TFunction): Column<T> {
  return {
    id: 'age',
    header: t('pods.table.age'),
    width: '6rem',
    cell: (r) => <RelTime ms={r.createdMs} />,
  };
}
