/**
 * The mark of a statistical finding or alert (the master's anomaly baselines, `statistical:
 * "true"` in a finding's attrs or an alert's labels), so it is never mistaken for a condition
 * the agent observed: an icon and a word, a hint saying what it means.
 */
import { useTranslation } from 'react-i18next';
import { TrendIcon } from './icons';

export function isStatistical(tags: Record<string, string> | null | undefined): boolean {
  return tags?.statistical === 'true';
}

export function StatisticalBadge() {
  const { t } = useTranslation();
  return (
    <span className="badge-statistical" title={t('findings.statisticalHint')}>
      <TrendIcon />
      <span>{t('findings.statistical')}</span>
    </span>
  );
}
