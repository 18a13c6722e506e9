import { useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export interface RangeChange {
  id: number;
  effective_at: string;
  old_unit: string;
  old_range_min: number;
  old_range_max: number;
  new_unit: string;
  new_range_min: number;
  new_range_max: number;
  reason: string;
  changed_by_name: string | null;
}

/** GET /api/instruments/{id}/range-changes: the re-ranges, oldest first. */
export const useRangeChanges = (id: number) =>
  useQuery({
    // Under the instrument's detail key, so a change to the instrument refreshes it too.
    queryKey: [...queryKeys.instruments.detail(id), 'range-changes'],
    queryFn: () => apiRequest<{ items: RangeChange[] }>(`/api/instruments/${id}/range-changes`),
  });
