/** Admin section: users, role bindings, clusters, SLO definitions, remediation policy (admins); audit (operators see their own); API tokens (everyone's own). */
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet } from 'react-router-dom';
import { useMe } from '../../api/queries';
import { canSeeAudit, isAdmin } from '../../auth/permissions';

export default function AdminLayout() {
  const { t } = useTranslation();
  const me = useMe();
  const admin = isAdmin(me.data);
  return (
    <div className="page">
      <h1>{t('admin.title')}</h1>
      <nav className="tabs" aria-label={t('admin.sections')}>
        {admin && <NavLink to="/admin/users">{t('admin.nav.users')}</NavLink>}
        {admin && <NavLink to="/admin/bindings">{t('admin.nav.bindings')}</NavLink>}
        <NavLink to="/admin/tokens">{t('admin.nav.tokens')}</NavLink>
        {admin && <NavLink to="/admin/clusters">{t('admin.nav.clusters')}</NavLink>}
        {admin && <NavLink to="/admin/slos">{t('slos.definitions.nav')}</NavLink>}
        {admin && <NavLink to="/admin/remediation">{t('remediation.policy.nav')}</NavLink>}
        {canSeeAudit(me.data) && <NavLink to="/admin/audit">{t('admin.nav.audit')}</NavLink>}
      </nav>
      <Outlet />
    </div>
  );
}
