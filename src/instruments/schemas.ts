import { Type } from 'typebox';
import { Id, Literals, Nullable, StrictObject, StrictPatch } from '../http/schemas.ts';

export const INSTRUMENT_TYPES = ['pressure', 'temperature', 'flow', 'level'] as const;
export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export const INSTRUMENT_STATUSES = ['active', 'maintenance', 'out_of_service'] as const;

export const InstrumentType = Literals(INSTRUMENT_TYPES);
export const Criticality = Literals(CRITICALITIES);
export const InstrumentStatus = Literals(INSTRUMENT_STATUSES);

const Num = Type.Number();
const NullNum = Nullable(Type.Number());
const Text = (max: number) => Nullable(Type.String({ maxLength: max }));

/** Fields an admin may set; all but the identity and range have defaults. */
export const instrumentFields = {
  tag: Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
  type: InstrumentType,
  measured_variable: Type.Optional(Text(80)),
  unit: Type.String({ minLength: 1, maxLength: 20 }),
  range_min: Num,
  range_max: Num,
  nominal_value: Type.Optional(NullNum),
  location: Type.Optional(Text(200)),
  equipment: Type.Optional(Text(200)),
  accuracy_class: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
  criticality: Type.Optional(Criticality),
  status: Type.Optional(InstrumentStatus),
  process_unit_id: Type.Optional(Nullable(Id)),
  calibration_interval_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  use_predicted_interval: Type.Optional(Type.Boolean()),
  description: Type.Optional(Text(2000)),
  alarm_low_critical: Type.Optional(NullNum),
  alarm_low_warning: Type.Optional(NullNum),
  alarm_high_warning: Type.Optional(NullNum),
  alarm_high_critical: Type.Optional(NullNum),
  alarm_deadband: Type.Optional(Type.Number({ minimum: 0 })),
  alarm_on_delay_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
  publish_interval_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })),
  stuck_deadband: Type.Optional(Type.Number({ minimum: 0 })),
  stuck_window_minutes: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 10_080 }))),
  signal_low_ma: Type.Optional(Type.Number({ minimum: 0, maximum: 20 })),
  signal_high_ma: Type.Optional(Type.Number({ minimum: 4, maximum: 30 })),
  max_rate_per_second: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0 }))),
  cusum_k: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 10 }))),
  cusum_h: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 100 }))),
};

export const CreateInstrumentBody = StrictObject(instrumentFields);
export const PatchInstrumentBody = StrictPatch(instrumentFields);

/** A re-ranging: a new unit and/or range from now on, with the limits that follow it and a reason. */
export const RerangeBody = StrictObject(
  {
    unit: Type.Optional(instrumentFields.unit),
    range_min: Type.Optional(Num),
    range_max: Type.Optional(Num),
    reason: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }),
    nominal_value: instrumentFields.nominal_value,
    alarm_low_critical: instrumentFields.alarm_low_critical,
    alarm_low_warning: instrumentFields.alarm_low_warning,
    alarm_high_warning: instrumentFields.alarm_high_warning,
    alarm_high_critical: instrumentFields.alarm_high_critical,
    alarm_deadband: instrumentFields.alarm_deadband,
    stuck_deadband: instrumentFields.stuck_deadband,
  },
  { description: 'give at least one of unit, range_min, range_max' },
);

export const RangeChangeSchema = Type.Object({
  id: Type.Integer(),
  instrument_id: Type.Integer(),
  effective_at: Type.String(),
  old_unit: Type.String(),
  old_range_min: Num,
  old_range_max: Num,
  new_unit: Type.String(),
  new_range_min: Num,
  new_range_max: Num,
  reason: Type.String(),
  changed_by: Nullable(Type.Integer()),
  changed_by_name: Nullable(Type.String()),
});

