import { useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Alert } from '../types.ts';

/** One alert (e.g. the one a work order was raised from). */
export const useAlert = (id: number | null) =>
  useQuery({
    queryKey: [...queryKeys.alerts.all, 'detail', id],
    queryFn: () => apiRequest<Alert>(`/api/alerts/${id}`),
    enabled: id !== null,
    refetchInterval: 30_000,
  });
