import { QueryClient } from '@tanstack/react-query';
import { isApiError } from '../api/errors';
import { pollInterval } from '../live/status';

export function makeQueryClient(): QueryClient {
  const client = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // Polling only while the stream is not live (no /stream yet, or reconnecting).
        refetchInterval: () => pollInterval(),
        refetchOnWindowFocus: false,
        // 4xx answers will not change on retry; network and 5xx get two more tries.
        retry: (n, e) => !(isApiError(e) && e.status < 500) && n < 2,
      },
    },
  });
  // Object lists (up to 5,000 mirrored objects) skip structural sharing: deep-comparing the
  // whole list on every stream batch costs more than it saves, and it would copy items that
  // merely moved, defeating the per-object row caches (podRowOf). Merges keep identities.
  client.setQueryDefaults(['resources'], { structuralSharing: false });
  return client;
}
