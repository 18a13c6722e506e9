import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Alert } from '../types.ts';

export interface AlertFilters {
  status?: string;
  alert_type?: string;
  severity?: string;
  instrument_id?: number;
  tag?: string;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

export const getAlerts = (f: AlertFilters) => apiRequest<Page<Alert>>('/api/alerts', { query: { ...f } });

export const alertsQueryOptions = (f: AlertFilters) =>
  queryOptions({
    queryKey: queryKeys.alerts.list({ ...f }),
    queryFn: () => getAlerts(f),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });

export const useAlerts = (f: AlertFilters, enabled = true) => useQuery({ ...alertsQueryOptions(f), enabled });
