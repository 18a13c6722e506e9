import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import type { ConnectorKind, ConnectorSource, ConnectorTestResult } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

// The connector sources API (admin only): the list with live status, and its changes.

/** How often the list (and each source's live status) is fetched again. */
export const STATUS_REFRESH_MS = 3000;

export const useConnectorSources = () =>
  useQuery({
    queryKey: queryKeys.connectors.sources,
    queryFn: () => apiRequest<{ items: ConnectorSource[] }>('/api/connectors/sources'),
    refetchInterval: STATUS_REFRESH_MS,
  });

function useSourceMutation<I, O>(fn: (input: I) => Promise<O>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => qc.invalidateQueries({ queryKey: queryKeys.connectors.all }),
  });
}

export interface SourceInput {
  kind: ConnectorKind;
  name: string;
  config: Record<string, unknown>;
  points: Record<string, unknown>[];
}

export const useSaveSource = (id: number | null) =>
  useSourceMutation((input: SourceInput) =>
    id === null
      ? apiRequest<ConnectorSource>('/api/connectors/sources', { method: 'POST', body: input })
      : apiRequest<ConnectorSource>(`/api/connectors/sources/${id}`, {
          method: 'PATCH',
          body: { name: input.name, config: input.config, points: input.points },
        }),
  );

export const useSetSourceEnabled = () =>
  useSourceMutation(({ id, enabled }: { id: number; enabled: boolean }) =>
    apiRequest<ConnectorSource>(`/api/connectors/sources/${id}/${enabled ? 'enable' : 'disable'}`, {
      method: 'POST',
      body: {},
    }),
  );

export const useDeleteSource = () =>
  useSourceMutation((id: number) => apiRequest<null>(`/api/connectors/sources/${id}`, { method: 'DELETE' }));

/** "Test connection": a saved source (stored secrets fill those left out), or a config before saving. */
export const useTestConnection = () =>
  useMutation({
    mutationFn: (input: { id: number | null; kind: ConnectorKind; config?: Record<string, unknown> }) =>
      input.id === null
        ? apiRequest<ConnectorTestResult>('/api/connectors/test', {
            method: 'POST',
            body: { kind: input.kind, config: input.config ?? {} },
          })
        : apiRequest<ConnectorTestResult>(`/api/connectors/sources/${input.id}/test`, {
            method: 'POST',
            body: input.config ? { config: input.config } : {},
          }),
  });
