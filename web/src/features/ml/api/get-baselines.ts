import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type Baseline, itemsOf } from '../types.ts';

export const getBaselines = async (tag: string) =>
  itemsOf(await apiRequest<Baseline[] | { items: Baseline[] }>('/api/ml/baselines', { query: { tag } }));

export const baselinesQueryOptions = (tag: string) =>
  queryOptions({ queryKey: queryKeys.ml.baselines(tag), queryFn: () => getBaselines(tag) });

export const useBaselines = (tag: string) => useQuery({ ...baselinesQueryOptions(tag), enabled: !!tag });