export const InstrumentSchema = Type.Object({
  id: Type.Integer(),
  tag: Type.String(),
  type: Type.String(),
  measured_variable: Nullable(Type.String()),
  unit: Type.String(),
  range_min: Num,
  range_max: Num,
  nominal_value: NullNum,
  location: Nullable(Type.String()),
  equipment: Nullable(Type.String()),
  accuracy_class: Num,
  criticality: Type.String(),
  status: Type.String(),
  process_unit_id: Nullable(Type.Integer()),
  process_unit_name: Nullable(Type.String()),
  calibration_interval_days: Type.Integer(),
  use_predicted_interval: Type.Boolean(),
  predicted_interval_days: Nullable(Type.Integer()),
  effective_interval_days: Type.Integer(),
  description: Nullable(Type.String()),
  alarm_low_critical: NullNum,
  alarm_low_warning: NullNum,
  alarm_high_warning: NullNum,
  alarm_high_critical: NullNum,
  alarm_deadband: Num,
  alarm_on_delay_seconds: Type.Integer(),
  publish_interval_seconds: Num,
  stuck_deadband: Num,
  stuck_window_minutes: NullNum,
  signal_low_ma: Num,
  signal_high_ma: Num,
  max_rate_per_second: NullNum,
  cusum_k: NullNum,
  cusum_h: NullNum,
  suppressed_until: Nullable(Type.String()),
  last_calibration_at: Nullable(Type.String()),
  next_calibration_due: Nullable(Type.String()),
  calibration_overdue: Type.Boolean(),
  out_of_tolerance: Type.Boolean({
    description: 'the latest calibration in force failed as-left: the instrument is out of tolerance',
  }),
  device_id: Nullable(Type.Integer({ description: 'the device installed in this position now' })),
  device_serial_number: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  deleted_at: Nullable(Type.String()),
  // Live and computed parts added by later modules (last reading, status) are open-ended.
  last_reading: Type.Optional(
    Nullable(
      Type.Object({
        timestamp: Type.String(),
        value: Type.Number(),
        quality: Type.String(),
        stale: Type.Optional(Type.Boolean()),
      }),
    ),
  ),
});

// GET /api/instruments/{id}/status
const HealthParts = Type.Object({
  alerts: Type.Number(),
  drift: Type.Number(),
  anomaly: Type.Number(),
  freshness: Type.Number(),
  calibration: Type.Number(),
});

export const InstrumentStatusSchema = Type.Object({
  instrument_id: Type.Integer(),
  tag: Type.String(),
  unit: Type.String(),
  status: Type.String(),
  generated_at: Type.String(),
  live: Nullable(Type.Object({ timestamp: Type.String(), value: Type.Number(), quality: Type.String() })),
  rules: Type.Unknown({ description: 'rule engine state per limit (null until monitoring tracks it)' }),
  signal: Type.Unknown({ description: 'loop current and open signal fault' }),
  cusum: Type.Unknown({ description: 'S+ and S- against h (statistic, ratio_to_h), baseline and warm-up' }),
  stuck: Type.Unknown({ description: 'stuck-sensor window: band vs deadband, frozen seconds' }),
  data_gap: Type.Unknown(),
  anomaly: Type.Unknown({ description: 'latest window score of the active model (null without one)' }),
  model: Nullable(
    Type.Object({
      version: Type.Integer(),
      trained_at: Type.String(),
      windows_used: Type.Integer(),
      contamination: Type.Number(),
      threshold: Type.Number(),
      feature_set_version: Type.Integer(),
    }),
  ),
  calibration: Type.Object({
    last_calibration_at: Nullable(Type.String()),
    next_calibration_due: Nullable(Type.String()),
    calibration_overdue: Type.Boolean(),
  }),
  open_alerts: Type.Array(
    Type.Object({
      id: Type.Integer(),
      alert_type: Type.String(),
      condition: Type.String(),
      severity: Type.String(),
      status: Type.String(),
      message: Type.String(),
      first_seen: Type.String(),
      last_seen: Type.String(),
    }),
  ),
  health_score: Nullable(Type.Integer({ minimum: 0, maximum: 100 })),
  health_parts: Nullable(HealthParts),
  health_inputs: Type.Unknown({ description: 'what each part of the score was computed from' }),
});
