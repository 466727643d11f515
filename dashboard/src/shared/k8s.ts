/** Reading fields of raw Kubernetes objects safely (bodies arrive as the agent trimmed them). Pure. */
import type { K8sObject, ResourceItem } from '../api/types';
import { parseTime } from '../ui/format';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export function conditions(obj: K8sObject): Condition[] {
  const c = obj.status?.conditions;
  return Array.isArray(c) ? (c as Condition[]) : [];
}

export interface EventRow {
  key: string;
  type: string;
  reason: string;
  message: string;
  count: number;
  lastMs: number | null;
  involved: { kind: string; namespace: string; name: string };
}

export function toEventRow(e: ResourceItem): EventRow {
  const o = e.object as K8sObject & {
    type?: string;
    reason?: string;
    message?: string;
    count?: number;
    lastTimestamp?: string;
    eventTime?: string;
    involvedObject?: { kind?: string; namespace?: string; name?: string };
  };
  return {
    key: `${e.namespace}/${e.name}`,
    type: o.type ?? 'Normal',
    reason: o.reason ?? '',
    message: o.message ?? '',
    count: o.count ?? 1,
    lastMs:
      parseTime(o.lastTimestamp) ??
      parseTime(o.eventTime) ??
      parseTime(o.metadata?.creationTimestamp),
    involved: {
      kind: o.involvedObject?.kind ?? '',
      namespace: o.involvedObject?.namespace ?? '',
      name: o.involvedObject?.name ?? '',
    },
  };
}

/** Warnings first, then newest. */
export function sortEvents(rows: EventRow[]): EventRow[] {
  return rows
    .slice()
    .sort(
      (a, b) =>
        Number(b.type === 'Warning') - Number(a.type === 'Warning') ||
        (b.lastMs ?? 0) - (a.lastMs ?? 0),
    );
}

export function ownerOf(obj: K8sObject): { kind: string; name: string } | null {
  const refs = obj.metadata?.ownerReferences ?? [];
  const o = refs.find((r) => r.controller) ?? refs[0];
  return o ? { kind: o.kind, name: o.name } : null;
}

export function num(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
