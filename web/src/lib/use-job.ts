import { useQuery } from '@tanstack/react-query';
import { apiRequest } from './api-client.ts';
import type { Job } from './api-types.ts';
import { queryKeys } from './query-keys.ts';

export type { Job };

// Background jobs (training, large exports) are shared infrastructure: any feature that queues one
// follows it here until it settles.

export const getJob = (id: number) => apiRequest<Job>(`/api/jobs/${id}`);

export const isSettled = (j: Job | undefined) => j?.status === 'succeeded' || j?.status === 'failed';

/** Polls a job every second while it is queued or running. */
export function useJob(id: number | null) {
  return useQuery({
    queryKey: queryKeys.jobs.detail(id ?? 0),
    queryFn: () => getJob(id as number),
    enabled: id !== null,
    refetchInterval: (q) => (isSettled(q.state.data) ? false : 1000),
  });
}
