import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { WorkOrder } from '../types.ts';

export const getWorkOrder = (id: number) => apiRequest<WorkOrder>(`/api/work-orders/${id}`);

export const workOrderQueryOptions = (id: number) =>
  queryOptions({ queryKey: queryKeys.workOrders.detail(id), queryFn: () => getWorkOrder(id) });

export const useWorkOrder = (id: number) => useQuery(workOrderQueryOptions(id));
