import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Alert } from '../types.ts';

/** minutes omitted: one-shot, until the condition clears. */
export const shelveAlert = ({ id, reason, minutes }: { id: number; reason: string; minutes?: number }) =>
  apiRequest<Alert>(`/api/alerts/${id}/shelve`, {
    method: 'POST',
    body: minutes === undefined ? { reason } : { reason, minutes },
  });

export const unshelveAlert = (id: number) =>
  apiRequest<Alert>(`/api/alerts/${id}/unshelve`, { method: 'POST', body: {} });

function useInvalidate() {
  const qc = useQueryClient();
  // Settled: a conflict means someone else moved the alert, so the lists refresh either way.
  return () => {
    qc.invalidateQueries({ queryKey: queryKeys.alerts.all });
    qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
    qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
  };
}

export function useShelveAlert() {
  const onSettled = useInvalidate();
  return useMutation({ mutationFn: shelveAlert, onSettled });
}

export function useUnshelveAlert() {
  const onSettled = useInvalidate();
  return useMutation({ mutationFn: unshelveAlert, onSettled });
}
