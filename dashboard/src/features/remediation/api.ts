/**
 * The remediation routes as TanStack Query hooks. The stream refetches a remediation when one
 * of its commands or its finding moves (merge.ts); between those, verification ends by time
 * (the policy's watch), so a moving remediation polls every 3 s and the rest every 15 s.
 * Mutations answer with the remediation as it now is: it replaces the cached one; their
 * errors (the policy's 403, a 409) are the caller's to show.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { call, enc, qs } from '../../api/client';
import { isApiError } from '../../api/errors';
import { remediationKeys } from './keys';
import { isMoving } from './model';
import type { PolicyConfig, Remediation, RemediationPage } from './types';

export const MOVING_POLL_MS = 3_000;
export const POLL_MS = 15_000;
// A preview waits for the dry run through the agent (the master's preview_timeout_s: 30 s).
const PREVIEW_TIMEOUT_MS = 45_000;

/** `fast`: poll as if something moved (a page waiting for a remediation the server is about
 *  to add, e.g. the undo after a `worse` verdict). */
export function useRemediations(filters: { cluster?: string; state?: string }, fast = false) {
  const f = Object.fromEntries(Object.entries(filters).filter(([, v]) => v)) as Record<
    string,
    string
  >;
  return useQuery({
    queryKey: remediationKeys.list(f),
    queryFn: () => call<RemediationPage>(`remediations${qs({ ...f, limit: 500 })}`),
    refetchInterval: (q) =>
      fast || q.state.data?.items.some((r) => isMoving(r.state)) ? MOVING_POLL_MS : POLL_MS,
  });
}

export function useRemediation(id: string) {
  return useQuery({
    queryKey: remediationKeys.detail(id),
    queryFn: () => call<Remediation>(`remediations/${enc(id)}`),
    refetchInterval: (q) => (isMoving(q.state.data?.state) ? MOVING_POLL_MS : POLL_MS),
    retry: (n, e) => !(isApiError(e) && e.status === 404) && n < 2,
  });
}

export type Move = 'preview' | 'approve' | 'reject';

export function useMove(id: string, move: Move) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (reason?: string) =>
      call<Remediation>(`remediations/${enc(id)}/${move}`, {
        method: 'POST',
        body: move === 'reject' ? { reason: reason ?? '' } : undefined,
        timeoutMs: move === 'preview' ? PREVIEW_TIMEOUT_MS : undefined,
      }),
    onSuccess: (r) => {
      client.setQueryData(remediationKeys.detail(id), r);
      void client.invalidateQueries({ queryKey: [...remediationKeys.all, 'list'] });
    },
    // A refusal may still have changed it (an expired approval is moved to expired).
    onError: () => void client.invalidateQueries({ queryKey: remediationKeys.detail(id) }),
  });
}

export function usePolicy() {
  return useQuery({
    queryKey: remediationKeys.policy,
    queryFn: () => call<PolicyConfig>('remediation-policy'),
  });
}

export function useSavePolicy() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (config: unknown) =>
      call<PolicyConfig>('remediation-policy', { method: 'PUT', body: config }),
    onSuccess: (p) => client.setQueryData(remediationKeys.policy, p),
  });
}
