import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { MaintenanceRecord } from '../types.ts';

export const getInstrumentMaintenance = (instrumentId: number, limit: number, offset: number) =>
  apiRequest<Page<MaintenanceRecord>>(`/api/instruments/${instrumentId}/maintenance`, {
    query: { limit, offset },
  });

export const instrumentMaintenanceQueryOptions = (instrumentId: number, limit: number, offset: number) =>
  queryOptions({
    queryKey: [...queryKeys.maintenance.forInstrument(instrumentId), limit, offset],
    queryFn: () => getInstrumentMaintenance(instrumentId, limit, offset),
    placeholderData: keepPreviousData,
  });

export const useInstrumentMaintenance = (instrumentId: number, limit = 10, offset = 0) =>
  useQuery(instrumentMaintenanceQueryOptions(instrumentId, limit, offset));
