import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { MaintenanceInput, MaintenanceRecord } from '../types.ts';

export const createMaintenance = (input: MaintenanceInput) =>
  apiRequest<MaintenanceRecord>('/api/maintenance', { method: 'POST', body: input });

export function useCreateMaintenance() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createMaintenance,
    onSuccess: () => {
      // Maintenance starts the alert suppression window shown on the instrument.
      qc.invalidateQueries({ queryKey: queryKeys.maintenance.all });
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
      qc.invalidateQueries({ queryKey: queryKeys.workOrders.all });
    },
  });
}
