import { useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export interface AlarmEvent {
  id: number;
  at: string;
  event: string;
  severity: string;
  user_name: string | null;
  details: Record<string, unknown> | null;
}

/** The alert's journal (raise, clear, acknowledge, shelve, unshelve, resolve, suppress). */
export const useAlertEvents = (id: number, enabled: boolean) =>
  useQuery({
    queryKey: queryKeys.alerts.events(id),
    queryFn: () => apiRequest<AlarmEvent[]>(`/api/alerts/${id}/events`),
    enabled,
  });
