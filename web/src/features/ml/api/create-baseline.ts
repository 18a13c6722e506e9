import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import type { BaselineInput, CreatedBaseline } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const createBaseline = (input: BaselineInput) =>
  apiRequest<CreatedBaseline>('/api/ml/baselines', { method: 'POST', body: input });

export function useCreateBaseline() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createBaseline,
    onSuccess: (_b, v) => qc.invalidateQueries({ queryKey: queryKeys.ml.baselines(v.tag) }),
  });
}
