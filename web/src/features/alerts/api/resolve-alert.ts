import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Alert } from '../types.ts';

export const resolveAlert = ({ id, notes }: { id: number; notes: string }) =>
  apiRequest<Alert>(`/api/alerts/${id}/resolve`, { method: 'POST', body: { notes } });

export function useResolveAlert() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: resolveAlert,
    onSettled: () => {
      qc.invalidateQueries({ queryKey: queryKeys.alerts.all });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
    },
  });
}
