import { useMutation, useQueryClient } from '@tanstack/react-query';
import { postOrQueue } from '../../../lib/offline-queue.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { MaintenanceInput, MaintenanceRecord } from '../types.ts';

/** Records maintenance, or keeps it in the offline outbox when there is no connection. */
export const createMaintenance = ({ input, label }: { input: MaintenanceInput; label: string }) =>
  postOrQueue<MaintenanceRecord>('maintenance', '/api/maintenance', input, label);

export function useCreateMaintenance() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createMaintenance,
    onSuccess: (sent) => {
      if (sent.queued) return;
      // Maintenance starts the alert suppression window shown on the instrument.
      qc.invalidateQueries({ queryKey: queryKeys.maintenance.all });
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
      qc.invalidateQueries({ queryKey: queryKeys.workOrders.all });
    },
  });
}
