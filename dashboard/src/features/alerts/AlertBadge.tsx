/**
 * The header's count of critical alerts firing with nobody on them (not acknowledged, not
 * silenced or inhibited), linking to the alerts page filtered to exactly those. Alerts are
 * not on the live stream: the query polls every 10 s.
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
