import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { SimulatorStatus } from '../types.ts';

/** POST /api/simulator/start or /api/simulator/stop. */
export const controlSimulator = ({
  action,
  rateMultiplier,
}: {
  action: 'start' | 'stop';
  rateMultiplier?: number;
}) =>
  apiRequest<SimulatorStatus>(`/api/simulator/${action}`, {
    method: 'POST',
    body: action === 'start' && rateMultiplier ? { rate_multiplier: rateMultiplier } : {},
  });

export function useControlSimulator() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: controlSimulator,
    onSuccess: (s) => qc.setQueryData(queryKeys.simulator.status, s),
  });
}
