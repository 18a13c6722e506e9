import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, apiRequest, type Page, type Query } from '../../../lib/api-client.ts';
import type { ImpactAssessment, ReviewFlag } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export type { ImpactAssessment, ReviewFlag };

// Issue 13: impact assessments on work orders and calibrations flagged for review.

/** The assessment of a work order, or null when it has none (404). */
export const useImpactAssessment = (workOrderId: number) =>
  useQuery({
    queryKey: queryKeys.outcomes.impact(workOrderId),
    queryFn: () =>
      apiRequest<ImpactAssessment>(`/api/work-orders/${workOrderId}/impact-assessment`).catch((e) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
  });

export function useUpdateImpactAssessment() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({
      id,
      patch,
    }: {
      id: number;
      patch: { assessment?: string | null; status?: 'completed' };
    }) => apiRequest<ImpactAssessment>(`/api/impact-assessments/${id}`, { method: 'PATCH', body: patch }),
    onSuccess: (ia) => qc.setQueryData(queryKeys.outcomes.impact(ia.work_order_id), ia),
  });
}

export const useReviewFlags = (q: Query) =>
  useQuery({
    queryKey: queryKeys.outcomes.flags(q),
    queryFn: () => apiRequest<Page<ReviewFlag>>('/api/calibration-review-flags', { query: q }),
  });

export function useReportStandardOutOfTolerance(standardId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { notes: string; since?: string }) =>
      apiRequest(`/api/reference-standards/${standardId}/out-of-tolerance`, { method: 'POST', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.outcomes.all }),
  });
}

export function useReviewFlag() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, notes }: { id: number; notes: string }) =>
      apiRequest<ReviewFlag>(`/api/calibration-review-flags/${id}/review`, {
        method: 'POST',
        body: { notes },
      }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.outcomes.all }),
  });
}
