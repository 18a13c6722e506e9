import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { Calibration } from '../types.ts';

export interface CalibrationFilters {
  instrument_id?: number;
  tag?: string;
  reference_standard_id?: number;
  passed?: boolean;
  current_only?: boolean;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

export const getCalibrations = (f: CalibrationFilters) =>
  apiRequest<Page<Calibration>>('/api/calibrations', { query: { ...f } });

export const calibrationsQueryOptions = (f: CalibrationFilters) =>
  queryOptions({ queryKey: [...queryKeys.calibrations.all, 'list', f], queryFn: () => getCalibrations(f) });

export const useCalibrations = (f: CalibrationFilters, enabled = true) =>
  useQuery({ ...calibrationsQueryOptions(f), enabled });
