/** A node's metric history (1 h / 6 h / 24 h / 7 d) as charts: CPU, memory, disk, network, temperature. */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, enc, qs } from '../../api/client';
import { keys } from '../../api/keys';
import type { NodeSeries } from '../../api/types';
import { QueryState } from '../../ui/States';
import { MetricChart, type ChartSeries } from '../../ui/MetricChart';
import { field, hasData, ratioPercent } from './series';
import { RANGES, RangePicker, type Range } from '../../ui/RangePicker';

export function NodeMetrics({ cluster, node }: { cluster: string; node: string }) {
  const { t } = useTranslation();
  const [range, setRange] = useState<Range>('1h');
  const q = useQuery({
    queryKey: keys.nodeMetrics(cluster, node, range),
    queryFn: () =>
      call<NodeSeries>(
        `clusters/${enc(cluster)}/nodes/${enc(node)}/metrics${qs({ from: Date.now() - RANGES[range] })}`,
      ),
    refetchInterval: 30_000,
  });
  const charts = useMemo(() => {
    const s = q.data;
    if (!s) return [];
    const out: { title: string; unit: string; series: ChartSeries[] }[] = [];
    const cpu = field(s, 'cpu_pct');
    if (hasData(cpu))
      out.push({
        title: t('nodes.cpu'),
        unit: '%',
        series: [{ label: t('nodes.cpu'), values: cpu }],
      });
    const mem = ratioPercent(field(s, 'mem_used'), field(s, 'mem_total'));
    if (hasData(mem))
      out.push({
        title: t('cluster.memory'),
        unit: '%',
        series: [{ label: t('cluster.memory'), values: mem }],
      });
    const disk = ratioPercent(field(s, 'fs_used'), field(s, 'fs_total'));
    if (hasData(disk))
      out.push({
        title: t('cluster.disk'),
        unit: '%',
        series: [{ label: t('cluster.disk'), values: disk }],
      });
    const rx = field(s, 'net_rx_bps');
    const tx = field(s, 'net_tx_bps');
    if (hasData(rx) || hasData(tx))
      out.push({
        title: t('nodes.network'),
        unit: 'B/s',
        series: [
          { label: t('nodes.rx'), values: rx ?? [] },
          { label: t('nodes.tx'), values: tx ?? [] },
        ],
      });
    const temp = field(s, 'temp_c');
    if (hasData(temp))
      out.push({
        title: t('nodes.temperature'),
        unit: '°C',
        series: [{ label: t('nodes.temperature'), values: temp }],
      });
    return out;
  }, [q.data, t]);
  return (
    <div>
      <RangePicker label={t('nodes.range')} value={range} onChange={setRange} />
      <QueryState query={q} rows={3}>
        {() =>
          charts.length === 0 ? (
            <p className="muted">{t('nodes.noHistory')}</p>
          ) : (
            <div className="charts">
              {charts.map((c) => (
                <MetricChart
                  key={c.title}
                  title={c.title}
                  unit={c.unit}
                  times={q.data?.times_ms ?? []}
                  series={c.series}
                />
              ))}
            </div>
          )
        }
      </QueryState>
    </div>
  );
}
