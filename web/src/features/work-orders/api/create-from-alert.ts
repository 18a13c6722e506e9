import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { WorkOrder, WorkOrderPlanning } from '../types.ts';

export const createWorkOrderFromAlert = (input: Partial<WorkOrderPlanning> & { alert_id: number }) =>
  apiRequest<WorkOrder>('/api/work-orders/from-alert', { method: 'POST', body: input });

export function useCreateWorkOrderFromAlert() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createWorkOrderFromAlert,
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: queryKeys.workOrders.all });
      qc.invalidateQueries({ queryKey: queryKeys.alerts.all });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
      qc.invalidateQueries({ queryKey: queryKeys.notifications.all });
    },
  });
}
