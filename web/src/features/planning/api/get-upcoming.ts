import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Upcoming, UpcomingFilters } from '../types.ts';

export const getUpcoming = (q: UpcomingFilters) =>
  apiRequest<Upcoming>('/api/planning/upcoming', { query: { ...q } });

export const upcomingQueryOptions = (q: UpcomingFilters) =>
  queryOptions({
    queryKey: queryKeys.planning.upcoming({ ...q }),
    queryFn: () => getUpcoming(q),
    placeholderData: keepPreviousData,
  });

export const useUpcoming = (q: UpcomingFilters) => useQuery(upcomingQueryOptions(q));
