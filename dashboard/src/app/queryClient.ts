import { QueryClient } from '@tanstack/react-query';
import { isApiError } from '../api/errors';
import { pollInterval } from '../live/status';

export function makeQueryClient(): QueryClient {
  return new QueryClient({
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
}
