import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { FirstRun } from '../types.ts';

/** While the plant is being set up, check often so the guide goes away once readings arrive. */
export const FIRST_RUN_REFRESH_MS = 5_000;

export const getFirstRun = () => apiRequest<FirstRun>('/api/first-run');

export const firstRunQueryOptions = () =>
  queryOptions({
    queryKey: queryKeys.firstRun,
    queryFn: getFirstRun,
    refetchInterval: (q) => (q.state.data?.complete ? false : FIRST_RUN_REFRESH_MS),
  });

export const useFirstRun = () => useQuery(firstRunQueryOptions());
