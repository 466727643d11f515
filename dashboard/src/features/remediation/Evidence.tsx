/** What a suggestion rests on: the finding (linked to its subject), and by reason the
 *  container's memory figures, the workload's revisions or the node's pod count. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { Facts } from '../../shared/ObjectPage';
import { bytes } from '../../ui/format';
import { subjectPath } from '../../ui/links';
import { SeverityChip } from '../../ui/SeverityChip';
import { RelTime } from '../../ui/Time';

interface FindingEvidence {
  reason: string;
  severity: string;
  subject: string; // "Pod/ns/name" or "Node/name"
  message: string;
  first_seen_ms: number;
}

function subjectRef(s: string) {
  const [kind = '', a = '', b] = s.split('/');
  return b === undefined ? { kind, namespace: '', name: a } : { kind, namespace: a, name: b };
}

export function Evidence({
  cluster,
  evidence,
}: {
  cluster: string;
  evidence: Record<string, unknown>;
}) {
  const { t, i18n } = useTranslation();
  const f = evidence.finding as FindingEvidence | undefined;
  const memory = evidence.memory as
    | { limit_bytes: number | null; request_bytes: number | null; peak_bytes: number | null }
    | undefined;
  const revisions = evidence.revisions as
    { revision: number; created_ms: number; image: string }[] | undefined;
  const mib = (n: number | null | undefined) =>
    n === null || n === undefined ? t('remediation.evidence.unknown') : bytes(n, i18n.language);
  const facts: [string, ReactNode][] = [];
  if (f) {
    const ref = subjectRef(f.subject);
    facts.push(
      [t('remediation.evidence.severity'), <SeverityChip key="s" severity={f.severity} />],
      [
        t('remediation.evidence.subject'),
        <Link key="l" className="mono" to={subjectPath(cluster, ref)}>
          {f.subject}
        </Link>,
      ],
      [t('remediation.evidence.message'), f.message],
      [t('remediation.evidence.since'), <RelTime key="t" ms={f.first_seen_ms} />],
    );
  }
  if (memory)
    facts.push(
      [t('remediation.evidence.limit'), mib(memory.limit_bytes)],
      [t('remediation.evidence.request'), mib(memory.request_bytes)],
      [t('remediation.evidence.peak'), mib(memory.peak_bytes)],
    );
  if (typeof evidence.node_pods === 'number')
    facts.push([t('remediation.evidence.nodePods'), String(evidence.node_pods)]);
  if (revisions?.length)
    facts.push([
      t('remediation.evidence.revisions'),
      <span key="r" className="mono">
        {revisions.map((r) => `#${r.revision}${r.image ? ` ${r.image}` : ''}`).join(' → ')}
      </span>,
    ]);
  return <Facts items={facts} />;
}
