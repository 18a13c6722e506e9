import { ValidationError } from '../shared/errors.ts';

/** One test point as entered, in engineering units. */
export interface PointInput {
  reference_value: number;
  as_found: number;
  as_left: number;
}

export interface ComputedPoint extends PointInput {
  seq: number;
  as_found_error_pct: number;
  as_left_error_pct: number;
  as_found_passed: boolean;
  as_left_passed: boolean;
}

export interface PointsResult {
  points: ComputedPoint[];
  as_found_passed: boolean;
  as_left_passed: boolean;
  /** Both as-found and as-left within tolerance at every point. */
  passed: boolean;
  max_as_found_error_pct: number;
  max_as_left_error_pct: number;
}

// Errors are stored to 1e-6 % of span; the comparison allows for the float noise of the division
// so a point exactly at the tolerance passes, as a technician reading the numbers would expect.
const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
const EPS = 1e-9;

/** Error in % of span: (value - reference) / (range_max - range_min) x 100. */
export function errorPctOfSpan(value: number, reference: number, rangeMin: number, rangeMax: number): number {
  return round6(((value - reference) / (rangeMax - rangeMin)) * 100);
}

export const withinTolerance = (errorPct: number, tolerancePct: number) =>
  Math.abs(errorPct) <= tolerancePct + EPS;

/** Computes each point's as-found / as-left error and verdict against the tolerance (% of span). */
export function computePoints(
  input: PointInput[],
  range: { range_min: number; range_max: number },
  tolerancePct: number,
): PointsResult {
  const points = input.map((p, seq) => {
    const as_found_error_pct = errorPctOfSpan(
      p.as_found,
      p.reference_value,
      range.range_min,
      range.range_max,
    );
    const as_left_error_pct = errorPctOfSpan(p.as_left, p.reference_value, range.range_min, range.range_max);
    return {
      seq,
      reference_value: p.reference_value,
      as_found: p.as_found,
      as_left: p.as_left,
      as_found_error_pct,
      as_left_error_pct,
      as_found_passed: withinTolerance(as_found_error_pct, tolerancePct),
      as_left_passed: withinTolerance(as_left_error_pct, tolerancePct),
    };
  });
  const as_found_passed = points.every((p) => p.as_found_passed);
  const as_left_passed = points.every((p) => p.as_left_passed);
  return {
    points,
    as_found_passed,
    as_left_passed,
    passed: as_found_passed && as_left_passed,
    max_as_found_error_pct: Math.max(...points.map((p) => Math.abs(p.as_found_error_pct))),
    max_as_left_error_pct: Math.max(...points.map((p) => Math.abs(p.as_left_error_pct))),
  };
}

/** A reference outside the range (beyond a 10 % overrange check) is a typing slip, not a test point. */
export function assertPointsInRange(
  points: readonly PointInput[],
  inst: { range_min: number; range_max: number; unit: string },
): void {
  const span = inst.range_max - inst.range_min;
  points.forEach((p, i) => {
    if (p.reference_value < inst.range_min - 0.1 * span || p.reference_value > inst.range_max + 0.1 * span) {
      throw new ValidationError(
        `points.${i}.reference_value`,
        `points[${i}].reference_value ${p.reference_value} lies outside the range ${inst.range_min} to ${inst.range_max} ${inst.unit}`,
      );
    }
  });
}
