/** The alerting area's sections; receivers only for admins (the server refuses others anyway). */
import { useTranslation } from 'react-i18next';
import { NavLink } from 'react-router-dom';
import { useMe } from '../../api/queries';
import { isAdmin } from '../../auth/permissions';

export function AlertsNav() {
  const { t } = useTranslation();
  const me = useMe();
  return (
    <nav className="tabs" aria-label={t('alerts.nav.sections')}>
      <NavLink to="/alerts" end>
        {t('alerts.nav.alerts')}
      </NavLink>
      <NavLink to="/alerts/silences">{t('alerts.nav.silences')}</NavLink>
      <NavLink to="/alerts/noise">{t('alerts.nav.noise')}</NavLink>
      {isAdmin(me.data) && <NavLink to="/alerts/receivers">{t('alerts.nav.receivers')}</NavLink>}
    </nav>
  );
}
