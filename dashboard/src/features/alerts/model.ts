/**
 * Pure alert logic for the pages: the one state a person reads (firing, silenced, …), the
 * filters in the URL, groups sorted worst first, silence matchers prefilled from an alert's
 * labels, the header badge's count and an alert's timeline. No React, no fetching.
 */
import { rank } from '../../ui/severity';
import type { Alert, AlertGroup, DeliveryAttempt, NoiseRow } from './types';

export const DISPLAY_STATES = [
  'firing',
  'flapping',
  'pending',
  'acknowledged',
  'silenced',
  'inhibited',
  'resolved',
] as const;
export type DisplayState = (typeof DISPLAY_STATES)[number];

/** What holds an alert matters more than its record status: a silenced firing alert reads "silenced". */
export function displayState(a: Alert): DisplayState {
  if (a.status === 'pending') return 'pending';
  if (a.status === 'resolved') return 'resolved';
  if (a.silenced_by.length > 0) return 'silenced';
  if (a.inhibited_by !== null) return 'inhibited';
  if (a.acked_by) return 'acknowledged';
  if (a.status === 'flapping' || a.flapping) return 'flapping';
  return 'firing';
}

/** Trouble needing a person first; what is already held back or handled last. */
const STATE_RANK: Record<DisplayState, number> = {
  firing: 6,
  flapping: 5,
  pending: 4,
  acknowledged: 3,
  inhibited: 2,
  silenced: 1,
  resolved: 0,
};

export const FILTER_NAMES = ['cluster', 'namespace', 'severity', 'state'] as const;
export type AlertFilters = Record<(typeof FILTER_NAMES)[number], string>;

export function matchesFilters(a: Alert, f: AlertFilters): boolean {
  return (
    (!f.cluster || a.labels.cluster === f.cluster) &&
    (!f.namespace || a.labels.namespace === f.namespace) &&
    (!f.severity || a.labels.severity === f.severity) &&
    (!f.state || displayState(a) === f.state)
  );
}

/** Worst severity, then the state needing a person most, then newest trouble on top. */
export function compareAlerts(a: Alert, b: Alert): number {
  return (
    rank(b.labels.severity ?? '') - rank(a.labels.severity ?? '') ||
    STATE_RANK[displayState(b)] - STATE_RANK[displayState(a)] ||
    b.starts_at_ms - a.starts_at_ms ||
    a.fingerprint.localeCompare(b.fingerprint)
  );
}

export interface GroupRow {
  id: string;
  receiver: string;
  labels: Record<string, string>;
  lastNotifiedMs: number | null;
  alerts: Alert[];
}

/** The grouped view filtered (empty groups dropped), each group and the groups worst first. */
export function groupRows(groups: AlertGroup[], f: AlertFilters): GroupRow[] {
  const rows: GroupRow[] = [];
  for (const g of groups) {
    const alerts = g.alerts.filter((a) => matchesFilters(a, f)).sort(compareAlerts);
    if (alerts.length === 0) continue;
    rows.push({
      id: `${g.receiver}\u0000${g.group_key}`,
      receiver: g.receiver,
      labels: g.labels,
      lastNotifiedMs: g.last_notified_ms,
      alerts,
    });
  }
  // Each group's first alert is its worst: groups compare by it.
  return rows.sort(
    (x, y) => compareAlerts(x.alerts[0] as Alert, y.alerts[0] as Alert) || x.id.localeCompare(y.id),
  );
}

/** The values a filter can take, from what is there (sorted, distinct). */
export function labelValues(groups: AlertGroup[], name: string): string[] {
  const out = new Set<string>();
  for (const g of groups) for (const a of g.alerts) if (a.labels[name]) out.add(a.labels[name]);
  return [...out].sort();
}

/** An equality matcher as the master writes and parses them: `name="value"`, quotes escaped. */
export function equalityMatcher(name: string, value: string): string {
  const escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `${name}="${escaped}"`;
}

/**
 * A new silence's matchers from an alert: every label, pinned with `=` (the master needs
 * cluster and namespace pinned for a scoped operator), cluster and namespace first so the
 * scope reads first, then alphabetical.
 */
