import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { ReferenceStandard } from '../types.ts';

export const getReferenceStandard = (id: number) =>
  apiRequest<ReferenceStandard>(`/api/reference-standards/${id}`);

export const referenceStandardQueryOptions = (id: number) =>
  queryOptions({
    queryKey: [...queryKeys.referenceStandards.all, id],
    queryFn: () => getReferenceStandard(id),
  });

export const useReferenceStandard = (id: number) => useQuery(referenceStandardQueryOptions(id));
