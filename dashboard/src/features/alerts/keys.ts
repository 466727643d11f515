/** The alerting caches' query keys: shared by the hooks (api.ts) and the stream merge (merge.ts). */
export const alertKeys = {
  all: ['alerts'] as const,
  grouped: ['alerts', 'grouped'] as const,
  list: ['alerts', 'list'] as const,
  criticals: ['alerts', 'criticals'] as const,
  noise: ['alerts', 'noise'] as const,
  silences: ['silences'] as const,
  preview: (matchers: string[]) => ['silences', 'preview', matchers] as const,
  receivers: ['receivers'] as const,
  notifications: (filters: Record<string, string>) => ['notifications', filters] as const,
  log: (receiver: string) => ['notifications', 'log', receiver] as const,
};
