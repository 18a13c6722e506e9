import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Alert } from '../types.ts';

export const acknowledgeAlert = (id: number) =>
  apiRequest<Alert>(`/api/alerts/${id}/acknowledge`, { method: 'POST', body: {} });

export function useAcknowledgeAlert() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: acknowledgeAlert,
    // Settled, not success: a conflict means someone else moved it, so the list must refresh too.
    onSettled: () => {
      qc.invalidateQueries({ queryKey: queryKeys.alerts.all });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
    },
  });
}
