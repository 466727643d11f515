/**
 * The login session: the access token lives in memory only (never localStorage, so a script
 * injected later cannot lift it from storage), the refresh token in an HttpOnly cookie the
 * page never sees. `refresh()` trades the cookie for a new access token, sending the readable
 * CSRF cookie back as X-CSRF-Token (double submit, master/gateway/sessions.py). One refresh
 * at a time: concurrent 401s share it. A timer refreshes a little before expiry.
 */
import { errorFrom } from '../api/errors';
import type { LoginAnswer } from '../api/types';

export const CSRF_COOKIE = 'lookout_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';
const EARLY_S = 30; // refresh this long before the access token expires

export interface SessionUser {
  username: string;
  role: string;
  mustChangePassword: boolean;
}

interface State {
  token: string | null;
  expiresAt: number;
  user: SessionUser | null;
}

let state: State = { token: null, expiresAt: 0, user: null };
let inflight: Promise<boolean> | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();

export function readCookie(cookies: string, name: string): string | null {
  for (const part of cookies.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

function emit(): void {
  for (const l of listeners) l();
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function snapshot(): State {
  return state;
}

export function accessToken(): string | null {
  return state.token;
}

export function adopt(answer: LoginAnswer, now = Date.now()): void {
  state = {
    token: answer.access_token,
    expiresAt: now + answer.expires_in * 1000,
    user: {
      username: answer.user.username,
      role: answer.user.role,
      mustChangePassword: answer.user.must_change_password,
    },
  };
  clearTimeout(timer);
  const inMs = Math.max(5_000, (answer.expires_in - EARLY_S) * 1000);
  timer = setTimeout(() => void refresh(), inMs);
  emit();
}

export function clear(): void {
  clearTimeout(timer);
  state = { token: null, expiresAt: 0, user: null };
  emit();
}

export function markPasswordChanged(): void {
  if (state.user) state = { ...state, user: { ...state.user, mustChangePassword: false } };
  emit();
}

/** A new access token from the refresh cookie; false (and logged out) when refused. */
export function refresh(): Promise<boolean> {
  if (inflight) return inflight;
  inflight = (async () => {
    const csrf = readCookie(document.cookie, CSRF_COOKIE);
    if (!csrf) {
      clear();
      return false;
    }
    try {
      const res = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { [CSRF_HEADER]: csrf },
      });
      if (!res.ok) {
        clear();
        return false;
      }
      adopt((await res.json()) as LoginAnswer);
      return true;
    } catch {
      return false; // network: keep the state, the next call retries
    }
  })().finally(() => {
    inflight = null;
  });
  return inflight;
}

export async function login(username: string, password: string): Promise<void> {
  const res = await fetch('/api/v1/auth/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw await errorFrom(res);
  adopt((await res.json()) as LoginAnswer);
}

export async function logout(): Promise<void> {
  const token = state.token;
  clear();
  if (token) {
    await fetch('/api/v1/auth/logout', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Authorization: `Bearer ${token}` },
    }).catch(() => undefined);
  }
}
