import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const deleteReferenceStandard = (id: number) =>
  apiRequest<{ ok: boolean }>(`/api/reference-standards/${id}`, { method: 'DELETE' });

export function useDeleteReferenceStandard() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteReferenceStandard,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.referenceStandards.all }),
  });
}
