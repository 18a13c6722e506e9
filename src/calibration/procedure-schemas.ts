import { Type } from 'typebox';
import { Nullable, StrictObject, StrictPatch } from '../http/schemas.ts';

const Limit = Type.Number({ exclusiveMinimum: 0, maximum: 1e9 });

export const ToleranceRuleBody = StrictObject({
  mode: Type.Union(
    [Type.Literal('pct_span'), Type.Literal('pct_reading'), Type.Literal('pct_urv'), Type.Literal('units')],
    { description: '% of span, % of reading, % of upper range value, or engineering units' },
  ),
  fail_limit: Limit,
  adjust_limit: Type.Optional(Nullable(Limit)),
  floor: Type.Optional(Nullable(Limit)),
  guard_band_pct: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 50 }))),
  guard_band_uncertainty: Type.Optional(Nullable(Type.Boolean())),
});

const Finite = Type.Number({ minimum: -1e9, maximum: 1e9 });

export const TransferFunctionBody = Type.Union([
  StrictObject({
    kind: Type.Union([Type.Literal('linear'), Type.Literal('sqrt')]),
    input_min: Finite,
    input_max: Finite,
    input_unit: Type.String({ minLength: 1, maxLength: 20, pattern: '\\S' }),
  }),
  StrictObject({ kind: Type.Union([Type.Literal('pt100'), Type.Literal('type_k')]) }),
]);

const fields = {
  name: Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' }),
  description: Nullable(Type.String({ maxLength: 2000 })),
  test_points: Type.Array(Type.Number({ minimum: 0, maximum: 100 }), {
    minItems: 1,
    maxItems: 21,
    description: 'test points in % of span, e.g. [0, 25, 50, 75, 100]',
  }),
  direction: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('up_down')]),
  cycles: Type.Integer({ minimum: 1, maximum: 5 }),
  tolerance: ToleranceRuleBody,
  transfer_function: Nullable(TransferFunctionBody),
  allow_reduced_check: Type.Boolean({
    description: 'whether a check at fewer points than the procedure may reset the due date',
  }),
};

export const CreateProcedureBody = StrictObject({
  name: fields.name,
  description: Type.Optional(fields.description),
  test_points: fields.test_points,
  direction: fields.direction,
  cycles: Type.Optional(fields.cycles),
  tolerance: fields.tolerance,
  transfer_function: Type.Optional(fields.transfer_function),
  allow_reduced_check: Type.Optional(fields.allow_reduced_check),
});

export const PatchProcedureBody = StrictPatch(fields);

const ToleranceRuleOut = Type.Object({
  mode: Type.String(),
  fail_limit: Type.Number(),
  adjust_limit: Type.Optional(Nullable(Type.Number())),
  floor: Type.Optional(Nullable(Type.Number())),
  guard_band_pct: Type.Optional(Nullable(Type.Number())),
  guard_band_uncertainty: Type.Optional(Nullable(Type.Boolean())),
});

export const ProcedureSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Nullable(Type.String()),
  revision: Type.Integer(),
  test_points: Type.Array(Type.Number()),
  direction: Type.String(),
  cycles: Type.Integer(),
  tolerance: ToleranceRuleOut,
  transfer_function: Nullable(
    Type.Object({
      kind: Type.String(),
      input_min: Type.Optional(Type.Number()),
      input_max: Type.Optional(Type.Number()),
      input_unit: Type.Optional(Type.String()),
    }),
  ),
  allow_reduced_check: Type.Boolean(),
  sequence: Type.Array(Type.Object({ nominal_pct: Type.Number(), direction: Type.String() })),
  created_at: Type.String(),
  updated_at: Type.String(),
  deleted_at: Nullable(Type.String()),
});

export const AssignProcedureBody = StrictObject({
  procedure_id: Nullable(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
});

export const InstrumentProcedureSchema = Type.Object({
  instrument_id: Type.Integer(),
  source: Type.String({ description: 'instrument | type | none' }),
  procedure: Nullable(ProcedureSchema),
});
