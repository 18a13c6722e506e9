import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const deleteProcessUnit = (id: number) =>
  apiRequest<{ ok: boolean }>(`/api/process-units/${id}`, { method: 'DELETE' });

export function useDeleteProcessUnit() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteProcessUnit,
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: queryKeys.processUnits.all });
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
    },
  });
}
