/**
 * The alerting routes as TanStack Query hooks. Alerts are not on the live stream
 * (/api/v1/stream carries clusters, resources, findings and commands), so alert reads poll
 * every 10 s; every change invalidates the alert caches so the answer shows at once.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { call, enc, qs } from '../../api/client';
import type { Items } from '../../api/types';
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

export const ALERTS_POLL_MS = 10_000;

export const alertKeys = {
  all: ['alerts'] as const,
  grouped: ['alerts', 'grouped'] as const,
  list: ['alerts', 'list'] as const,
  criticals: ['alerts', 'criticals'] as const,
  noise: ['alerts', 'noise'] as const,
  silences: ['silences'] as const,
  preview: (matchers: string[]) => ['silences', 'preview', matchers] as const,
  receivers: ['receivers'] as const,
  notifications: (filters: Record<string, string>) => ['notifications', filters] as const,
  log: (receiver: string) => ['notifications', 'log', receiver] as const,
};

export function useGroupedAlerts() {
  return useQuery({
    queryKey: alertKeys.grouped,
    queryFn: () => call<{ groups: AlertGroup[] }>('alerts?view=grouped'),
    refetchInterval: ALERTS_POLL_MS,
  });
}

export function useAlertList() {
  return useQuery({
    queryKey: alertKeys.list,
    queryFn: () => call<Items<Alert>>('alerts'),
    refetchInterval: ALERTS_POLL_MS,
  });
}

/** Critical alerts not held back (the server's `active`: firing or flapping, not suppressed). */
export function useActiveCriticals() {
  return useQuery({
    queryKey: alertKeys.criticals,
    queryFn: () => call<Items<Alert>>(`alerts${qs({ severity: 'critical', state: 'active' })}`),
    refetchInterval: ALERTS_POLL_MS,
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
