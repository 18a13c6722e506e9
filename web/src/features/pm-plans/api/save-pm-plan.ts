import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { PmPlan, PmPlanInput } from '../types.ts';

/** POST /api/pm-plans, or PATCH /api/pm-plans/{id} with an id. */
export const savePmPlan = ({
  id,
  instrumentId,
  input,
}: {
  id?: number;
  instrumentId: number;
  input: Partial<PmPlanInput>;
}) =>
  id
    ? apiRequest<PmPlan>(`/api/pm-plans/${id}`, { method: 'PATCH', body: input })
    : apiRequest<PmPlan>('/api/pm-plans', {
        method: 'POST',
        body: { instrument_id: instrumentId, ...input },
      });

export function useSavePmPlan() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: savePmPlan,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.pmPlans.all }),
  });
}
