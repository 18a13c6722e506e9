import { Type } from 'typebox';
import { Id, Nullable, StrictObject, Timestamp } from '../http/schemas.ts';

export const TagParams = Type.Object({ tag: Type.String({ minLength: 1, maxLength: 40 }) });
export const TagVersionParams = Type.Object({
  tag: Type.String({ minLength: 1, maxLength: 40 }),
  version: Id,
});

export const BaselineBody = StrictObject({
  tag: Type.String({ minLength: 1, maxLength: 40 }),
  start: Timestamp,
  end: Timestamp,
});

const baselineFields = {
  id: Type.Integer(),
  instrument_id: Type.Integer(),
  tag: Type.String(),
  start: Type.String(),
  end: Type.String(),
  created_by: Nullable(Type.Integer()),
  created_by_name: Nullable(Type.String()),
  created_at: Type.String(),
};

export const BaselineSchema = Type.Object(baselineFields);

export const CreatedBaselineSchema = Type.Object({
  ...baselineFields,
  windows: Type.Integer({
    description: 'usable AGGREGATION_WINDOW_SECONDS windows of good readings in the range',
  }),
  readings: Type.Integer({ description: 'good readings in the range' }),
  cusum_reference: Nullable(
    Type.Object(
      { mean: Type.Number(), sigma: Type.Number(), windows: Type.Integer() },
      {
        description: "the instrument's CUSUM reference from all its baselines; null until they cover enough",
      },
    ),
  ),
});

export const ModelVersionSchema = Type.Object({
  id: Type.Integer(),
  instrument_id: Type.Integer(),
  tag: Type.String(),
  version: Type.Integer(),
  trained_by: Nullable(Type.Integer()),
  trained_by_name: Nullable(Type.String()),
  trained_at: Type.String(),
  windows_used: Type.Integer(),
  contamination: Type.Number(),
  threshold: Type.Number(),
  feature_set_version: Type.Integer(),
  is_active: Type.Boolean(),
  model_file: Type.String(),
  metrics: Nullable(Type.Record(Type.String(), Type.Unknown())),
});

export const ModelPage = Type.Object({
  items: Type.Array(ModelVersionSchema),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
  active_version: Nullable(Type.Integer()),
});

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
