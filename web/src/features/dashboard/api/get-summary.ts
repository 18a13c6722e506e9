import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { DashboardSummary } from '../types.ts';

export const DASHBOARD_REFRESH_MS = 30_000;

export const getDashboardSummary = (processUnitId: number | null) =>
  apiRequest<DashboardSummary>('/api/dashboard/summary', { query: { process_unit_id: processUnitId } });

export const dashboardSummaryQueryOptions = (processUnitId: number | null) =>
  queryOptions({
    queryKey: queryKeys.dashboard.summary(processUnitId),
    queryFn: () => getDashboardSummary(processUnitId),
    refetchInterval: DASHBOARD_REFRESH_MS,
    refetchIntervalInBackground: true,
  });

export const useDashboardSummary = (processUnitId: number | null) =>
  useQuery(dashboardSummaryQueryOptions(processUnitId));
