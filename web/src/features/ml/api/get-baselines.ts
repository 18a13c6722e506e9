import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Baseline } from '../types.ts';

export const getBaselines = async (tag: string) =>
  (await apiRequest<Page<Baseline>>('/api/ml/baselines', { query: { tag } })).items;

export const baselinesQueryOptions = (tag: string) =>
  queryOptions({ queryKey: queryKeys.ml.baselines(tag), queryFn: () => getBaselines(tag) });

export const useBaselines = (tag: string) => useQuery({ ...baselinesQueryOptions(tag), enabled: !!tag });
