import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import type { OutOfServicePeriod, OutOfServiceState } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export type { OutOfServicePeriod, OutOfServiceState };

export const useOutOfService = (id: number) =>
  useQuery({
    queryKey: queryKeys.instruments.outOfService(id),
    queryFn: () => apiRequest<OutOfServiceState>(`/api/instruments/${id}/out-of-service`),
  });

/** Ids of instruments out of service now (the register's badge). */
export const useOutOfServiceIds = () =>
  useQuery({
    queryKey: queryKeys.instruments.outOfServiceIds,
    queryFn: () => apiRequest<{ instrument_ids: number[] }>('/api/out-of-service'),
    select: (d) => new Set(d.instrument_ids),
    refetchInterval: 60_000,
  });

export function useSetOutOfService() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, out, reason }: { id: number; out: boolean; reason: string }) =>
      apiRequest<OutOfServiceState>(
        `/api/instruments/${id}/${out ? 'out-of-service' : 'return-to-service'}`,
        {
          method: 'POST',
          body: out ? { reason } : reason ? { reason } : {},
        },
      ),
    onSettled: () => {
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
      qc.invalidateQueries({ queryKey: queryKeys.alerts.all });
    },
  });
}
