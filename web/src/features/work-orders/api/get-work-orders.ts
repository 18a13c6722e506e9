import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { WorkOrder } from '../types.ts';

export interface WorkOrderFilters {
  status?: string;
  tag?: string;
  instrument_id?: number;
  /** a user id, `me` or `none` */
  assigned_to?: string;
  type?: string;
  priority?: string;
  overdue?: boolean;
  sla_breached?: boolean;
  /** 'priority' (most urgent, then earliest due) or 'newest' */
  sort?: 'priority' | 'newest';
  limit?: number;
  offset?: number;
}

export const getWorkOrders = (f: WorkOrderFilters) =>
  apiRequest<Page<WorkOrder>>('/api/work-orders', { query: { ...f } });

export const workOrdersQueryOptions = (f: WorkOrderFilters) =>
  queryOptions({
    queryKey: queryKeys.workOrders.list({ ...f }),
    queryFn: () => getWorkOrders(f),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });

export const useWorkOrders = (f: WorkOrderFilters) => useQuery(workOrdersQueryOptions(f));
