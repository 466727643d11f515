/** "Suggested fix" beside a finding that has a remediation, linking to it (the pod and
 *  workload pages place it in their findings lists). Public piece of this feature. */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useRemediations } from './api';
import { forFinding } from './model';

export function SuggestedFix({ cluster, fingerprint }: { cluster: string; fingerprint: string }) {
  const { t } = useTranslation();
  const list = useRemediations({ cluster });
  const r = forFinding(list.data?.items ?? [], fingerprint);
  if (!r) return null;
  return (
    <Link className="suggested-fix" to={`/remediations/${encodeURIComponent(r.id)}`}>
      {r.state === 'suggested'
        ? t('remediation.suggestedFix')
        : t('remediation.suggestedFixState', { state: t(`remediation.state.${r.state}`) })}
    </Link>
  );
}
