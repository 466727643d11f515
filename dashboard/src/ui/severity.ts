/** Severity order and comparisons: worst first, then newest trouble first (DASHBOARD.md). */
import type { Finding, Severity } from '../api/types';

export const SEVERITY_RANK: Record<string, number> = { critical: 3, warning: 2, info: 1 };

export function rank(s: Severity | string): number {
  return SEVERITY_RANK[s] ?? 0;
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    rank(b.severity) - rank(a.severity) ||
    b.last_seen_ms - a.last_seen_ms ||
    a.fingerprint.localeCompare(b.fingerprint)
  );
}

/** Health of a mirrored object ('ok' | 'warning' | 'critical' | …) as a rank, worst highest. */
export function healthRank(h: string): number {
  return h === 'critical' ? 3 : h === 'warning' ? 2 : h === 'ok' ? 0 : 1;
}
