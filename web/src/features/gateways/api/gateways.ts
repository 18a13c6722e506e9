import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import type { GatewayWithPassword } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Gateway } from '../types.ts';

// The gateway API is small: one file for its list and its four changes.

export const useGateways = (f: { limit: number; offset: number }) =>
  useQuery({
    queryKey: queryKeys.gateways.list({ ...f }),
    queryFn: () => apiRequest<Page<Gateway>>('/api/gateways', { query: { ...f } }),
    placeholderData: keepPreviousData,
  });

function useGatewayMutation<I, O>(fn: (input: I) => Promise<O>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.gateways.all }),
  });
}

export const useCreateGateway = () =>
  useGatewayMutation((input: { username: string; description: string | null }) =>
    apiRequest<GatewayWithPassword>('/api/gateways', { method: 'POST', body: input }),
  );

export const useResetGatewayPassword = () =>
  useGatewayMutation((id: number) =>
    apiRequest<GatewayWithPassword>(`/api/gateways/${id}/reset-password`, { method: 'POST', body: {} }),
  );

export const useSetGatewayActive = () =>
  useGatewayMutation(({ id, is_active }: { id: number; is_active: boolean }) =>
    apiRequest<Gateway>(`/api/gateways/${id}`, { method: 'PATCH', body: { is_active } }),
  );

export const useDeleteGateway = () =>
  useGatewayMutation((id: number) => apiRequest<null>(`/api/gateways/${id}`, { method: 'DELETE' }));
