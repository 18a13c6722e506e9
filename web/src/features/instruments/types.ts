export const INSTRUMENT_TYPES = ['pressure', 'temperature', 'flow', 'level'] as const;
export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export const INSTRUMENT_STATUSES = ['active', 'maintenance', 'out_of_service'] as const;

export interface LastReading {
  timestamp: string;
  value: number;
  quality: string;
}

export interface Instrument {
  id: number;
  tag: string;
  type: string;
  measured_variable: string | null;
  unit: string;
  range_min: number;
  range_max: number;
  nominal_value: number | null;
  location: string | null;
  equipment: string | null;
  accuracy_class: number;
  criticality: string;
  status: string;
  process_unit_id: number | null;
  process_unit_name: string | null;
  calibration_interval_days: number;
  use_predicted_interval: boolean;
  description: string | null;
  alarm_low_critical: number | null;
  alarm_low_warning: number | null;
  alarm_high_warning: number | null;
  alarm_high_critical: number | null;
  alarm_deadband: number;
  alarm_on_delay_seconds: number;
  publish_interval_seconds: number;
  stuck_deadband: number;
  stuck_window_minutes: number | null;
  signal_low_ma: number;
  signal_high_ma: number;
  max_rate_per_second: number | null;
  cusum_k: number | null;
  cusum_h: number | null;
  suppressed_until: string | null;
  last_calibration_at: string | null;
  next_calibration_due: string | null;
  calibration_overdue: boolean;
  /** Issue 13: the latest calibration failed as-left. */
  out_of_tolerance: boolean;
  /** The device installed in this position now. */
  device_id: number | null;
  device_serial_number: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  last_reading?: LastReading | null;
  predicted_interval_days?: number | null;
  effective_interval_days?: number | null;
}

export type InstrumentInput = Partial<
  Omit<
    Instrument,
    | 'id'
    | 'process_unit_name'
    | 'created_at'
    | 'updated_at'
    | 'deleted_at'
    | 'last_reading'
    | 'last_calibration_at'
    | 'next_calibration_due'
    | 'calibration_overdue'
    | 'suppressed_until'
  >
>;

export const TYPE_WORD: Record<string, string> = {
  pressure: 'Pressure',
  temperature: 'Temperature',
  flow: 'Flow',
  level: 'Level',
};
