import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { ReferenceStandard } from '../types.ts';

export const getReferenceStandards = () =>
  apiRequest<Page<ReferenceStandard>>('/api/reference-standards', { query: { status: 'all', limit: 500 } });

export const referenceStandardsQueryOptions = () =>
  queryOptions({
    queryKey: queryKeys.referenceStandards.all,
    queryFn: getReferenceStandards,
    staleTime: 60_000,
  });

export const useReferenceStandards = (enabled = true) =>
  useQuery({ ...referenceStandardsQueryOptions(), enabled });
