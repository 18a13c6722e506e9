import type { Kysely, Selectable } from 'kysely';
import type { DB, InstrumentsTable } from '../db/schema.ts';
import { ValidationError } from '../shared/errors.ts';
import { assertPointsInRange, type Direction, type ResolvedPoint } from './point-errors.ts';
import {
  type NominalPoint,
  nominalApplied,
  POINT_MATCH_PCT,
  type ProcedureSpec,
  procedureSequence,
} from './procedure-points.ts';
import { effectiveProcedure, specOf } from './procedures.ts';
import { accuracyClassRule, MIN_TUR, type ToleranceRule } from './tolerances.ts';
import { expectedOutput, inputSpan, inputUnit, type TransferFunction } from './transfer-functions.ts';
import { uncertaintyAtPoint } from './uncertainty.ts';

// What a calibration's points must be under the instrument's procedure (issue 13 item 2), how
// each resolves to an expected output (transfer function, item 3) and carries the standard's
// uncertainty (item 4). recordCalibration calls preparePoints once, before it computes verdicts.

/** A test point as submitted: the expected output directly, or the applied input through the procedure. */
export interface RawPoint {
  reference_value?: number;
  input_value?: number;
  direction?: Direction;
  as_found: number;
  as_left: number;
}

export interface CalibrationWarning {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface PreparedPoints {
  procedure: { id: number; name: string; revision: number } | null;
  spec: ProcedureSpec | null;
  rule: ToleranceRule;
  points: ResolvedPoint[];
  reduced_check: boolean;
  resets_due_date: boolean;
  warnings: CalibrationWarning[];
}

type Inst = Pick<
  Selectable<InstrumentsTable>,
  'id' | 'type' | 'tag' | 'unit' | 'range_min' | 'range_max' | 'accuracy_class'
>;

const fmt = (v: number) => String(Number(v.toPrecision(6)));
const DIR_WORD: Record<Direction, string> = { up: 'going up', down: 'going down' };

function describeSequence(seq: NominalPoint[]) {
  return seq.map((s) => `${fmt(s.nominal_pct)} % ${s.direction}`).join(', ');
}

/** Resolves each point's expected output; a transfer function takes input_value, otherwise reference_value. */
function resolve(raw: readonly RawPoint[], tf: TransferFunction | null, inst: Inst, procName: string | null) {
  return raw.map((p, i) => {
    if (tf) {
      if (p.input_value === undefined) {
        throw new ValidationError(
          `points.${i}.input_value`,
          `procedure "${procName}" converts an input in ${inputUnit(tf)} into ${inst.unit}: give input_value (the applied input) for point ${i + 1}`,
        );
      }
      if (p.reference_value !== undefined) {
        throw new ValidationError(
          `points.${i}.reference_value`,
          `point ${i + 1}: the reference value is computed from input_value by the procedure's ${tf.kind} transfer function; leave reference_value out`,
        );
      }
      return { applied: p.input_value, reference: expectedOutput(tf, p.input_value, inst) };
    }
    if (p.input_value !== undefined) {
      throw new ValidationError(
        `points.${i}.input_value`,
        `point ${i + 1}: input_value applies only under a procedure with a transfer function; give reference_value`,
      );
    }
    if (p.reference_value === undefined) {
      throw new ValidationError(`points.${i}.reference_value`, `point ${i + 1} needs a reference_value`);
    }
    return { applied: p.reference_value, reference: p.reference_value };
  });
}

/** Points and their nominal positions under a procedure: all of them in order, or a subset for a reduced check. */
function matchProcedure(
  raw: readonly RawPoint[],
  applied: number[],
  spec: ProcedureSpec,
  name: string,
  inst: Inst,
  reduced: boolean,
): NominalPoint[] {
  const tf = spec.transfer_function;
  const seq = procedureSequence(spec);
  const span = tf ? inputSpan(tf, inst) : inst.range_max - inst.range_min;
  const unit = tf ? inputUnit(tf) : inst.unit;
  const near = (v: number, n: NominalPoint) =>
    Math.abs(v - nominalApplied(n.nominal_pct, tf, inst)) <= (POINT_MATCH_PCT / 100) * span + 1e-9;
  const field = tf ? 'input_value' : 'reference_value';
  if (!reduced) {
    if (raw.length !== seq.length) {
      throw new ValidationError(
        'points',
        `procedure "${name}" takes ${seq.length} points (${describeSequence(seq)} of span); got ${raw.length}. ` +
          'A check at fewer points is sent with reduced_check: true.',
        { expected: seq },
      );
    }
    return seq.map((n, i) => {
      if (!near(applied[i], n)) {
        throw new ValidationError(
          `points.${i}.${field}`,
          `point ${i + 1} should be at ${fmt(n.nominal_pct)} % of span (${fmt(nominalApplied(n.nominal_pct, tf, inst))} ${unit}) ` +
            `${DIR_WORD[n.direction]}, within ±${POINT_MATCH_PCT} % of span; got ${fmt(applied[i])} ${unit}`,
          { expected: n },
        );
      }
      const d = raw[i].direction;
      if (d && d !== n.direction) {
        throw new ValidationError(
          `points.${i}.direction`,
          `point ${i + 1} is taken ${DIR_WORD[n.direction]} in procedure "${name}"`,
        );
      }
      return n;
    });
  }
  if (raw.length >= seq.length) {
    throw new ValidationError(
      'reduced_check',
      `a reduced check has fewer points than procedure "${name}" (${seq.length})`,
    );
  }
  return raw.map((p, i) => {
    const found =
      seq.find((n) => near(applied[i], n) && (!p.direction || p.direction === n.direction)) ?? null;
    if (!found) {
      throw new ValidationError(
        `points.${i}.${field}`,
        `point ${i + 1} (${fmt(applied[i])} ${unit}) is not one of procedure "${name}"'s test points (${describeSequence(seq)} of span)`,
      );
    }
    return found;
  });
}

export async function preparePoints(
  db: Kysely<DB>,
  inst: Inst,
  raw: readonly RawPoint[],
  opts: { reduced_check?: boolean },
  certificate: {
    certificate_number: string;
    uncertainty_value: number | null;
    uncertainty_unit: string | null;
  } | null,
): Promise<PreparedPoints> {
  const { row } = await effectiveProcedure(db, inst);
  const spec = row ? specOf(row) : null;
  const tf = spec?.transfer_function ?? null;
  const resolved = resolve(raw, tf, inst, row?.name ?? null);
  const warnings: CalibrationWarning[] = [];

  let nominals: (NominalPoint | null)[] = raw.map(() => null);
  let reduced: boolean;
  if (spec && row) {
    reduced = opts.reduced_check === true;
    nominals = matchProcedure(
      raw,
      resolved.map((r) => r.applied),
      spec,
      row.name,
      inst,
      reduced,
    );
  } else {
    assertPointsInRange(
      resolved.map((r, i) => ({
        reference_value: r.reference,
        as_found: raw[i].as_found,
        as_left: raw[i].as_left,
      })),
      inst,
    );
    // Without a procedure a check at one reference value is not a calibration of the range.
    reduced = opts.reduced_check === true || new Set(resolved.map((r) => r.reference)).size < 2;
  }
  const resets = !reduced || (spec?.allow_reduced_check ?? false);
  if (reduced && !resets) {
    warnings.push({
      code: 'reduced_check_no_due_date',
      message: spec
        ? `a reduced check under procedure "${row?.name}", which does not allow one to reset the due date: the due date stays`
        : 'a check at a single reference value is recorded but does not reset the due date',
    });
  }

  const u =
    certificate && certificate.uncertainty_value !== null && certificate.uncertainty_unit
      ? { value: certificate.uncertainty_value, unit: certificate.uncertainty_unit }
      : null;
  const appliedUnit = tf ? inputUnit(tf) : inst.unit;
  const points: ResolvedPoint[] = resolved.map((r, i) => ({
    reference_value: Number(r.reference.toPrecision(12)),
    as_found: raw[i].as_found,
    as_left: raw[i].as_left,
    direction: nominals[i]?.direction ?? raw[i].direction ?? null,
    nominal_pct: nominals[i]?.nominal_pct ?? null,
    input_value: tf ? r.applied : null,
    std_uncertainty: uncertaintyAtPoint(u, r.applied, appliedUnit, tf, inst),
  }));
  if (!u) {
    warnings.push({
      code: 'standard_uncertainty_unknown',
      message: `the reference standard's certificate${certificate ? ` ${certificate.certificate_number}` : ''} states no uncertainty: no TUR computed`,
    });
  } else if (points.some((p) => p.std_uncertainty === null) && !tf) {
    warnings.push({
      code: 'uncertainty_unit_mismatch',
      message: `the standard's uncertainty is in ${u.unit}, which does not convert to ${appliedUnit}: no TUR computed`,
    });
  }
  return {
    procedure: row ? { id: row.id, name: row.name, revision: row.revision } : null,
    spec,
    rule: spec?.tolerance ?? accuracyClassRule(inst.accuracy_class),
    points,
    reduced_check: reduced,
    resets_due_date: resets,
    warnings,
  };
}

/** A TUR below 4:1 at any point is a warning on the response (the record is still stored). */
export function turWarning(
  points: readonly { seq: number; tur: number | null }[],
): CalibrationWarning | null {
  const low = points.filter((p) => p.tur !== null && p.tur < MIN_TUR);
  if (low.length === 0) return null;
  const min = Math.min(...low.map((p) => p.tur as number));
  return {
    code: 'tur_below_4',
    message: `test uncertainty ratio ${min}:1 is below 4:1 at ${low.length} point(s) (${low.map((p) => p.seq + 1).join(', ')}): the standard's uncertainty takes a large share of the tolerance`,
    details: { min_tur: min, points: low.map((p) => p.seq) },
  };
}
