/**
 * The live connection's state, readable from React (useSyncExternalStore) and from the query
 * client's refetchInterval (polling is the fallback whenever the stream is not live).
 */
export type LiveMode = 'connecting' | 'live' | 'paused' | 'polling' | 'off';

export interface LiveStatus {
  mode: LiveMode;
  lastEventAt: number | null;
  retryAt: number | null;
}

let status: LiveStatus = { mode: 'off', lastEventAt: null, retryAt: null };
const listeners = new Set<() => void>();

export const POLL_MS = 10_000;

export function getLiveStatus(): LiveStatus {
  return status;
}

export function setLiveStatus(patch: Partial<LiveStatus>): void {
  status = { ...status, ...patch };
  for (const l of listeners) l();
}

export function subscribeLive(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The queries' refetchInterval: none while the stream keeps the caches fresh. */
export function pollInterval(): number | false {
  return status.mode === 'live' ? false : POLL_MS;
}
