import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { ProcessUnit, ProcessUnitInput } from '../types.ts';

/** Creates a unit, or updates it when an id is given (POST /api/process-units, PATCH /api/process-units/{id}). */
export const saveProcessUnit = ({ id, input }: { id?: number; input: ProcessUnitInput }) =>
  id
    ? apiRequest<ProcessUnit>(`/api/process-units/${id}`, { method: 'PATCH', body: input })
    : apiRequest<ProcessUnit>('/api/process-units', { method: 'POST', body: input });

export function useSaveProcessUnit() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: saveProcessUnit,
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: queryKeys.processUnits.all });
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
    },
  });
}
