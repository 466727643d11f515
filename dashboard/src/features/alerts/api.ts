/**
 * The alerting routes as TanStack Query hooks. Alerts come on the live stream (topic
 * `alerts`, merged by merge.ts), so while the stream is live the alert reads only refetch
 * every 60 s (what events do not carry: annotations' live counts, a new alert's group); while
 * it is down they poll every 10 s. Silences, receivers and notifications are not on the
 * stream and poll as before. Every change invalidates the alert caches so the answer shows at
 * once.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { call, enc, qs } from '../../api/client';
import type { Items } from '../../api/types';
import { getLiveStatus, subscribeLive } from '../../live/status';
import { alertKeys } from './keys';
import type {
  Alert,
  AlertGroup,
  DeliveryAttempt,
  NewSilence,
  NoiseRow,
  Notification,
  Receiver,
  Silence,
  TestSendResult,
} from './types';

export { alertKeys };

export const ALERTS_POLL_MS = 10_000;
/** While the stream is live: a slow fallback only. */
export const ALERTS_LIVE_POLL_MS = 60_000;

export function alertsPollMs(live: boolean): number {
  return live ? ALERTS_LIVE_POLL_MS : ALERTS_POLL_MS;
}

const isLive = () => getLiveStatus().mode === 'live';

/** The alert reads' refetch interval; re-rendering when the stream goes up or down, so the
 *  interval follows at once (a query's interval is read from its options). */
export function useAlertsPoll(): number {
  return alertsPollMs(useSyncExternalStore(subscribeLive, isLive));
}

export function useGroupedAlerts() {
  const poll = useAlertsPoll();
  return useQuery({
    queryKey: alertKeys.grouped,
    queryFn: () => call<{ groups: AlertGroup[] }>('alerts?view=grouped'),
    refetchInterval: poll,
  });
}

export function useAlertList() {
  const poll = useAlertsPoll();
  return useQuery({
    queryKey: alertKeys.list,
    queryFn: () => call<Items<Alert>>('alerts'),
    refetchInterval: poll,
  });
}

/** Critical alerts not held back (the server's `active`: firing or flapping, not suppressed). */
export function useActiveCriticals() {
  const poll = useAlertsPoll();
  return useQuery({
    queryKey: alertKeys.criticals,
    queryFn: () => call<Items<Alert>>(`alerts${qs({ severity: 'critical', state: 'active' })}`),
    refetchInterval: poll,
  });
}

export function useNoise() {
  return useQuery({
    queryKey: alertKeys.noise,
    queryFn: () => call<Items<NoiseRow>>('alerts/noise'),
    refetchInterval: 60_000,
  });
}

function useInvalidating<A, R>(fn: (arg: A) => Promise<R>, ...roots: string[]) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () =>
      Promise.all(roots.map((r) => client.invalidateQueries({ queryKey: [r] }))).then(() => {}),
  });
}

export function useAcknowledge() {
  return useInvalidating(
    ({ fingerprint, ack }: { fingerprint: string; ack: boolean }) =>
      call<unknown>(`alerts/${enc(fingerprint)}/ack`, { method: ack ? 'POST' : 'DELETE' }),
    'alerts',
  );
}

export function useSilences() {
  return useQuery({
    queryKey: alertKeys.silences,
    queryFn: () => call<Items<Silence>>('silences'),
    refetchInterval: ALERTS_POLL_MS,
  });
}

export function useSilencePreview(matchers: string[]) {
  const q = new URLSearchParams(matchers.map((m) => ['matcher', m])).toString();
  return useQuery({
    queryKey: alertKeys.preview(matchers),
    queryFn: () => call<Items<Alert>>(`silences/preview?${q}`),
    enabled: matchers.length > 0,
    retry: false, // a bad matcher answers 422: show it, do not retry it
  });
}

export function useCreateSilence() {
  return useInvalidating(
    (body: NewSilence) => call<Silence>('silences', { method: 'POST', body }),
    'silences',
    'alerts',
  );
}

export function useExpireSilence() {
  return useInvalidating(
    (id: string) => call<Silence>(`silences/${enc(id)}/expire`, { method: 'POST' }),
    'silences',
    'alerts',
  );
}

export function useReceivers(enabled: boolean) {
  return useQuery({
    queryKey: alertKeys.receivers,
    queryFn: () => call<Items<Receiver>>('receivers'),
    enabled,
  });
}

export function useTestSend() {
  return useMutation({
    mutationFn: (receiver: string) =>
      call<TestSendResult>(`receivers/${enc(receiver)}/test`, { method: 'POST' }),
  });
}

export function useNotifications(filters: Record<string, string>, enabled: boolean) {
  return useQuery({
    queryKey: alertKeys.notifications(filters),
    queryFn: () => call<Items<Notification>>(`notifications${qs({ ...filters, limit: 500 })}`),
    enabled,
    refetchInterval: ALERTS_POLL_MS,
  });
}

/** One receiver's delivery attempts, as options for useQueries (one query per receiver). */
export function deliveryLogQuery(receiver: string, enabled: boolean) {
  return {
    queryKey: alertKeys.log(receiver),
    queryFn: () => call<Items<DeliveryAttempt>>(`notifications/log${qs({ receiver, limit: 500 })}`),
    enabled,
    refetchInterval: ALERTS_POLL_MS,
  };
}

export function useRetry() {
  return useInvalidating(
    (id: number) => call<Notification>(`notifications/${id}/retry`, { method: 'POST' }),
    'notifications',
  );
}
