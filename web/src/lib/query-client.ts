import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api-client.ts';
import { clearOfflineData } from './service-worker.ts';
import { onSessionEnd } from './session.ts';

export function createQueryClient(): QueryClient {
  const qc = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        // A 4xx will not change on retry; a network blip or a 5xx might.
        retry: (count, err) =>
          !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
        refetchOnWindowFocus: true,
        // Fetch even when the browser says it is offline: the service worker answers from the
        // last loaded data, so a tablet out of coverage still shows its lists.
        networkMode: 'always',
      },
      // Entries made offline go to the outbox (lib/offline-queue.ts), so a mutation always runs.
      mutations: { retry: false, networkMode: 'always' },
    },
  });
  // The next person at this PC must never see the previous user's cached data.
  onSessionEnd(() => {
    qc.clear();
    clearOfflineData();
  });
  return qc;
}
