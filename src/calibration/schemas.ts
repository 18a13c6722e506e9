import { Type } from 'typebox';
import { Id, MAX_ID, Nullable, StrictObject, Timestamp } from '../http/schemas.ts';
import { InlineSignatureBody } from '../signatures/schemas.ts';

const Finite = Type.Number({ minimum: -1e12, maximum: 1e12 });

export const PointInputSchema = StrictObject({
  reference_value: Type.Optional(Finite),
  input_value: Type.Optional(
    Type.Number({
      minimum: -1e12,
      maximum: 1e12,
      description:
        'the applied input, under a procedure with a transfer function (reference_value is then computed)',
    }),
  ),
  direction: Type.Optional(Type.Union([Type.Literal('up'), Type.Literal('down')])),
  as_found: Finite,
  as_left: Finite,
});

export const CreateCalibrationBody = StrictObject({
  instrument_id: Id,
  performed_at: Type.Optional(Timestamp),
  reference_standard_id: Id,
  notes: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
  points: Type.Array(PointInputSchema, {
    minItems: 1,
    maxItems: 50,
    description: 'test points in engineering units, e.g. 0/25/50/75/100 % of span, up and down',
  }),
  reduced_check: Type.Optional(
    Type.Boolean({
      description:
        "fewer points than the instrument's procedure: recorded, but resets the due date only if the procedure allows",
    }),
  ),
  corrects_id: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_ID,
      description: 'the record this one corrects (records are never edited)',
    }),
  ),
  work_order_id: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_ID,
      description: 'the calibration work order this was done under',
    }),
  ),
  technician_id: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_ID,
      description: 'admins only: record work done by another user',
    }),
  ),
  // Issue 13: the performer's electronic signature (required when the calibration policy says so).
  signature: Type.Optional(InlineSignatureBody),
});

export const PointSchema = Type.Object({
  seq: Type.Integer(),
  reference_value: Type.Number(),
  as_found: Type.Number(),
  as_left: Type.Number(),
  as_found_error_pct: Type.Number(),
  as_left_error_pct: Type.Number(),
  as_found_passed: Type.Boolean(),
  as_left_passed: Type.Boolean(),
  // Issue 13: procedure position, applied input, limits (instrument unit), verdicts, uncertainty, TUR.
  direction: Type.Optional(Nullable(Type.String())),
  nominal_pct: Type.Optional(Nullable(Type.Number())),
  input_value: Type.Optional(Nullable(Type.Number())),
  adjust_limit: Type.Optional(Nullable(Type.Number())),
  fail_limit: Type.Optional(Nullable(Type.Number())),
  acceptance_limit: Type.Optional(Nullable(Type.Number())),
  as_found_verdict: Type.Optional(Nullable(Type.String({ description: 'pass | adjust | fail' }))),
  as_left_verdict: Type.Optional(Nullable(Type.String())),
  std_uncertainty: Type.Optional(Nullable(Type.Number())),
  tur: Type.Optional(Nullable(Type.Number())),
});

