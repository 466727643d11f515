/** Findings as a compact list, worst first then newest: chip, reason, subject, message, age. */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { Finding } from '../api/types';
import { SeverityChip } from '../ui/SeverityChip';
import { RelTime, Since } from '../ui/Time';
import { subjectPath } from '../ui/links';
import { compareFindings } from '../ui/severity';

export function FindingsList({ cluster, items }: { cluster: string; items: Finding[] }) {
  const { t } = useTranslation();
  if (items.length === 0) return <p className="muted">{t('findings.none')}</p>;
  return (
    <ul className="finding-list">
      {[...items].sort(compareFindings).map((f) => (
        <li key={f.fingerprint}>
          <SeverityChip severity={f.severity} />
          <strong>{f.reason}</strong>
          <Link to={subjectPath(cluster, f.subject)} className="mono">
            {f.subject.kind} {f.subject.namespace ? `${f.subject.namespace}/` : ''}
            {f.subject.name}
          </Link>
          <span className="finding-message">{f.message}</span>
          <span className="muted">
            {t('findings.for')} <Since ms={f.first_seen_ms} />
          </span>
          <RelTime ms={f.last_seen_ms} />
        </li>
      ))}
    </ul>
  );
}
