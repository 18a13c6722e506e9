import { useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import type { RangeChange } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export type { RangeChange };

/** GET /api/instruments/{id}/range-changes: the re-ranges, oldest first. */
export const useRangeChanges = (id: number) =>
  useQuery({
    // Under the instrument's detail key, so a change to the instrument refreshes it too.
    queryKey: [...queryKeys.instruments.detail(id), 'range-changes'],
    queryFn: () => apiRequest<{ items: RangeChange[] }>(`/api/instruments/${id}/range-changes`),
  });
