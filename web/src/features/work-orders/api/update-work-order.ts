import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { WorkOrder, WorkOrderPatch } from '../types.ts';

export const updateWorkOrder = ({ id, patch }: { id: number; patch: WorkOrderPatch }) =>
  apiRequest<WorkOrder>(`/api/work-orders/${id}`, { method: 'PATCH', body: patch });

export function useUpdateWorkOrder() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: updateWorkOrder,
    onSuccess: (wo) => {
      qc.setQueryData(queryKeys.workOrders.detail(wo.id), wo);
      qc.invalidateQueries({ queryKey: queryKeys.workOrders.all });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
      qc.invalidateQueries({ queryKey: queryKeys.notifications.all });
      qc.invalidateQueries({ queryKey: queryKeys.alerts.all });
    },
  });
}
