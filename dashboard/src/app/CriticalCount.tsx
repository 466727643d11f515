/** Firing criticals across the fleet, linked to the fleet's critical list (shares the summary caches). */
import { useQueries } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { call, enc } from '../api/client';
import { keys } from '../api/keys';
import type { ClusterSummary } from '../api/types';
import { CriticalIcon } from '../ui/icons';

export function CriticalCount({ clusters }: { clusters: string[] }) {
  const { t } = useTranslation();
  const summaries = useQueries({
    queries: clusters.map((c) => ({
      queryKey: keys.summary(c),
      queryFn: () => call<ClusterSummary>(`clusters/${enc(c)}/summary`),
    })),
  });
  const n = summaries.reduce((sum, s) => sum + (s.data?.findings.critical ?? 0), 0);
  if (n === 0) return null;
  return (
    <Link to="/#criticals-title" className="chip chip-critical">
      <CriticalIcon />
      <span>{t('topbar.criticals', { count: n })}</span>
    </Link>
  );
}
