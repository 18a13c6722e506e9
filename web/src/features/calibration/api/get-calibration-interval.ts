import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export interface CalibrationInterval {
  instrument_id: number;
  tag: string;
  tolerance_pct: number;
  last_calibration_at: string | null;
  fixed_interval_days: number;
  predicted_interval_days: number | null;
  predicted_interval_updated_at: string | null;
  use_predicted_interval: boolean;
  effective_interval_days: number;
  next_due_fixed: string;
  next_due_predicted: string | null;
  next_calibration_due: string;
  prediction: {
    predicted_interval_days: number | null;
    basis: string;
    history_rate_pct_per_day: number | null;
    cusum_rate_pct_per_day: number | null;
    rate_used_pct_per_day: number | null;
    starting_error_pct: number | null;
    headroom_pct: number | null;
    days_to_tolerance: number | null;
    clamped: string | null;
    safety_factor: number;
    min_days: number;
    max_days: number;
    explanation: string;
  };
}

export const getCalibrationInterval = (instrumentId: number) =>
  apiRequest<CalibrationInterval>(`/api/instruments/${instrumentId}/calibration-interval`);

export const calibrationIntervalQueryOptions = (instrumentId: number) =>
  queryOptions({
    queryKey: [...queryKeys.calibrations.forInstrument(instrumentId), 'interval'],
    queryFn: () => getCalibrationInterval(instrumentId),
  });

export const useCalibrationInterval = (instrumentId: number) =>
  useQuery(calibrationIntervalQueryOptions(instrumentId));
