import { useMutation, useQueryClient } from '@tanstack/react-query';
import { postOrQueue } from '../../../lib/offline-queue.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Calibration, CalibrationInput } from '../types.ts';

/** Records a calibration, or keeps it in the offline outbox when there is no connection. */
export const createCalibration = (input: CalibrationInput & { label?: string }) => {
  const { label, ...body } = input;
  return postOrQueue<Calibration>('calibration', '/api/calibrations', body, label ?? 'Calibration');
};

export function useCreateCalibration() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createCalibration,
    onSuccess: (sent) => {
      if (sent.queued) return;
      // A calibration moves the due date, may clear an overdue alert and may open a work order.
      qc.invalidateQueries({ queryKey: queryKeys.calibrations.all });
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
      qc.invalidateQueries({ queryKey: queryKeys.alerts.all });
      qc.invalidateQueries({ queryKey: queryKeys.workOrders.all });
      qc.invalidateQueries({ queryKey: queryKeys.referenceStandards.all });
      qc.invalidateQueries({ queryKey: queryKeys.trends.all });
    },
  });
}
