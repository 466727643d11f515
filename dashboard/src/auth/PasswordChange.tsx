/**
 * Change one's own password (POST /auth/password). Forced on a first login: the server ends
 * the sessions on change, so afterwards the user logs in again with the new password.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api/client';
import { isApiError } from '../api/errors';
import { clear, markPasswordChanged } from './session';

export function PasswordChange({ forced = false }: { forced?: boolean }) {
  const { t } = useTranslation();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (next !== again) {
      setError(t('password.mismatch'));
      return;
    }
    try {
      await call('auth/password', { method: 'POST', body: { current, new: next } });
      setDone(true);
      markPasswordChanged();
      clear(); // the master ended every session of this user: log in again
    } catch (err) {
      const trace = isApiError(err) && err.traceId ? ` (${err.traceId})` : '';
      setError((err instanceof Error ? err.message : String(err)) + trace);
    }
  }

  // Forced, it is the whole page; otherwise it sits inside the shell's <main>.
  const Wrapper = forced ? 'main' : 'div';
  return (
    <Wrapper className="login">
      <form className="login-card" onSubmit={(e) => void submit(e)} aria-labelledby="pw-title">
        <h1 id="pw-title">{t('password.title')}</h1>
        {forced && <p>{t('password.forced')}</p>}
        <label>
          {t('password.current')}
          <input
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </label>
        <label>
          {t('password.new')}
          <input
            type="password"
            autoComplete="new-password"
            required
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </label>
        <label>
          {t('password.again')}
          <input
            type="password"
            autoComplete="new-password"
            required
            value={again}
            onChange={(e) => setAgain(e.target.value)}
          />
        </label>
        {error && (
          <p role="alert" className="form-error">
            {error}
          </p>
        )}
        {done && <p role="status">{t('password.done')}</p>}
        <button type="submit" className="primary">
          {t('password.submit')}
        </button>
      </form>
    </Wrapper>
  );
}
