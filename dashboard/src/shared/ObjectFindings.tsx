/** Active findings whose subject or owner is this object, then its past ones (history API);
 *  `extra`: the page's own piece per active finding (its suggested fix). */
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call, enc, qs } from '../api/client';
import { keys } from '../api/keys';
import { useFindings } from '../api/queries';
import type { FindingOccurrence } from '../api/types';
import { FindingsList, type FindingExtra } from './FindingsList';
import { SeverityChip } from '../ui/SeverityChip';
import { QueryState } from '../ui/States';
import { RelTime } from '../ui/Time';

export function ObjectFindings({
  cluster,
  kind,
  namespace,
  name,
  extra,
}: {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
  extra?: FindingExtra;
}) {
  const { t } = useTranslation();
  const active = useFindings(cluster);
  const past = useQuery({
    queryKey: keys.findingsHistory(cluster, `${kind}/${namespace}/${name}`),
    queryFn: () =>
      call<{ items: FindingOccurrence[] }>(
        `clusters/${enc(cluster)}/findings/history${qs({ namespace: namespace || undefined, limit: 500 })}`,
      ),
    refetchInterval: false,
  });
  const mine = (active.data?.items ?? []).filter(
    (f) =>
      (f.subject.kind === kind && f.subject.name === name && f.subject.namespace === namespace) ||
      (f.owner?.kind === kind && f.owner.name === name && f.owner.namespace === namespace),
  );
  const resolved = (past.data?.items ?? []).filter(
    (o) => o.resolved_ms !== null && o.subject.kind === kind && o.subject.name === name,
  );
  return (
    <>
      <QueryState query={active} rows={2}>
        {() => <FindingsList cluster={cluster} items={mine} extra={extra} />}
      </QueryState>
      {resolved.length > 0 && (
        <details>
          <summary>{t('findings.past', { count: resolved.length })}</summary>
          <ul className="finding-list">
            {resolved.slice(0, 30).map((o) => (
              <li key={String(o.id)}>
                <SeverityChip severity={o.severity} />
                <strong>{o.reason}</strong>
                <span className="finding-message">{o.message}</span>
                <span className="muted">
                  {t('findings.resolved')} <RelTime ms={o.resolved_ms} />
                </span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}
