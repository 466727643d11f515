/** The fleet's newest critical findings, newest first, each linked to its subject. */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { SeverityChip } from '../../ui/SeverityChip';
import { Skeleton } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { subjectPath } from '../../ui/links';
import type { FleetFinding } from './fleetOrder';

export function CriticalList({ items, loading }: { items: FleetFinding[]; loading: boolean }) {
  const { t } = useTranslation();
  if (loading && items.length === 0) return <Skeleton rows={2} />;
  if (items.length === 0) return <p className="muted">{t('fleet.noCriticals')}</p>;
  return (
    <ul className="finding-list">
      {items.map((f) => (
        <li key={`${f.cluster}/${f.fingerprint}`}>
          <SeverityChip severity={f.severity} />
          <span className="mono">{f.cluster}</span>
          <strong>{f.reason}</strong>
          <Link to={subjectPath(f.cluster, f.subject)} className="mono">
            {f.subject.namespace ? `${f.subject.namespace}/` : ''}
            {f.subject.name}
          </Link>
          <span className="finding-message">{f.message}</span>
          <RelTime ms={f.last_seen_ms} />
        </li>
      ))}
    </ul>
  );
}
