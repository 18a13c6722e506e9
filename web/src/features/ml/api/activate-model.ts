import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const activateModel = ({ tag, version }: { tag: string; version: number }) =>
  apiRequest<unknown>(`/api/ml/models/${encodeURIComponent(tag)}/${version}/activate`, {
    method: 'POST',
    body: {},
  });

export function useActivateModel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: activateModel,
    onSuccess: (_r, v) => {
      qc.invalidateQueries({ queryKey: queryKeys.ml.models(v.tag) });
      qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard.all });
    },
  });
}
