import { useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import type { AlarmEvent } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export type { AlarmEvent };

/** The alert's journal (raise, clear, acknowledge, shelve, unshelve, resolve, suppress). */
export const useAlertEvents = (id: number, enabled: boolean) =>
  useQuery({
    queryKey: queryKeys.alerts.events(id),
    queryFn: () => apiRequest<AlarmEvent[]>(`/api/alerts/${id}/events`),
    enabled,
  });