export const CalibrationWarningSchema = Type.Object({
  code: Type.String({
    description: 'tur_below_4 | reduced_check_no_due_date | standard_uncertainty_unknown | ...',
  }),
  message: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const CalibrationSchema = Type.Object({
  id: Type.Integer(),
  instrument_id: Type.Integer(),
  tag: Type.String({ description: 'the position (instrument) the device held when calibrated' }),
  unit: Type.String(),
  device_id: Nullable(
    Type.Integer({ description: 'the device calibrated (installed in the position then)' }),
  ),
  device_serial_number: Nullable(Type.String()),
  device_manufacturer: Nullable(Type.String()),
  device_model: Nullable(Type.String()),
  performed_at: Type.String(),
  technician_id: Type.Integer(),
  technician_name: Type.String(),
  reference_standard_id: Nullable(Type.Integer()),
  reference_standard_identifier: Nullable(Type.String()),
  reference_standard_certificate: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  tolerance_pct: Type.Number(),
  as_found_passed: Type.Boolean(),
  as_left_passed: Type.Boolean(),
  passed: Type.Boolean(),
  outcome: Type.String({ description: 'passed | failed_as_found | failed_as_left' }),
  max_as_found_error_pct: Type.Number(),
  max_as_left_error_pct: Type.Number(),
  corrects_id: Nullable(Type.Integer()),
  corrected_by: Nullable(Type.Integer({ description: 'the user who recorded this correction' })),
  corrected_by_name: Nullable(Type.String()),
  corrected_by_id: Nullable(Type.Integer({ description: 'the record in force that corrects this one' })),
  pending_correction_id: Nullable(
    Type.Integer({
      description: 'a correction of this record awaiting an admin (this record stays in force)',
    }),
  ),
  superseded: Type.Boolean(),
  work_order_id: Nullable(Type.Integer()),
  corrective_work_order_id: Nullable(Type.Integer()),
  next_due_at: Nullable(Type.String()),
  points: Type.Array(PointSchema),
  created_at: Type.String(),
  // Issue 13 (procedures, uncertainty).
  procedure_id: Type.Optional(Nullable(Type.Integer())),
  procedure_name: Type.Optional(Nullable(Type.String())),
  procedure_revision: Type.Optional(Nullable(Type.Integer())),
  reduced_check: Type.Optional(Type.Boolean()),
  resets_due_date: Type.Optional(Type.Boolean()),
  hysteresis_as_found_pct: Type.Optional(Nullable(Type.Number())),
  hysteresis_as_left_pct: Type.Optional(Nullable(Type.Number())),
  repeatability_as_found_pct: Type.Optional(Nullable(Type.Number())),
  repeatability_as_left_pct: Type.Optional(Nullable(Type.Number())),
  reference_certificate_id: Type.Optional(Nullable(Type.Integer())),
  reference_standard_uncertainty: Type.Optional(Nullable(Type.String())),
  min_tur: Type.Optional(Nullable(Type.Number())),
  // Issue 18: records imported from a plant's spreadsheets.
  import_kind: Type.Optional(
    Nullable(
      Type.String({ description: 'history (imported with points) | summary (imported, no test points)' }),
    ),
  ),
  performed_by_name: Type.Optional(Nullable(Type.String())),
  reference_standard_text: Type.Optional(Nullable(Type.String())),
  warnings: Type.Optional(
    Type.Array(CalibrationWarningSchema, { description: 'on the response that recorded it' }),
  ),
});

const NullNum = Nullable(Type.Number());

export const CalibrationIntervalSchema = Type.Object({
  instrument_id: Type.Integer(),
  tag: Type.String(),
  tolerance_pct: Type.Number(),
  last_calibration_at: Nullable(Type.String()),
  fixed_interval_days: Type.Integer(),
  predicted_interval_days: Nullable(Type.Integer()),
  predicted_interval_updated_at: Nullable(Type.String()),
  use_predicted_interval: Type.Boolean(),
  effective_interval_days: Type.Integer(),
  next_due_fixed: Type.String(),
  next_due_predicted: Nullable(Type.String()),
  next_calibration_due: Type.String(),
  prediction: Type.Object({
    predicted_interval_days: Nullable(Type.Integer()),
    basis: Type.String({
      description: 'as_found_history | cusum_drift | no_measurable_drift | insufficient_data',
    }),
    history_rate_pct_per_day: NullNum,
    cusum_rate_pct_per_day: NullNum,
    rate_used_pct_per_day: NullNum,
    starting_error_pct: NullNum,
    headroom_pct: NullNum,
    days_to_tolerance: NullNum,
    clamped: Nullable(Type.String()),
    safety_factor: Type.Number(),
    min_days: Type.Integer(),
    max_days: Type.Integer(),
    explanation: Type.String(),
  }),
});

export const CorrectionSchema = Type.Object({
  id: Type.Integer(),
  calibration_id: Type.Integer({ description: 'the record this correction would supersede' }),
  instrument_id: Type.Integer(),
  tag: Type.String(),
  unit: Type.String(),
  status: Type.String({ description: 'pending | approved | rejected' }),
  requested_by: Type.Integer(),
  requested_by_name: Type.String(),
  requested_at: Type.String(),
  technician_id: Type.Integer({
    description: 'the performer of the original record, kept by the correction',
  }),
  performed_at: Type.String(),
  reference_standard_id: Type.Integer(),
  notes: Nullable(Type.String()),
  passed: Type.Boolean(),
  as_found_passed: Type.Boolean(),
  as_left_passed: Type.Boolean(),
  max_as_found_error_pct: Type.Number(),
  max_as_left_error_pct: Type.Number(),
  points: Type.Array(PointSchema),
  reviewed_by: Nullable(Type.Integer()),
  reviewed_by_name: Nullable(Type.String()),
  reviewed_at: Nullable(Type.String()),
  review_notes: Nullable(Type.String()),
  record_id: Nullable(Type.Integer({ description: 'the correcting calibration record, once approved' })),
});

export const ApproveCorrectionBody = Type.Object(
  { notes: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

export const RejectCorrectionBody = Type.Object(
  {
    notes: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S', description: 'why it is rejected' }),
  },
  { additionalProperties: false },
);
