import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const deleteBaseline = ({ id }: { id: number; tag: string }) =>
  apiRequest<unknown>(`/api/ml/baselines/${id}`, { method: 'DELETE' });

export function useDeleteBaseline() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteBaseline,
    onSuccess: (_r, v) => qc.invalidateQueries({ queryKey: queryKeys.ml.baselines(v.tag) }),
  });
}
