import { Type } from 'typebox';
import { Id, Nullable, StrictObject, StrictPatch } from '../http/schemas.ts';
import { MAX_GROUP_MEMBERS, MIN_GROUP_MEMBERS } from './group-service.ts';

const Name = Type.String({ minLength: 1, maxLength: 80 });
const Description = Nullable(Type.String({ maxLength: 500 }));
const InstrumentIds = Type.Array(Id, {
  minItems: MIN_GROUP_MEMBERS,
  maxItems: MAX_GROUP_MEMBERS,
  description: 'the members, in the model’s column order; an instrument belongs to one group',
});
const DriftWindow = Type.Integer({
  minimum: 60,
  maximum: 86_400,
  description: 'window of the drift model’s means, seconds (default 3600)',
});
const AnomalyWindow = Type.Integer({
  minimum: 1,
  maximum: 600,
  description: 'sliding window of the anomaly model, in samples of the slowest member’s interval (default 5)',
});

export const GroupBody = StrictObject({
  name: Name,
  description: Type.Optional(Description),
  process_unit_id: Type.Optional(Nullable(Id)),
  instrument_ids: Type.Optional(InstrumentIds),
  drift_window_seconds: Type.Optional(DriftWindow),
  anomaly_window_samples: Type.Optional(AnomalyWindow),
});

export const GroupPatchBody = StrictPatch({
  name: Name,
  description: Description,
  instrument_ids: InstrumentIds,
  drift_window_seconds: DriftWindow,
  anomaly_window_samples: AnomalyWindow,
  is_enabled: Type.Boolean(),
});

const Member = Type.Object({ id: Type.Integer(), tag: Type.String() });

const CusumState = Type.Object(
  {
    s_plus: Type.Number(),
    s_minus: Type.Number(),
    h: Type.Number(),
    alarm_up: Type.Boolean(),
    alarm_down: Type.Boolean(),
    last_z: Nullable(Type.Number()),
    windows_processed: Type.Integer(),
  },
  { additionalProperties: true },
);

export const GroupLive = Nullable(
  Type.Object({
    version: Type.Integer(),
    members: Type.Array(
      Type.Object({
        instrument_id: Type.Integer(),
        tag: Type.String(),
        residual_cusum: Nullable(CusumState),
      }),
    ),
    anomaly: Nullable(
      Type.Object({
        active: Type.Boolean(),
        score: Nullable(Type.Number()),
        scored_at: Nullable(Type.String()),
      }),
    ),
  }),
);

export const GroupSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Nullable(Type.String()),
  process_unit_id: Nullable(Type.Integer()),
  process_unit_name: Nullable(Type.String()),
  drift_window_seconds: Type.Integer(),
  anomaly_window_samples: Type.Integer(),
  is_enabled: Type.Boolean(),
  members: Type.Array(Member),
  active_version: Nullable(Type.Integer()),
  active_trained_at: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export const GroupDetailSchema = Type.Object({
  ...GroupSchema.properties,
  live: GroupLive,
});

export const GroupVersionSchema = Type.Object({
  id: Type.Integer(),
  group_id: Type.Integer(),
  version: Type.Integer(),
  trained_at: Type.String(),
  trained_by: Nullable(Type.Integer()),
  trained_by_name: Nullable(Type.String()),
  member_ids: Type.Array(Type.Integer()),
  metrics: Type.Record(Type.String(), Type.Unknown()),
  is_active: Type.Boolean(),
});

export const GroupVersionParams = Type.Object({ id: Id, version: Id });
