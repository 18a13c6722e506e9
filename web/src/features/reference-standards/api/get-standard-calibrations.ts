import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import type { Calibration } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/** A calibration the standard was used for (the traceability list). */
export type TracedCalibration = Calibration;

export const getStandardCalibrations = (id: number, limit: number, offset: number) =>
  apiRequest<Page<TracedCalibration>>(`/api/reference-standards/${id}/calibrations`, {
    query: { limit, offset },
  });

export const standardCalibrationsQueryOptions = (id: number, limit: number, offset: number) =>
  queryOptions({
    queryKey: [...queryKeys.calibrations.forStandard(id), limit, offset],
    queryFn: () => getStandardCalibrations(id, limit, offset),
    placeholderData: keepPreviousData,
  });

export const useStandardCalibrations = (id: number, limit: number, offset: number) =>
  useQuery(standardCalibrationsQueryOptions(id, limit, offset));
