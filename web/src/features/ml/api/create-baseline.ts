import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Baseline } from '../types.ts';

export const createBaseline = (input: { tag: string; start: string; end: string }) =>
  apiRequest<Baseline>('/api/ml/baselines', { method: 'POST', body: input });

export function useCreateBaseline() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createBaseline,
    onSuccess: (_b, v) => qc.invalidateQueries({ queryKey: queryKeys.ml.baselines(v.tag) }),
  });
}
