/**
 * Gate for every page but Login: on a reload the access token is gone (memory only), so one
 * refresh from the cookie is tried first; no session → /login?next=…; a first login with
 * must_change_password gets the change form before anything else.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { Skeleton } from '../ui/States';
import { PasswordChange } from './PasswordChange';
import { refresh } from './session';
import { useSession } from './useSession';

export function RequireAuth({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  const [checked, setChecked] = useState(session.token !== null);
  useEffect(() => {
    if (checked) return;
    void refresh().finally(() => setChecked(true));
  }, [checked]);
  if (!session.token && !checked) return <Skeleton rows={3} />;
  if (!session.token) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (session.user?.mustChangePassword) return <PasswordChange forced />;
  return <>{children}</>;
}
