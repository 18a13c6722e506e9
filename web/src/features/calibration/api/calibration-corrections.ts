import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { CalibrationCorrection } from '../types.ts';

export const getCorrection = (id: number) =>
  apiRequest<CalibrationCorrection>(`/api/calibration-corrections/${id}`);

export const useCorrection = (id: number) =>
  useQuery({ queryKey: [...queryKeys.calibrations.all, 'correction', id], queryFn: () => getCorrection(id) });

/** Approve (notes optional) or reject (notes required) a pending correction; admins only. */
export function useDecideCorrection() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, verb, notes }: { id: number; verb: 'approve' | 'reject'; notes?: string }) =>
      apiRequest<CalibrationCorrection>(`/api/calibration-corrections/${id}/${verb}`, {
        method: 'POST',
        body: notes ? { notes } : {},
      }),
    onSuccess: () => {
      // An approval writes a record in force: due dates, work orders and alerts may move.
      qc.invalidateQueries({ queryKey: queryKeys.calibrations.all });
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
      qc.invalidateQueries({ queryKey: queryKeys.workOrders.all });
      qc.invalidateQueries({ queryKey: queryKeys.alerts.all });
    },
  });
}
