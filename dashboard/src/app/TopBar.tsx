/** Product name, cluster switcher, search (`/`), firing critical alerts, alerts, SLOs, remediation, commands, admin, language, theme, user. */
import { useCallback, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, useMatch, useNavigate } from 'react-router-dom';
import { useClusters, useMe } from '../api/queries';
import { isAdmin } from '../auth/permissions';
import { logout } from '../auth/session';
import { LANGUAGES, setLanguage } from '../i18n';
import { AlertBadge } from '../features/alerts/AlertBadge';
import { LiveIndicator } from '../live/LiveIndicator';
import { MoonIcon, SearchIcon, SunIcon } from '../ui/icons';
import { saveTheme, storedTheme, type Theme } from './theme';
import { useShortcuts } from './useShortcuts';

export function TopBar() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const match = useMatch('/clusters/:cluster/*');
  const current = match?.params.cluster ?? '';
  const clusters = useClusters();
  const me = useMe();
  const search = useRef<HTMLInputElement>(null);
  const [q, setQ] = useState('');
  const [theme, setTheme] = useState<Theme>(storedTheme);
  const goClusters = useCallback(() => navigate('/'), [navigate]);
  useShortcuts(search, goClusters);

  const target = current || clusters.data?.items[0]?.name || '';
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!target) return;
    navigate(`/clusters/${encodeURIComponent(target)}/pods?q=${encodeURIComponent(q)}`);
  }
  function toggleTheme() {
    const next = theme === 'dark' ? 'light' : 'dark';
    setTheme(next);
    saveTheme(next);
  }
  return (
    <header className="topbar">
      <Link to="/" className="brand">
        {t('app.name')}
      </Link>
      <label className="visually-hidden" htmlFor="cluster-switch">
        {t('topbar.cluster')}
      </label>
      <select
        id="cluster-switch"
        value={current}
        onChange={(e) =>
          navigate(e.target.value ? `/clusters/${encodeURIComponent(e.target.value)}` : '/')
        }
      >
        <option value="">{t('topbar.fleet')}</option>
        {clusters.data?.items.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name}
          </option>
        ))}
      </select>
      <form role="search" className="search" onSubmit={submit}>
        <SearchIcon />
        <label className="visually-hidden" htmlFor="global-search">
          {t('topbar.search')}
        </label>
        <input
          id="global-search"
          ref={search}
          type="search"
          placeholder={t('topbar.searchPlaceholder')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
      </form>
      <nav aria-label={t('topbar.nav')} className="topnav">
        <NavLink to="/" end>
          {t('nav.fleet')}
        </NavLink>
        <NavLink to="/alerts">{t('alerts.nav.top')}</NavLink>
        <NavLink to="/slos">{t('slos.nav')}</NavLink>
        <NavLink to="/remediations">{t('remediation.nav')}</NavLink>
        <NavLink to="/commands">{t('nav.commands')}</NavLink>
        {isAdmin(me.data) ? (
          <NavLink to="/admin">{t('nav.admin')}</NavLink>
        ) : (
          <NavLink to="/admin/tokens">{t('admin.nav.tokens')}</NavLink>
        )}
      </nav>
      <AlertBadge />
      <LiveIndicator />
      <label className="visually-hidden" htmlFor="lang-switch">
        {t('topbar.language')}
      </label>
      <select id="lang-switch" value={i18n.language} onChange={(e) => setLanguage(e.target.value)}>
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.label}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="icon-button"
        onClick={toggleTheme}
        aria-label={theme === 'dark' ? t('topbar.themeLight') : t('topbar.themeDark')}
        title={theme === 'dark' ? t('topbar.themeLight') : t('topbar.themeDark')}
      >
        {theme === 'dark' ? <SunIcon /> : <MoonIcon />}
      </button>
      {me.data?.kind === 'user' ? (
        <Link className="user" to="/password" title={t('topbar.changePassword')}>
          {me.data.name}
        </Link>
      ) : (
        <span className="user">{me.data?.name}</span>
      )}
      <button type="button" onClick={() => void logout().then(() => navigate('/login'))}>
        {t('topbar.logout')}
      </button>
    </header>
  );
}
