import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const clearFaults = (f: { tag?: string; kind?: string }) =>
  apiRequest<{ cleared: number }>('/api/simulator/faults', { method: 'DELETE', query: f });

export function useClearFaults() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: clearFaults,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.simulator.status }),
  });
}
