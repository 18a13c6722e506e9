import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { postOrQueue, type Sent } from '../../../lib/offline-queue.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Calibration, CalibrationInput } from '../types.ts';

/**
 * Records a calibration, or keeps it in the offline outbox when there is no connection. A signed
 * calibration is never queued: the signature password must not be stored on the device, and a
 * signature is checked by the server when it is given.
 */
export const createCalibration = async (
  input: CalibrationInput & { label?: string },
): Promise<Sent<Calibration>> => {
  const { label, ...body } = input;
  if (body.signature) {
    return {
      queued: false,
      result: await apiRequest<Calibration>('/api/calibrations', { method: 'POST', body }),
    };
  }
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
