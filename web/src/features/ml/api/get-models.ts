import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { ModelVersion } from '../types.ts';

export const getModels = async (tag: string) =>
  (await apiRequest<{ items: ModelVersion[] }>(`/api/ml/models/${encodeURIComponent(tag)}`)).items;

export const modelsQueryOptions = (tag: string) =>
  queryOptions({ queryKey: queryKeys.ml.models(tag), queryFn: () => getModels(tag) });

export const useModels = (tag: string) => useQuery({ ...modelsQueryOptions(tag), enabled: !!tag });
