import { describe, expect, it } from 'vitest';
import { computePoints, errorPctOfSpan } from './point-errors.ts';

describe('calibration point errors', () => {
  it('expresses the error as % of span: (value - reference) / (max - min) x 100', () => {
    expect(errorPctOfSpan(7.58, 7.5, 0, 10)).toBe(0.8);
    expect(errorPctOfSpan(-9.9, -10, -10, 50)).toBeCloseTo(0.166667, 6);
    expect(errorPctOfSpan(99.5, 100, 0, 250)).toBe(-0.2);
  });

  it('passes a point exactly at the tolerance and fails one just beyond it', () => {
    const r = computePoints(
      [
        { reference_value: 0, as_found: 0.05, as_left: 0 },
        { reference_value: 5, as_found: 5.0501, as_left: 5 },
      ],
      { range_min: 0, range_max: 10 },
      0.5,
    );
    expect(r.points.map((p) => p.as_found_passed)).toEqual([true, false]);
    expect(r).toMatchObject({
      as_found_passed: false,
      as_left_passed: true,
      passed: false,
      max_as_found_error_pct: 0.501,
    });
  });

  it('takes the worst point of either direction for the record', () => {
    const r = computePoints(
      [
        { reference_value: 2.5, as_found: 2.47, as_left: 2.51 },
        { reference_value: 2.5, as_found: 2.53, as_left: 2.48 },
      ],
      { range_min: 0, range_max: 10 },
      0.5,
    );
    expect(r.points.map((p) => [p.seq, p.as_found_error_pct, p.as_left_error_pct])).toEqual([
      [0, -0.3, 0.1],
      [1, 0.3, -0.2],
    ]);
    expect(r).toMatchObject({ passed: true, max_as_found_error_pct: 0.3, max_as_left_error_pct: 0.2 });
  });
});
