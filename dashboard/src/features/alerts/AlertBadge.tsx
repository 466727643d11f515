/**
 * The header's count of critical alerts firing with nobody on them (not acknowledged, not
 * silenced or inhibited), linking to the alerts page filtered to exactly those. Kept current
 * by the live stream's alert events (features/alerts/merge.ts): refetched every 60 s while the
 * stream is live, every 10 s while it is down.
 */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { CriticalIcon } from '../../ui/icons';
import { useActiveCriticals } from './api';
import { BADGE_LINK, firingCriticals } from './model';

export function AlertBadge() {
  const { t } = useTranslation();
  const criticals = useActiveCriticals();
  const n = firingCriticals(criticals.data?.items ?? []);
  if (n === 0) return null;
  return (
    <Link to={BADGE_LINK} className="chip chip-critical" data-testid="critical-alerts">
      <CriticalIcon />
      <span>{t('alerts.badge', { count: n })}</span>
    </Link>
  );
}
