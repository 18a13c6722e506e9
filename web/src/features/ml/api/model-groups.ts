import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import type { NewModelGroup } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { ModelGroup, ModelGroupDetail, ModelGroupVersion } from '../types.ts';

export type { NewModelGroup };

export const useModelGroups = () =>
  useQuery({
    queryKey: queryKeys.ml.groups,
    queryFn: () => apiRequest<Page<ModelGroup>>('/api/ml/model-groups?limit=200'),
  });

/** One group with its live detector state, refreshed while the page is open. */
export const useModelGroup = (id: number | null) =>
  useQuery({
    queryKey: queryKeys.ml.group(id ?? 0),
    queryFn: () => apiRequest<ModelGroupDetail>(`/api/ml/model-groups/${id}`),
    enabled: id !== null,
    refetchInterval: 10_000,
  });

export const useModelGroupVersions = (id: number | null) =>
  useQuery({
    queryKey: queryKeys.ml.groupVersions(id ?? 0),
    queryFn: () => apiRequest<Page<ModelGroupVersion>>(`/api/ml/model-groups/${id}/versions`),
    enabled: id !== null,
  });

function useGroupMutation<V, R>(fn: (v: V) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.ml.all }),
  });
}

export const useCreateModelGroup = () =>
  useGroupMutation((body: NewModelGroup) =>
    apiRequest<ModelGroup>('/api/ml/model-groups', { method: 'POST', body }),
  );

export const useTrainModelGroup = () =>
  useGroupMutation((id: number) =>
    apiRequest<ModelGroupVersion>(`/api/ml/model-groups/${id}/train`, { method: 'POST', body: {} }),
  );

export const useActivateGroupVersion = () =>
  useGroupMutation(({ id, version }: { id: number; version: number }) =>
    apiRequest<ModelGroupVersion>(`/api/ml/model-groups/${id}/versions/${version}/activate`, {
      method: 'POST',
      body: {},
    }),
  );

export const useDeleteModelGroup = () =>
  useGroupMutation((id: number) => apiRequest<unknown>(`/api/ml/model-groups/${id}`, { method: 'DELETE' }));
