/**
 * PersistentVolumeClaims as table rows, and which pods mount each one (a pod's
 * spec.volumes[].persistentVolumeClaim.claimName, as agent/sources/trimming.py keeps it). Pure.
 */
import type { ResourceItem } from '../../api/types';
import { parseTime } from '../../ui/format';

export interface PvcRow {
  key: string;
  namespace: string;
  name: string;
  health: string;
  phase: string;
  capacity: string;
  storageClass: string;
  accessModes: string;
  volume: string;
  createdMs: number | null;
}

function record(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function toPvcRow(item: ResourceItem): PvcRow {
  const spec = item.object.spec ?? {};
  const status = item.object.status ?? {};
  return {
    key: `${item.namespace}/${item.name}`,
    namespace: item.namespace,
    name: item.name,
    health: item.health,
    phase: text(status.phase) || 'Unknown',
    // What the volume has once bound; what was asked for until then.
    capacity: text(record(status.capacity).storage) || text(record(spec.requests).storage),
    storageClass: text(spec.storageClassName),
    accessModes: (Array.isArray(spec.accessModes) ? spec.accessModes : []).join(', '),
    volume: text(spec.volumeName),
    createdMs: parseTime(item.object.metadata?.creationTimestamp),
  };
}

/** `namespace/claim` → names of the pods (same namespace) whose volumes use that claim. */
export function claimMounts(pods: ResourceItem[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of pods) {
    const volumes = Array.isArray(p.object.spec?.volumes) ? p.object.spec.volumes : [];
    for (const v of volumes) {
      const claim = text(record(record(v).persistentVolumeClaim).claimName);
      if (!claim) continue;
      const key = `${p.namespace}/${claim}`;
      const names = out.get(key) ?? [];
      if (!names.includes(p.name)) names.push(p.name);
      out.set(key, names);
    }
  }
  for (const names of out.values()) names.sort();
  return out;
}
