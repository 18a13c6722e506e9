import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, type Page, type Query } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Device, DeviceInput, Installation } from '../types.ts';

export const useDevices = (q: Query) =>
  useQuery({
    queryKey: queryKeys.devices.list(q),
    queryFn: () => apiRequest<Page<Device>>('/api/devices', { query: q }),
    placeholderData: keepPreviousData,
  });

export const useInstallations = (instrumentId: number) =>
  useQuery({
    queryKey: queryKeys.devices.installations(instrumentId),
    queryFn: () => apiRequest<Page<Installation>>(`/api/instruments/${instrumentId}/installations`),
  });

function useInvalidate() {
  const qc = useQueryClient();
  return () => {
    qc.invalidateQueries({ queryKey: queryKeys.devices.all });
    qc.invalidateQueries({ queryKey: queryKeys.instruments.all });
  };
}

export function useCreateDevice() {
  const done = useInvalidate();
  return useMutation({
    mutationFn: (body: DeviceInput) => apiRequest<Device>('/api/devices', { method: 'POST', body }),
    onSuccess: done,
  });
}

export function useInstallDevice(instrumentId: number) {
  const done = useInvalidate();
  return useMutation({
    mutationFn: (body: { device_id: number; swap?: boolean; reason?: string | null }) =>
      apiRequest<Installation>(`/api/instruments/${instrumentId}/installations`, { method: 'POST', body }),
    onSuccess: done,
  });
}

export function useRemoveDevice(instrumentId: number) {
  const done = useInvalidate();
  return useMutation({
    mutationFn: (body: { reason: string }) =>
      apiRequest<Installation>(`/api/instruments/${instrumentId}/installations/remove`, {
        method: 'POST',
        body,
      }),
    onSuccess: done,
  });
}
