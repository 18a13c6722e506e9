import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, apiRequest, type Page, type Query } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

// Issue 13: impact assessments on work orders and calibrations flagged for review.

export interface ImpactAssessment {
  id: number;
  work_order_id: number;
  calibration_record_id: number;
  tag: string;
  period_from: string | null;
  period_to: string;
  readings_count: number;
  alerts_count: number;
  status: 'open' | 'completed';
  assessment: string | null;
  completed_by_name: string | null;
  completed_at: string | null;
}

export interface ReviewFlag {
  id: number;
  report_id: number;
  calibration_record_id: number;
  instrument_id: number;
  tag: string;
  performed_at: string;
  calibration_passed: boolean;
  reference_standard_identifier: string;
  status: 'open' | 'reviewed';
  reviewed_by_name: string | null;
  reviewed_at: string | null;
  review_notes: string | null;
}

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
