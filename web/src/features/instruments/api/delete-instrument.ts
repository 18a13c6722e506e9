import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const deleteInstrument = (id: number) =>
  apiRequest<{ ok: boolean }>(`/api/instruments/${id}`, { method: 'DELETE' });

export function useDeleteInstrument() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteInstrument,
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
      qc.invalidateQueries({ queryKey: queryKeys.processUnits.all });
    },
  });
}
