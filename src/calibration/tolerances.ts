// Tolerance rules of a calibration procedure, turned into limits (in the instrument's unit) at a
// test point and a verdict. Pure, shared with the web modal.
//   pct_span     limit = v % x (range_max - range_min)
//   pct_reading  limit = max(v % x |expected reading|, floor)
//   pct_urv      limit = v % x |range_max| (upper range value)
//   units        limit = v (engineering units)
// Two levels: the adjust limit (optional; beyond it the instrument passes but should be adjusted)
// and the fail limit. Guard banding narrows the fail limit to an acceptance limit by a share of the
// limit and/or the reference standard's expanded uncertainty (guarded acceptance, ILAC-G8): a
// reading inside the fail limit but inside the guard band is not accepted.

export type ToleranceMode = 'pct_span' | 'pct_reading' | 'pct_urv' | 'units';
export const TOLERANCE_MODES: readonly ToleranceMode[] = ['pct_span', 'pct_reading', 'pct_urv', 'units'];

export interface ToleranceRule {
  mode: ToleranceMode;
  fail_limit: number;
  adjust_limit?: number | null;
  /** pct_reading only: the least limit, in engineering units (a % of a reading near zero is nothing). */
  floor?: number | null;
  /** Guard band as % of the fail limit (0-50). */
  guard_band_pct?: number | null;
  /** Subtract the standard's expanded uncertainty from the fail limit too. */
  guard_band_uncertainty?: boolean | null;
}

export type Verdict = 'pass' | 'adjust' | 'fail';

export interface PointLimits {
  adjust: number | null;
  fail: number;
  /** The fail limit less the guard band: what a reading must stay within to pass. */
  acceptance: number;
}

interface Range {
  range_min: number;
  range_max: number;
}

export function limitInUnits(
  mode: ToleranceMode,
  value: number,
  range: Range,
  expected: number,
  floor?: number | null,
): number {
  switch (mode) {
    case 'pct_span':
      return (value / 100) * (range.range_max - range.range_min);
    case 'pct_reading':
      return Math.max((value / 100) * Math.abs(expected), floor ?? 0);
    case 'pct_urv':
      return (value / 100) * Math.abs(range.range_max);
    case 'units':
      return value;
  }
}

/** The limits at a test point whose expected output is `expected`; `uncertainty` in the same unit. */
export function pointLimits(
  rule: ToleranceRule,
  range: Range,
  expected: number,
  uncertainty: number | null,
): PointLimits {
  const fail = limitInUnits(rule.mode, rule.fail_limit, range, expected, rule.floor);
  const adjust =
    rule.adjust_limit === undefined || rule.adjust_limit === null
      ? null
      : limitInUnits(rule.mode, rule.adjust_limit, range, expected, rule.floor);
  let guard = (fail * (rule.guard_band_pct ?? 0)) / 100;
  if (rule.guard_band_uncertainty && uncertainty !== null) guard += uncertainty;
  return { adjust, fail, acceptance: Math.max(0, fail - guard) };
}

/** The rule every instrument without a procedure has: ± its accuracy class, % of span. */
export const accuracyClassRule = (accuracyClass: number): ToleranceRule => ({
  mode: 'pct_span',
  fail_limit: accuracyClass,
});

/** Test uncertainty ratio: the tolerance (fail limit) over the standard's expanded uncertainty. */
export function testUncertaintyRatio(failLimit: number, uncertainty: number | null): number | null {
  if (uncertainty === null || !(uncertainty > 0) || !Number.isFinite(uncertainty)) return null;
  return Math.round((failLimit / uncertainty) * 100) / 100;
}

/** Below 4:1 the standard's own error eats too much of the tolerance (the usual 4:1 rule). */
export const MIN_TUR = 4;

export function describeRule(rule: ToleranceRule, unit: string): string {
  const what: Record<ToleranceMode, string> = {
    pct_span: '% of span',
    pct_reading: '% of reading',
    pct_urv: '% of URV',
    units: unit,
  };
  const lim = (v: number) => `±${v} ${what[rule.mode]}`;
  const parts = [`fail ${lim(rule.fail_limit)}`];
  if (rule.adjust_limit !== undefined && rule.adjust_limit !== null)
    parts.unshift(`adjust ${lim(rule.adjust_limit)}`);
  if (rule.mode === 'pct_reading' && rule.floor) parts.push(`floor ${rule.floor} ${unit}`);
  if (rule.guard_band_pct) parts.push(`guard band ${rule.guard_band_pct} % of limit`);
  if (rule.guard_band_uncertainty) parts.push('guard band = standard uncertainty');
  return parts.join(', ');
}
