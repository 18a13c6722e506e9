import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Accepted, AcceptInput, WorkRequest } from '../types.ts';

export interface WorkRequestFilters {
  status?: string;
  instrument_id?: number;
  reported_by?: string;
  limit: number;
  offset: number;
}

export const useWorkRequests = (f: WorkRequestFilters) =>
  useQuery({
    queryKey: queryKeys.workRequests.list({ ...f }),
    queryFn: () => apiRequest<Page<WorkRequest>>('/api/work-requests', { query: { ...f } }),
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });

function useRequestMutation<I, O>(fn: (input: I) => Promise<O>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: queryKeys.workRequests.all });
      qc.invalidateQueries({ queryKey: queryKeys.workOrders.all });
    },
  });
}

export const useReportProblem = () =>
  useRequestMutation((input: { instrument_id: number; description: string }) =>
    apiRequest<WorkRequest>('/api/work-requests', { method: 'POST', body: input }),
  );

export const useAcceptRequest = () =>
  useRequestMutation(({ id, input }: { id: number; input: AcceptInput }) =>
    apiRequest<Accepted>(`/api/work-requests/${id}/accept`, { method: 'POST', body: input }),
  );

export const useRejectRequest = () =>
  useRequestMutation(({ id, reason }: { id: number; reason: string }) =>
    apiRequest<WorkRequest>(`/api/work-requests/${id}/reject`, { method: 'POST', body: { reason } }),
  );
