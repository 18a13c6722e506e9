import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/** A calibration as the traceability list shows it (the calibration feature owns the full type). */
export interface TracedCalibration {
  id: number;
  instrument_id: number;
  tag: string;
  performed_at: string;
  technician_name: string;
  passed: boolean;
  outcome: string;
  max_as_found_error_pct: number;
  max_as_left_error_pct: number;
  superseded: boolean;
}

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
