/**
 * CPU and memory charts per container of a pod or a workload (summed over its pods), with the
 * request and limit lines, for 1 h / 6 h / 24 h / 7 d. The public piece of this feature: the
 * pod and workload pages place it.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { MetricChart, type ChartSeries } from '../../ui/MetricChart';
import { RangePicker, type Range } from '../../ui/RangePicker';
import { QueryState } from '../../ui/States';
import { useContainerMetrics, type MetricsSubject } from './api';
import { containerCharts } from './model';

export function ContainerMetricCharts({ subject }: { subject: MetricsSubject }) {
  const { t } = useTranslation();
  const [range, setRange] = useState<Range>('1h');
  const q = useContainerMetrics(subject, range);
  return (
    <div>
      <RangePicker label={t('nodes.range')} value={range} onChange={setRange} />
      <QueryState query={q} rows={3}>
        {() => {
          const containers = (q.data?.containers ?? [])
            .map((c) => ({ c, charts: containerCharts(c) }))
            .filter((x) => x.charts.length > 0);
          const window: [number, number] = [q.data!.from_ms, q.data!.to_ms];
          if (containers.length === 0) return <p className="muted">{t('podMetrics.noSamples')}</p>;
          return containers.map(({ c, charts }) => (
            <div key={c.container} className="charts">
              {charts.map((chart) => {
                const title = t(`podMetrics.${chart.resource}`, { container: c.container });
                const series: ChartSeries[] = chart.lines.map((l) => ({
                  label: t(`podMetrics.line.${l.line}`),
                  values: l.values,
                  line: l.line === 'usage' ? undefined : l.line,
                }));
                return (
                  <MetricChart
                    key={chart.resource}
                    title={title}
                    unit={chart.unit}
                    times={c.times_ms}
                    series={series}
                    window={window}
                  />
                );
              })}
            </div>
          ));
        }}
      </QueryState>
    </div>
  );
}
