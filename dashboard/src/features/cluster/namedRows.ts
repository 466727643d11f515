/** Filtering and default order shared by the namespaced lists (Services, Ingresses, PVCs). Pure. */
import { healthRank } from '../../ui/severity';
import { cmp } from './podRows';

export interface NamedRow {
  key: string;
  namespace: string;
  name: string;
  health: string;
}

/** Namespace exact, name as a case-insensitive substring; then worst health first, then key. */
export function filterNamed<T extends NamedRow>(
  rows: T[],
  f: { namespace: string; q: string },
): T[] {
  const needle = f.q.trim().toLowerCase();
  return rows
    .filter(
      (r) =>
        (!f.namespace || r.namespace === f.namespace) &&
        (!needle || r.name.toLowerCase().includes(needle)),
    )
    .sort((a, b) => healthRank(b.health) - healthRank(a.health) || cmp(a.key, b.key));
}

export function namespacesOf(rows: NamedRow[]): string[] {
  return [...new Set(rows.map((r) => r.namespace))].sort();
}
