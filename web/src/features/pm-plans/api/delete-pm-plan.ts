import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const deletePmPlan = (id: number) =>
  apiRequest<{ ok: boolean }>(`/api/pm-plans/${id}`, { method: 'DELETE' });

export function useDeletePmPlan() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deletePmPlan,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.pmPlans.all }),
  });
}
