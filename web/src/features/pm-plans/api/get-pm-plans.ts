import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { PmPlan } from '../types.ts';

export const getPmPlans = (instrumentId: number) =>
  apiRequest<Page<PmPlan>>('/api/pm-plans', { query: { instrument_id: instrumentId, limit: 100 } });

export const pmPlansQueryOptions = (instrumentId: number) =>
  queryOptions({
    queryKey: queryKeys.pmPlans.forInstrument(instrumentId),
    queryFn: () => getPmPlans(instrumentId),
  });

export const usePmPlans = (instrumentId: number) => useQuery(pmPlansQueryOptions(instrumentId));
