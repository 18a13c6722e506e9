import { describe, expect, it } from 'vitest';
import { historyDriftRate, predictInterval } from './interval-prediction.ts';

const DAY = 86_400_000;
const at = (day: number) => new Date(Date.UTC(2026, 0, 1) + day * DAY).toISOString();
const cal = (day: number, found: number, left: number) => ({
  performed_at: at(day),
  max_as_found_error_pct: found,
  max_as_left_error_pct: left,
});

describe('condition-based calibration interval', () => {
  it('needs two calibrations or a drift alert', () => {
    const p = predictInterval({
      tolerance_pct: 0.5,
      fixed_interval_days: 180,
      calibrations: [cal(0, 0.1, 0)],
      drift: [],
    });
    expect(p).toMatchObject({ predicted_interval_days: null, basis: 'insufficient_data' });
  });

  it('uses the error growth between as-left and the next as-found, with the safety factor', () => {
    // 0.05 left, found at 0.35 after 100 days: 0.003 %/day; (0.5 - 0.1) / 0.003 = 133.3 days; x 0.8 = 106.
    const p = predictInterval({
      tolerance_pct: 0.5,
      fixed_interval_days: 180,
      calibrations: [cal(0, 0.2, 0.05), cal(100, 0.35, 0.1)],
      drift: [],
    });
    expect(p).toMatchObject({ basis: 'as_found_history', predicted_interval_days: 106, clamped: null });
    expect(p.days_to_tolerance).toBeCloseTo(133.3, 1);
  });

  it('takes the faster of history and CUSUM drift, and clamps to [7 days, 2 x fixed]', () => {
    const history = [cal(0, 0.2, 0), cal(100, 0.1, 0)];
    const slow = predictInterval({
      tolerance_pct: 0.5,
      fixed_interval_days: 180,
      calibrations: history,
      drift: [],
    });
    expect(slow).toMatchObject({ predicted_interval_days: 360, clamped: 'max' });
    const fast = predictInterval({
      tolerance_pct: 0.5,
      fixed_interval_days: 180,
      calibrations: history,
      drift: [{ rate_pct_per_day: -0.5, at: at(101) }],
    });
    expect(fast).toMatchObject({
      basis: 'cusum_drift',
      cusum_rate_pct_per_day: 0.5,
      predicted_interval_days: 7,
      clamped: 'min',
    });
  });

  it('ignores calibration pairs less than a day apart and negative growth', () => {
    expect(historyDriftRate([cal(0, 0.3, 0.1), cal(0.5, 0.4, 0.1)])).toBeNull();
    expect(historyDriftRate([cal(0, 0.3, 0.2), cal(50, 0.1, 0)])).toBe(0);
    // Only the last three intervals count, and the worst of them.
    expect(
      historyDriftRate([cal(0, 0, 0), cal(10, 1, 0), cal(110, 0.1, 0), cal(210, 0.2, 0), cal(310, 0.3, 0)]),
    ).toBeCloseTo(0.003, 9);
  });
});
