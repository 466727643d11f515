/** Fleet overview: a card per cluster, worst first, the fleet's newest critical findings and the worst SLOs. */
import { useQueries } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call, enc } from '../../api/client';
import { keys } from '../../api/keys';
import { useClusters, useMe } from '../../api/queries';
import type { ClusterSummary, Finding, Items } from '../../api/types';
import { isAdmin } from '../../auth/permissions';
import { EmptyState, QueryState } from '../../ui/States';
import { ClusterCard } from './ClusterCard';
import { SloCard } from '../slos/SloCard';
import { CriticalList } from './CriticalList';
import { newestCriticals, sortWorstFirst } from './fleetOrder';
import { Link } from 'react-router-dom';

// A command line, the same in every language (master/__main__.py).
const CLI_ADD = 'lookout-master cluster add NAME';

export function FleetPage() {
  const { t } = useTranslation();
  const clusters = useClusters();
  const me = useMe();
  const names = clusters.data?.items.map((c) => c.name) ?? [];
  const summaries = useQueries({
    queries: names.map((c) => ({
      queryKey: keys.summary(c),
      queryFn: () => call<ClusterSummary>(`clusters/${enc(c)}/summary`),
    })),
  });
  const findings = useQueries({
    queries: names.map((c) => ({
      queryKey: keys.findings(c),
      queryFn: () => call<Items<Finding>>(`clusters/${enc(c)}/findings`),
    })),
  });
  const byName = new Map<string, ClusterSummary>();
  summaries.forEach((s) => s.data && byName.set(s.data.name, s.data));
  const byCluster = new Map<string, Finding[]>();
  findings.forEach((f, i) => f.data && byCluster.set(names[i] ?? '', f.data.items));

  return (
    <div className="page">
      <h1>{t('fleet.title')}</h1>
      <QueryState query={clusters} rows={4}>
        {() => {
          const items = clusters.data?.items ?? [];
          if (items.length === 0)
            return (
              <EmptyState title={t('fleet.empty')}>
                <p>{t('fleet.emptyHint')}</p>
                <p>
                  {t('fleet.emptyCli')} <code>{CLI_ADD}</code>
                </p>
                {isAdmin(me.data) && (
                  <Link to="/admin/clusters">{t('admin.clusters.register')}</Link>
                )}
              </EmptyState>
            );
          return (
            <>
              <section aria-labelledby="criticals-title" className="section">
                <h2 id="criticals-title">{t('fleet.criticals')}</h2>
                <CriticalList
                  items={newestCriticals(byCluster)}
                  loading={findings.some((f) => f.isPending)}
                />
              </section>
              <SloCard />
              <section aria-label={t('fleet.clusters')} className="cards">
                {sortWorstFirst(items, byName).map((c) => (
                  <ClusterCard key={c.name} cluster={c} summary={byName.get(c.name)} />
                ))}
              </section>
            </>
          );
        }}
      </QueryState>
    </div>
  );
}
