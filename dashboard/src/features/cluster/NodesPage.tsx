/** Nodes: readiness, roles, cordoned flag, pods, CPU/memory; worst first. */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useMetricsSummary, useResources } from '../../api/queries';
import { percent } from '../../ui/format';
import { SeverityChip } from '../../ui/SeverityChip';
import { healthRank } from '../../ui/severity';
import { EmptyState, QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { VirtualTable, type Column } from '../../ui/VirtualTable';
import { podsPerNode, toNodeRow, type NodeRow } from './nodeRows';

export default function NodesPage() {
  const { t, i18n } = useTranslation();
  const cluster = useParams().cluster ?? '';
  const nodes = useResources(cluster, 'Node');
  const pods = useResources(cluster, 'Pod');
  const metrics = useMetricsSummary(cluster);
  const rows = useMemo(() => {
    const per = podsPerNode(pods.data?.items ?? []);
    return (nodes.data?.items ?? [])
      .map((n) => toNodeRow(n, per, metrics.data))
      .sort((a, b) => healthRank(b.health) - healthRank(a.health) || a.name.localeCompare(b.name));
  }, [nodes.data, pods.data, metrics.data]);
  const base = `/clusters/${encodeURIComponent(cluster)}`;
  const pct = (v: number | null) => (v === null ? '' : percent(v, i18n.language));
  const columns: Column<NodeRow>[] = [
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
      cell: (r) => <Link to={`${base}/nodes/${encodeURIComponent(r.name)}`}>{r.name}</Link>,
    },
    { id: 'ready', header: t('nodes.ready'), width: '6rem', cell: (r) => r.ready },
    {
      id: 'cordoned',
      header: t('nodes.schedulable'),
      width: '8rem',
      cell: (r) => (r.cordoned ? t('nodes.cordoned') : t('common.yes')),
    },
    { id: 'roles', header: t('nodes.roles'), width: '8rem', cell: (r) => r.roles },
    { id: 'pods', header: t('fleet.pods'), width: '5rem', cell: (r) => r.pods },
    { id: 'cpu', header: t('nodes.cpu'), width: '5rem', cell: (r) => pct(r.cpuPercent) },
    { id: 'mem', header: t('cluster.memory'), width: '6rem', cell: (r) => pct(r.memPercent) },
    {
      id: 'age',
      header: t('pods.table.age'),
      width: '6rem',
      cell: (r) => <RelTime ms={r.createdMs} />,
    },
  ];
  return (
    <section className="page" aria-labelledby="nodes-title">
      <h2 id="nodes-title">{t('cluster.nav.nodes')}</h2>
      <QueryState query={nodes}>
        {() =>
          rows.length === 0 ? (
            <EmptyState title={t('nodes.empty')} />
          ) : (
            <VirtualTable
              label={t('cluster.nav.nodes')}
              columns={columns}
              rows={rows}
              rowKey={(r) => r.name}
            />
          )
        }
      </QueryState>
    </section>
  );
}
