import { useQuery } from '@tanstack/react-query';
import { apiRequest } from './api-client.ts';
import { queryKeys } from './query-keys.ts';

// Background jobs (training, large exports) are shared infrastructure: any feature that queues one
// follows it here until it settles.

export interface Job {
  id: number;
  type: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  /** 0..1 */
  progress: number;
  params: Record<string, unknown> | null;
  result_summary: Record<string, unknown> | null;
  has_result_file: boolean;
  error: string | null;
  created_by_name: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

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
