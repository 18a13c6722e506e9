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
