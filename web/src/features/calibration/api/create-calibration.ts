import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Calibration, CalibrationInput } from '../types.ts';

export const createCalibration = (input: CalibrationInput) =>
  apiRequest<Calibration>('/api/calibrations', { method: 'POST', body: input });

export function useCreateCalibration() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createCalibration,
    onSuccess: (c) => {
      // A calibration moves the due date, may clear an overdue alert and may open a work order.
      qc.invalidateQueries({ queryKey: queryKeys.calibrations.all });
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
      qc.invalidateQueries({ queryKey: queryKeys.alerts.all });
      qc.invalidateQueries({ queryKey: queryKeys.workOrders.all });
      qc.invalidateQueries({ queryKey: queryKeys.referenceStandards.all });
      qc.invalidateQueries({ queryKey: queryKeys.trends.all });
      void c;
    },
  });
}
