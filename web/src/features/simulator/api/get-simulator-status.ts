import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { SimulatorStatus } from '../types.ts';

export const getSimulatorStatus = () => apiRequest<SimulatorStatus>('/api/simulator/status');

export const simulatorStatusQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.simulator.status, queryFn: getSimulatorStatus, refetchInterval: 5_000 });

export const useSimulatorStatus = () => useQuery(simulatorStatusQueryOptions());
