import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { ProcessUnit } from '../types.ts';

export const getProcessUnits = () => apiRequest<Page<ProcessUnit>>('/api/process-units');

export const processUnitsQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.processUnits.all, queryFn: getProcessUnits, staleTime: 60_000 });

export const useProcessUnits = () => useQuery(processUnitsQueryOptions());
