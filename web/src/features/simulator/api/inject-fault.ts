import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { SimulatorFault } from '../types.ts';

export const injectFault = (body: { tag: string; kind: string } & Record<string, unknown>) =>
  apiRequest<SimulatorFault>('/api/simulator/faults', { method: 'POST', body });

export function useInjectFault() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: injectFault,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.simulator.status }),
  });
}
