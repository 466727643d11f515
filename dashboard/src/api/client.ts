/**
 * The one way the dashboard calls the master: JSON in and out, `Authorization: Bearer` from
 * the in-memory session, one refresh-and-retry on 401, errors as ApiError (with trace id).
 */
import { accessToken, refresh } from '../auth/session';
import { errorFrom } from './errors';

export const API = '/api/v1';
// A read that has not answered in 20 s becomes an error state with a retry (never spin
// forever); calls that wait on the server (Prefer: wait, long-polls) pass their own.
const TIMEOUT_MS = 20_000;

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export async function authFetch(path: string, opts: CallOptions = {}): Promise<Response> {
  const send = (): Promise<Response> => {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    const token = accessToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(path.startsWith('/') ? path : `${API}/${path}`, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
      // Never wait forever: a hung request becomes an error state with a retry.
      signal: opts.signal ?? AbortSignal.timeout(opts.timeoutMs ?? TIMEOUT_MS),
    });
  };
  let res = await send();
  if (res.status === 401 && (await refresh())) res = await send();
  return res;
}

export async function call<T>(path: string, opts: CallOptions = {}): Promise<T> {
  const res = await authFetch(path, opts);
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;
