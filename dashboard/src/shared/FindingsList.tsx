/**
 * Findings as a compact list, worst first then newest: chip, reason, subject, message, age.
 * A statistical finding (the master's baselines) carries its badge and reads as its plain-words
 * summary; `extra` adds a page's own piece per finding (e.g. its suggested fix).
 */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { Finding } from '../api/types';
import { SeverityChip } from '../ui/SeverityChip';
import { isStatistical, StatisticalBadge } from '../ui/StatisticalBadge';
import { RelTime, Since } from '../ui/Time';
import { subjectPath } from '../ui/links';
import { compareFindings } from '../ui/severity';

export type FindingExtra = (f: Finding) => ReactNode;

export function FindingsList({
  cluster,
  items,
  extra,
}: {
  cluster: string;
  items: Finding[];
  extra?: FindingExtra;
}) {
  const { t } = useTranslation();
  if (items.length === 0) return <p className="muted">{t('findings.none')}</p>;
  return (
    <ul className="finding-list">
      {[...items].sort(compareFindings).map((f) => {
        const statistical = isStatistical(f.attrs);
        return (
          <li key={f.fingerprint} className={statistical ? 'finding-statistical' : undefined}>
            <SeverityChip severity={f.severity} />
            <strong>{f.reason}</strong>
            {statistical && <StatisticalBadge />}
            <Link to={subjectPath(cluster, f.subject)} className="mono">
              {f.subject.kind} {f.subject.namespace ? `${f.subject.namespace}/` : ''}
              {f.subject.name}
            </Link>
            <span className="finding-message">{f.message}</span>
            <span className="muted">
              {t('findings.for')} <Since ms={f.first_seen_ms} />
            </span>
            <RelTime ms={f.last_seen_ms} />
            {extra?.(f)}
          </li>
        );
      })}
    </ul>
  );
}
