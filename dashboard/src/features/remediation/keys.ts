/** The remediation caches' query keys: shared by the hooks (api.ts) and the stream merge (merge.ts). */
export const remediationKeys = {
  all: ['remediations'] as const,
  list: (filters: Record<string, string>) => ['remediations', 'list', filters] as const,
  detail: (id: string) => ['remediations', 'detail', id] as const,
  policy: ['remediation-policy'] as const,
};
