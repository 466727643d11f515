/** Filters and sort in the URL's query string (shareable); `replace` so typing adds no history. */
import { useCallback } from 'react';
import { useSearchParams } from 'react-router-dom';

export function useUrlState<K extends string>(names: readonly K[]) {
  const [params, setParams] = useSearchParams();
  const values = Object.fromEntries(names.map((n) => [n, params.get(n) ?? ''])) as Record<
    K,
    string
  >;
  const set = useCallback(
    (patch: Partial<Record<K, string>>) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(patch) as [string, string | undefined][]) {
            if (v) next.set(k, v);
            else next.delete(k);
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [values, set] as const;
}

export function parseSort(s: string): { id: string; desc: boolean } | null {
  if (!s) return null;
  return s.startsWith('-') ? { id: s.slice(1), desc: true } : { id: s, desc: false };
}

export function formatSort(s: { id: string; desc: boolean }): string {
  return s.desc ? `-${s.id}` : s.id;
}
