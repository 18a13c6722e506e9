import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { WorkOrder, WorkOrderPlanning } from '../types.ts';

export const createWorkOrder = (input: WorkOrderPlanning & { instrument_id: number }) =>
  apiRequest<WorkOrder>('/api/work-orders', { method: 'POST', body: input });

export function useCreateWorkOrder() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createWorkOrder,
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: queryKeys.workOrders.all });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
      qc.invalidateQueries({ queryKey: queryKeys.notifications.all });
    },
  });
}
