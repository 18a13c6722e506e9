import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Calibration } from '../types.ts';

export const getInstrumentCalibrations = (instrumentId: number, limit = 20, offset = 0) =>
  apiRequest<Page<Calibration>>(`/api/instruments/${instrumentId}/calibrations`, {
    query: { limit, offset },
  });

export const instrumentCalibrationsQueryOptions = (instrumentId: number, limit = 20, offset = 0) =>
  queryOptions({
    queryKey: [...queryKeys.calibrations.forInstrument(instrumentId), limit, offset],
    queryFn: () => getInstrumentCalibrations(instrumentId, limit, offset),
    placeholderData: keepPreviousData,
  });

export const useInstrumentCalibrations = (instrumentId: number, limit = 20, offset = 0, enabled = true) =>
  useQuery({ ...instrumentCalibrationsQueryOptions(instrumentId, limit, offset), enabled });
