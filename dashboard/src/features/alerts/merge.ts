/**
 * Merging one `alert` stream event (`{op, alert}`, `alert` an item of GET /alerts) into the
 * alert caches the pages and the header badge read. Pure over a small cache interface, like
 * live/merge.ts, and only where a page loaded the data:
 *
 * - the list (`alerts`): replaced or added; `removed` (the alert left the master's table: a
 *   pending one that cleared, a resolved one past retention) drops it;
 * - the badge's criticals (`alerts?severity=critical&state=active`): in when it matches that
 *   query now, out otherwise;
 * - the grouped view: replaced in the groups that hold it (the master decides placement); an
 *   alert in no loaded group yet is refetched, as only the master knows its group.
 */
import type { QueryClient } from '@tanstack/react-query';
import type { Items } from '../../api/types';
import { alertKeys } from './keys';
import type { Alert, AlertGroup } from './types';

export type AlertOp = 'changed' | 'resolved' | 'removed';

export interface AlertEventData {
  op: AlertOp;
  alert: Alert;
}

type Cache = Pick<QueryClient, 'getQueryData' | 'setQueryData' | 'invalidateQueries'>;

function update<T>(cache: Cache, key: readonly unknown[], fn: (old: T) => T): void {
  const old = cache.getQueryData<T>(key);
  if (old !== undefined) cache.setQueryData<T>(key, fn(old));
}

/** `items` with `alert` in place of its fingerprint's entry (added at the end), or without it. */
function put(items: Alert[], alert: Alert | null, fp: string): Alert[] {
  const i = items.findIndex((a) => a.fingerprint === fp);
  if (alert === null) return i < 0 ? items : items.filter((a) => a.fingerprint !== fp);
  if (i < 0) return [...items, alert];
  const next = items.slice();
  next[i] = alert;
  return next;
}

/** What the badge's query asks the master for (routes/alerts.py: severity, state). */
export function isActiveCritical(a: Alert): boolean {
  return a.labels.severity === 'critical' && a.state === 'active';
}

export function mergeAlert(cache: Cache, { op, alert }: AlertEventData): void {
  const fp = alert.fingerprint;
  const now = op === 'removed' ? null : alert;
  update<Items<Alert>>(cache, alertKeys.list, (old) => ({ items: put(old.items, now, fp) }));
  update<Items<Alert>>(cache, alertKeys.criticals, (old) => ({
    items: put(old.items, now && isActiveCritical(now) ? now : null, fp),
  }));
  const grouped = cache.getQueryData<{ groups: AlertGroup[] }>(alertKeys.grouped);
  if (grouped === undefined) return;
  let placed = false;
  const groups: AlertGroup[] = [];
  for (const g of grouped.groups) {
    if (!g.alerts.some((a) => a.fingerprint === fp)) {
      groups.push(g);
      continue;
    }
    placed = true;
    const alerts = put(g.alerts, now, fp);
    if (alerts.length > 0) groups.push({ ...g, alerts, count: alerts.length });
  }
  if (placed) cache.setQueryData(alertKeys.grouped, { groups });
  else if (now !== null) void cache.invalidateQueries({ queryKey: alertKeys.grouped });
}
