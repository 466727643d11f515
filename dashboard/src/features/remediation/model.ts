/**
 * What the remediation pages decide from a remediation, pure: which moves its state allows
 * (mirroring master/remediation/states.py; the server decides regardless), its chip's level,
 * whether it is still moving (the page polls then), the set_resources diff as rows, the
 * command as words (i18n key and values), and the list's filtering and order.
 */
import type { Level } from '../../ui/SeverityChip';
import type { Action, Remediation, RemediationState } from './types';

export const STATES: RemediationState[] = [
  'suggested',
  'previewed',
  'pending_approval',
  'approved',
  'running',
  'succeeded',
  'failed',
  'resolved',
  'no_effect',
  'worse',
  'expired',
  'rejected',
];

const PREVIEWABLE = new Set<string>(['suggested', 'previewed', 'pending_approval', 'expired']);
const REJECTABLE = new Set<string>(['suggested', 'previewed', 'pending_approval']);
// Moving without a person: the command runs, then verification watches the finding.
const MOVING = new Set<string>(['approved', 'running', 'succeeded']);
export const VERDICTS = new Set<string>(['resolved', 'no_effect', 'worse']);

export const canPreview = (s: string) => PREVIEWABLE.has(s);
export const canApprove = (s: string) => s === 'pending_approval';
export const canReject = (s: string) => REJECTABLE.has(s);
export const isMoving = (s: string | undefined) => !!s && MOVING.has(s);

export function stateLevel(s: string): Level {
  if (s === 'worse' || s === 'failed') return 'critical';
  if (s === 'no_effect') return 'warning';
  if (s === 'resolved') return 'ok';
  if (s === 'expired' || s === 'rejected') return 'unknown';
  return 'info';
}

export interface DiffRow {
  field: 'limits' | 'requests';
  resource: string;
  before: string | null;
  after: string | null;
  changed: boolean;
}

function amounts(v: unknown): Record<string, Record<string, string>> | null {
  return v && typeof v === 'object' ? (v as Record<string, Record<string, string>>) : null;
}

/** set_resources' dry-run result (`before` → `after`, each `{limits, requests}`) as rows;
 *  null when the diff is not that shape (another command's result). */
export function resourceDiff(diff: Record<string, unknown> | null | undefined): DiffRow[] | null {
  const before = amounts(diff?.before);
  const after = amounts(diff?.after);
  if (!before || !after) return null;
  const rows: DiffRow[] = [];
  for (const field of ['limits', 'requests'] as const) {
    const b = before[field] ?? {};
    const a = after[field] ?? {};
    for (const resource of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
      const was = b[resource] ?? null;
      const now = a[resource] ?? null;
      rows.push({ field, resource, before: was, after: now, changed: was !== now });
    }
  }
  return rows;
}

export function targetText(a: Action): string {
  const t = a.target;
  return t.namespace ? `${t.kind} ${t.namespace}/${t.name}` : `${t.kind} ${t.name}`;
}

/** The command in words: an i18n key under `remediation.command` and its values. The
 *  set_resources changes are listed (`changes`) by the caller in the reader's language. */
export function commandWords(a: Action): { key: string; values: Record<string, string> } {
  const p = a.params;
  const target = targetText(a);
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  switch (a.type) {
    case 'set_resources':
      return { key: 'set_resources', values: { target, container: str(p.container) } };
    case 'rollback':
      return { key: 'rollback', values: { target, revision: str(p.revision) } };
    case 'set_image':
      return {
        key: 'set_image',
        values: { target, container: str(p.container), image: str(p.image) },
      };
    case 'drain':
    case 'uncordon':
    case 'cordon':
    case 'rollout_restart':
      return { key: a.type, values: { target } };
    default:
      return { key: 'other', values: { target, type: a.type } };
  }
}

/** set_resources' params as (field, resource, value) triples: what the command will set. */
export function resourceParams(a: Action): { field: string; resource: string; value: string }[] {
  if (a.type !== 'set_resources') return [];
  const out: { field: string; resource: string; value: string }[] = [];
  for (const field of ['limits', 'requests'] as const) {
    const v = a.params[field];
    if (!v || typeof v !== 'object') continue;
    for (const [resource, value] of Object.entries(v as Record<string, string>))
      out.push({ field, resource, value });
  }
  return out;
}

export interface ListFilters {
  state: string;
  cluster: string;
  namespace: string;
}

/** Newest first; namespace is filtered here (the server filters cluster and state). */
export function visible(items: Remediation[], f: ListFilters): Remediation[] {
  return items
    .filter((r) => !f.namespace || (r.namespace ?? '') === f.namespace)
    .sort((a, b) => b.created_ms - a.created_ms);
}

/** The remediation offered for a finding: its newest open one, else its newest. */
export function forFinding(items: Remediation[], fingerprint: string): Remediation | undefined {
  const mine = items
    .filter((r) => r.fingerprint === fingerprint)
    .sort((a, b) => b.created_ms - a.created_ms);
  return mine.find((r) => canPreview(r.state) || canApprove(r.state)) ?? mine[0];
}

/** The inverse suggested after a `worse` verdict (master: suggestion id + "-inverse"). */
export function inverseOf(items: Remediation[], r: Remediation): Remediation | undefined {
  const id = `${r.suggestion.id}-inverse`;
  return items.find((x) => x.suggestion.id === id && x.cluster === r.cluster);
}
