import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { ReferenceStandard, ReferenceStandardInput } from '../types.ts';

/** POST /api/reference-standards, or PATCH /api/reference-standards/{id} with an id. */
export const saveReferenceStandard = ({
  id,
  input,
}: {
  id?: number;
  input: Partial<ReferenceStandardInput>;
}) =>
  id
    ? apiRequest<ReferenceStandard>(`/api/reference-standards/${id}`, { method: 'PATCH', body: input })
    : apiRequest<ReferenceStandard>('/api/reference-standards', { method: 'POST', body: input });

export function useSaveReferenceStandard() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: saveReferenceStandard,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.referenceStandards.all }),
  });
}
