import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import type { CalibrationInterval } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export type { CalibrationInterval };

export const getCalibrationInterval = (instrumentId: number) =>
  apiRequest<CalibrationInterval>(`/api/instruments/${instrumentId}/calibration-interval`);

export const calibrationIntervalQueryOptions = (instrumentId: number) =>
  queryOptions({
    queryKey: [...queryKeys.calibrations.forInstrument(instrumentId), 'interval'],
    queryFn: () => getCalibrationInterval(instrumentId),
  });

export const useCalibrationInterval = (instrumentId: number) =>
  useQuery(calibrationIntervalQueryOptions(instrumentId));
