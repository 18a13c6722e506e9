import { describe, expect, it } from 'vitest';
import { evaluatePoints, spreadFigures } from './point-errors.ts';
import { procedureSequence } from './procedure-points.ts';
import { limitInUnits, pointLimits, testUncertaintyRatio } from './tolerances.ts';

const range = { range_min: 0, range_max: 10 };

describe('tolerance rules', () => {
  it('turns each mode into a limit in engineering units', () => {
    expect(limitInUnits('pct_span', 0.5, range, 5)).toBeCloseTo(0.05, 12);
    expect(limitInUnits('pct_reading', 1, range, 5)).toBeCloseTo(0.05, 12);
    expect(limitInUnits('pct_reading', 1, range, 0, 0.01)).toBe(0.01);
    expect(limitInUnits('pct_urv', 1, { range_min: -5, range_max: 20 }, 3)).toBeCloseTo(0.2, 12);
    expect(limitInUnits('units', 0.02, range, 5)).toBe(0.02);
  });

  it('guard band narrows the fail limit by a share of it and by the uncertainty', () => {
    const l = pointLimits(
      {
        mode: 'pct_span',
        fail_limit: 1,
        adjust_limit: 0.5,
        guard_band_pct: 10,
        guard_band_uncertainty: true,
      },
      range,
      5,
      0.02,
    );
    expect(l.fail).toBeCloseTo(0.1, 12);
    expect(l.adjust).toBeCloseTo(0.05, 12);
    expect(l.acceptance).toBeCloseTo(0.1 - 0.01 - 0.02, 12);
  });

  it('TUR is tolerance over uncertainty, null without an uncertainty', () => {
    expect(testUncertaintyRatio(0.05, 0.01)).toBe(5);
    expect(testUncertaintyRatio(0.05, 0.02)).toBe(2.5);
    expect(testUncertaintyRatio(0.05, null)).toBeNull();
  });

  it('verdicts with two levels: pass, adjust (still passes), fail beyond the guarded limit', () => {
    const rule = { mode: 'pct_span' as const, fail_limit: 1, adjust_limit: 0.5, guard_band_pct: 20 };
    const r = evaluatePoints(
      [
        { reference_value: 5, as_found: 5.04, as_left: 5 }, // 0.4 %: pass
        { reference_value: 5, as_found: 5.07, as_left: 5 }, // 0.7 %: adjust
        { reference_value: 5, as_found: 5.09, as_left: 5.08 }, // 0.9 %: inside 1 % but in the guard band (0.8 %)
      ],
      range,
      rule,
    );
    expect(r.points.map((p) => p.as_found_verdict)).toEqual(['pass', 'adjust', 'fail']);
    expect(r.points.map((p) => p.as_left_verdict)).toEqual(['pass', 'pass', 'adjust']);
    expect(r.as_found_passed).toBe(false);
    expect(r.as_left_passed).toBe(true);
    expect(r.tolerance_pct).toBeCloseTo(0.8, 9);
  });

  it('hysteresis and repeatability from an up-and-down sequence run twice', () => {
    const seq = procedureSequence({ test_points: [0, 50, 100], direction: 'up_down', cycles: 2 });
    expect(seq.map((s) => `${s.nominal_pct}${s.direction[0]}`)).toEqual([
      '0u',
      '50u',
      '100u',
      '50d',
      '0d',
      '0u',
      '50u',
      '100u',
      '50d',
      '0d',
    ]);
    // Going up reads 0.1 % low, going down 0.1 % high; the second cycle 0.05 % further up.
    const errs = [-0.1, -0.1, 0, 0.1, 0.1, -0.05, -0.05, 0.05, 0.15, 0.15];
    const s = spreadFigures(
      seq.map((p, i) => ({ ...p, as_found_error_pct: errs[i], as_left_error_pct: errs[i] / 2 })),
    );
    expect(s.hysteresis_as_found_pct).toBeCloseTo(0.2, 9);
    expect(s.repeatability_as_found_pct).toBeCloseTo(0.05, 9);
    expect(s.hysteresis_as_left_pct).toBeCloseTo(0.1, 9);
    const up = spreadFigures([
      { nominal_pct: 0, direction: 'up', as_found_error_pct: 1, as_left_error_pct: 1 },
    ]);
    expect(up).toEqual({
      hysteresis_as_found_pct: null,
      hysteresis_as_left_pct: null,
      repeatability_as_found_pct: null,
      repeatability_as_left_pct: null,
    });
  });
});
