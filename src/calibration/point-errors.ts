import { ValidationError } from '../shared/errors.ts';
import { pointLimits, type ToleranceRule, testUncertaintyRatio, type Verdict } from './tolerances.ts';

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

// ---- Procedure-driven evaluation (issue 13): limits per point, two levels, guard band, TUR ----

export type Direction = 'up' | 'down';

/** A test point with its expected output resolved (through the transfer function, if any). */
export interface ResolvedPoint extends PointInput {
  direction?: Direction | null;
  /** The test point in % of span the procedure asked for. */
  nominal_pct?: number | null;
  /** The applied input, when the transmitter's input differs from its output. */
  input_value?: number | null;
  /** The standard's expanded uncertainty at this point, in the instrument's unit. */
  std_uncertainty?: number | null;
}

export interface EvaluatedPoint extends ComputedPoint {
  direction: Direction | null;
  nominal_pct: number | null;
  input_value: number | null;
  adjust_limit: number | null;
  fail_limit: number;
  acceptance_limit: number;
  as_found_verdict: Verdict;
  as_left_verdict: Verdict;
  std_uncertainty: number | null;
  tur: number | null;
}

export interface SpreadFigures {
  /** Largest |error going up - error going down| at one test point, % of span (null: one direction only). */
  hysteresis_as_found_pct: number | null;
  hysteresis_as_left_pct: number | null;
  /** Largest spread of repeated readings at one point in one direction, % of span (null: no repeats). */
  repeatability_as_found_pct: number | null;
  repeatability_as_left_pct: number | null;
}

export interface EvaluatedResult extends SpreadFigures {
  points: EvaluatedPoint[];
  as_found_passed: boolean;
  as_left_passed: boolean;
  passed: boolean;
  max_as_found_error_pct: number;
  max_as_left_error_pct: number;
  /** The lowest TUR over the points (null when the standard has no uncertainty). */
  min_tur: number | null;
  /** The tightest acceptance limit as % of span (what the record's tolerance_pct holds). */
  tolerance_pct: number;
}

function judge(
  errorPct: number,
  limits: { adjust: number | null; acceptance: number },
  span: number,
): Verdict {
  if (!withinTolerance(errorPct, round6((limits.acceptance / span) * 100))) return 'fail';
  if (limits.adjust !== null && !withinTolerance(errorPct, round6((limits.adjust / span) * 100)))
    return 'adjust';
  return 'pass';
}

/**
 * Every point's errors (% of span), limits in the instrument's unit, verdicts (pass, adjust, fail)
 * and TUR, and the record's hysteresis and repeatability. A point passes unless its verdict is fail.
 */
export function evaluatePoints(
  input: readonly ResolvedPoint[],
  range: { range_min: number; range_max: number },
  rule: ToleranceRule,
): EvaluatedResult {
  const span = range.range_max - range.range_min;
  const dirs = input.some((p) => p.direction)
    ? input.map((p) => p.direction ?? null)
    : inferDirections(input);
  const points: EvaluatedPoint[] = input.map((p, seq) => {
    const u = p.std_uncertainty ?? null;
    const limits = pointLimits(rule, range, p.reference_value, u);
    const as_found_error_pct = errorPctOfSpan(
      p.as_found,
      p.reference_value,
      range.range_min,
      range.range_max,
    );
    const as_left_error_pct = errorPctOfSpan(p.as_left, p.reference_value, range.range_min, range.range_max);
    const as_found_verdict = judge(as_found_error_pct, limits, span);
    const as_left_verdict = judge(as_left_error_pct, limits, span);
    return {
      seq,
      reference_value: p.reference_value,
      as_found: p.as_found,
      as_left: p.as_left,
      as_found_error_pct,
      as_left_error_pct,
      as_found_passed: as_found_verdict !== 'fail',
      as_left_passed: as_left_verdict !== 'fail',
      direction: dirs[seq],
      nominal_pct: p.nominal_pct ?? round6(((p.reference_value - range.range_min) / span) * 100),
      input_value: p.input_value ?? null,
      adjust_limit: limits.adjust === null ? null : round6(limits.adjust),
      fail_limit: round6(limits.fail),
      acceptance_limit: round6(limits.acceptance),
      as_found_verdict,
      as_left_verdict,
      std_uncertainty: u === null ? null : round6(u),
      tur: testUncertaintyRatio(limits.fail, u),
    };
  });
  const as_found_passed = points.every((p) => p.as_found_passed);
  const as_left_passed = points.every((p) => p.as_left_passed);
  const turs = points.map((p) => p.tur).filter((t): t is number => t !== null);
  return {
    points,
    as_found_passed,
    as_left_passed,
    passed: as_found_passed && as_left_passed,
    max_as_found_error_pct: Math.max(...points.map((p) => Math.abs(p.as_found_error_pct))),
    max_as_left_error_pct: Math.max(...points.map((p) => Math.abs(p.as_left_error_pct))),
    min_tur: turs.length ? Math.min(...turs) : null,
    tolerance_pct: Math.min(...points.map((p) => round6((p.acceptance_limit / span) * 100))),
    ...spreadFigures(points),
  };
}

/** Without a procedure: a point above the previous one was approached going up, below it going down. */
export function inferDirections(points: readonly PointInput[]): (Direction | null)[] {
  return points.map((p, i) => {
    const prev = points[i - 1];
    const next = points[i + 1];
    if (prev && p.reference_value !== prev.reference_value)
      return p.reference_value > prev.reference_value ? 'up' : 'down';
    if (next && p.reference_value !== next.reference_value)
      return next.reference_value > p.reference_value ? 'up' : 'down';
    return null;
  });
}

/**
 * Hysteresis: at each test point, the difference between the mean error approached going up and
 * going down. Repeatability: at each point and direction, the spread (max - min) of repeated readings.
 * Both the largest over the points, in % of span.
 */
export function spreadFigures(
  points: readonly {
    nominal_pct: number | null;
    direction: Direction | null;
    as_found_error_pct: number;
    as_left_error_pct: number;
  }[],
): SpreadFigures {
  const groups = new Map<string, { found: number[]; left: number[] }>();
  for (const p of points) {
    if (p.nominal_pct === null || p.direction === null) continue;
    const key = `${Math.round(p.nominal_pct * 1000) / 1000}|${p.direction}`;
    const g = groups.get(key) ?? { found: [], left: [] };
    g.found.push(p.as_found_error_pct);
    g.left.push(p.as_left_error_pct);
    groups.set(key, g);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  let hf: number | null = null;
  let hl: number | null = null;
  let rf: number | null = null;
  let rl: number | null = null;
  for (const [key, g] of groups) {
    const [nominal, dir] = key.split('|');
    if (dir === 'up') {
      const down = groups.get(`${nominal}|down`);
      if (down) {
        hf = Math.max(hf ?? 0, round6(Math.abs(mean(g.found) - mean(down.found))));
        hl = Math.max(hl ?? 0, round6(Math.abs(mean(g.left) - mean(down.left))));
      }
    }
    if (g.found.length > 1) {
      rf = Math.max(rf ?? 0, round6(Math.max(...g.found) - Math.min(...g.found)));
      rl = Math.max(rl ?? 0, round6(Math.max(...g.left) - Math.min(...g.left)));
    }
  }
  return {
    hysteresis_as_found_pct: hf,
    hysteresis_as_left_pct: hl,
    repeatability_as_found_pct: rf,
    repeatability_as_left_pct: rl,
  };
}
