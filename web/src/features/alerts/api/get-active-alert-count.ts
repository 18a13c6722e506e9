import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const ALERT_BADGE_POLL_MS = 30_000;

/** Number of active (not resolved) alerts, for the navigation badge. */
export async function getActiveAlertCount(): Promise<number> {
  const page = await apiRequest<Page<unknown>>('/api/alerts', { query: { status: 'active', limit: 1 } });
  return page.total;
}

export const activeAlertCountQueryOptions = () =>
  queryOptions({
    queryKey: queryKeys.alerts.activeCount,
    queryFn: getActiveAlertCount,
    refetchInterval: ALERT_BADGE_POLL_MS,
  });

export const useActiveAlertCount = () => useQuery(activeAlertCountQueryOptions());
