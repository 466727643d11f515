/** Login: username + password, and the SSO button when the master has OIDC configured. */
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useSearchParams } from 'react-router-dom';
import { isApiError } from '../api/errors';
import type { OidcStatus } from '../api/types';
import { login } from './session';
import { useSession } from './useSession';

function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const session = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<{ message: string; trace: string | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const oidc = useQuery({
    queryKey: ['oidc'],
    queryFn: async () => {
      const res = await fetch('/api/v1/auth/oidc');
      return res.ok ? ((await res.json()) as OidcStatus) : { enabled: false, login_url: '' };
    },
    retry: false,
    refetchInterval: false,
  });
  const next = safeNext(params.get('next'));
  if (session.token) return <Navigate to={next} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
    } catch (err) {
      setError({
        message: err instanceof Error ? err.message : String(err),
        trace: isApiError(err) ? err.traceId : null,
      });
    } finally {
      setBusy(false);
    }
  }

  const ssoUrl = oidc.data?.enabled
    ? `${oidc.data.login_url}?next=${encodeURIComponent(next)}`
    : null;
  return (
    <main className="login">
      <form className="login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">{t('app.name')}</h1>
        <p className="muted">{t('login.subtitle')}</p>
        <label>
          {t('login.username')}
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label>
          {t('login.password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p role="alert" className="form-error">
            {error.message}
            {error.trace && (
              <span className="muted">
                {' '}
                ({t('error.trace')} {error.trace})
              </span>
            )}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('login.signingIn') : t('login.submit')}
        </button>
        {ssoUrl && (
          <a className="button" href={ssoUrl}>
            {t('login.sso')}
          </a>
        )}
      </form>
    </main>
  );
}