export function matchersFromLabels(labels: Record<string, string>): string[] {
  const first = ['cluster', 'namespace', 'alertname'];
  const names = Object.keys(labels)
    .filter((n) => labels[n] !== '')
    .sort((a, b) => {
      const ia = first.indexOf(a);
      const ib = first.indexOf(b);
      if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
      return a.localeCompare(b);
    });
  return names.map((n) => equalityMatcher(n, labels[n] as string));
}

/** Matchers a form holds, as the API takes them: trimmed, blanks dropped. */
export function cleanMatchers(texts: string[]): string[] {
  return texts.map((s) => s.trim()).filter((s) => s !== '');
}

/** The header badge: critical alerts firing and nobody on them (not acknowledged, not held back). */
export function firingCriticals(alerts: Alert[]): number {
  return alerts.filter((a) => a.labels.severity === 'critical' && displayState(a) === 'firing')
    .length;
}

export const BADGE_LINK = '/alerts?severity=critical&state=firing';

export interface TimelineEntry {
  at: number;
  kind: 'started' | 'acknowledged' | 'updated' | 'resolved' | 'notified' | 'failed';
  detail: string;
}

/** What happened to an alert, oldest first: its own times and (for admins) its deliveries. */
export function timelineOf(a: Alert, attempts: DeliveryAttempt[]): TimelineEntry[] {
  // A pending alert has not started firing yet (starts_at_ms is 0 until it does).
  const out: TimelineEntry[] =
    a.starts_at_ms > 0 ? [{ at: a.starts_at_ms, kind: 'started', detail: a.status }] : [];
  if (a.acked_at_ms !== null && a.acked_by)
    out.push({ at: a.acked_at_ms, kind: 'acknowledged', detail: a.acked_by });
  if (a.ends_at_ms !== null) out.push({ at: a.ends_at_ms, kind: 'resolved', detail: '' });
  else if (a.updated_at_ms > a.starts_at_ms)
    out.push({ at: a.updated_at_ms, kind: 'updated', detail: a.status });
  for (const x of attempts)
    out.push({
      at: x.at_ms,
      kind: x.outcome === 'sent' ? 'notified' : 'failed',
      detail: `${x.receiver} · ${x.outcome}${x.status !== null ? ` (${x.status})` : ''}`,
    });
  return out.sort((x, y) => x.at - y.at);
}

/** The delivery attempts of the notifications of this alert's groups (outbox rows by group key). */
export function attemptsOf(
  groupKeys: Set<string>,
  notifications: { id: number; group_key: string }[],
  attempts: DeliveryAttempt[],
): DeliveryAttempt[] {
  const ids = new Set(notifications.filter((n) => groupKeys.has(n.group_key)).map((n) => n.id));
  return attempts.filter((x) => ids.has(x.notification_id));
}

const EQUALITY = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"!=~,{}]+))\s*$/;

/** The cluster and namespace a silence pins with `=` (what a scoped operator must pin). */
export function pinnedScope(matchers: string[]): { cluster: string; namespace: string } {
  const out = { cluster: '', namespace: '' };
  for (const m of matchers) {
    const hit = EQUALITY.exec(m);
    if (!hit) continue;
    const name = hit[1];
    const value =
      hit[2] !== undefined
        ? hit[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
        : (hit[3] ?? '');
    if (name === 'cluster' || name === 'namespace') out[name] = value;
  }
  return out;
}

/** Durations a silence can be created for (seconds), shortest first. */
export const SILENCE_DURATIONS_S = [3_600, 2 * 3_600, 4 * 3_600, 8 * 3_600, 86_400, 7 * 86_400];

export const NOISE_KINDS = [
  'fires',
  'flaps',
  'quick_resolves',
  'silenced',
  'acked',
  'notifications',
] as const;

/** One window's noise rows, noisiest first (ties by scope then name, stable across polls). */
export function noiseRows(rows: NoiseRow[], days: number): NoiseRow[] {
  return rows
    .filter((r) => r.days === days)
    .sort(
      (a, b) => b.total - a.total || a.scope.localeCompare(b.scope) || a.name.localeCompare(b.name),
    );
}
