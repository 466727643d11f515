/**
 * The live stream and the remediation caches: a remediation moves when its commands do (the
 * dry run, the run) and when its finding changes (verification), and both travel on the
 * stream. A command or finding event refetches exactly the remediation caches that name it;
 * nothing is rebuilt here, the server's view is the truth.
 */
import type { QueryClient } from '@tanstack/react-query';
import { remediationKeys } from './keys';
import type { Remediation, RemediationPage } from './types';

type Cache = Pick<QueryClient, 'invalidateQueries'>;

export type RemediationTouch = { commandId: string } | { fingerprint: string; opened: boolean };

function names(r: Remediation, touch: RemediationTouch): boolean {
  if ('commandId' in touch)
    return r.run_command_id === touch.commandId || r.preview_command_id === touch.commandId;
  return r.fingerprint === touch.fingerprint;
}

export function relevant(data: unknown, touch: RemediationTouch): boolean {
  if (!data || typeof data !== 'object') return false;
  if ('items' in data) {
    // A new finding may bring a new suggestion: lists refetch on every opened finding.
    if ('fingerprint' in touch && touch.opened) return true;
    return (data as RemediationPage).items.some((r) => names(r, touch));
  }
  return names(data as Remediation, touch);
}

export function mergeRemediation(cache: Cache, touch: RemediationTouch): void {
  void cache.invalidateQueries({
    queryKey: remediationKeys.all,
    predicate: (q) => relevant(q.state.data, touch),
  });
}
