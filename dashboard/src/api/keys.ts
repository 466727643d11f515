/**
 * Query keys: one place, so the stream merger (live/merge.ts) updates exactly the caches the
 * pages read.
 */
export const keys = {
  me: ['me'] as const,
  clusters: ['clusters'] as const,
  cluster: (c: string) => ['cluster', c] as const,
  summary: (c: string) => ['summary', c] as const,
  metrics: (c: string) => ['metrics', c] as const,
  resources: (c: string, kind: string) => ['resources', c, kind] as const,
  resource: (c: string, kind: string, ns: string, name: string) =>
    ['resource', c, kind, ns, name] as const,
  findings: (c: string) => ['findings', c] as const,
  findingsHistory: (c: string, subject: string) => ['findings-history', c, subject] as const,
  commands: (filters: Record<string, string>) => ['commands', filters] as const,
  command: (id: string) => ['command', id] as const,
  nodeMetrics: (c: string, node: string, range: string) =>
    ['node-metrics', c, node, range] as const,
};
