import { describe, expect, it } from 'vitest';
import { extractFeatures, FEATURE_NAMES, FEATURE_SET_VERSION, featureRecord, windowize } from './features.ts';
import type { TimedValue } from './types.ts';
import { monitorConfig } from './types.ts';

const cfg = monitorConfig({ rangeMin: 0, rangeMax: 10, nominalValue: 2 });
const pts = (values: number[], stepMs = 1000, t0 = 0): TimedValue[] =>
  values.map((value, i) => ({ ts: t0 + i * stepMs, value }));

/** Hand-computed window: t = 0, 1, 2, 3 s; x = 1, 3, 2, 6; mean 3, deviations -2, 0, -1, 3. */
const hand = featureRecord(extractFeatures(pts([1, 3, 2, 6]), cfg));

describe('feature set', () => {
  it('has the 10 spec features in a fixed order, version 2', () => {
    expect(FEATURE_NAMES).toEqual([
      'mean',
      'std',
      'min',
      'max',
      'rate_of_change',
      'deviation_from_nominal',
      'trend_slope',
      'autocorrelation_lag1',
      'coeff_of_variation',
      'range_utilisation',
    ]);
    expect(FEATURE_SET_VERSION).toBe(2);
    expect(extractFeatures(pts([1, 3, 2, 6]), cfg)).toHaveLength(10);
  });
});

describe('extractFeatures on a hand-computed window', () => {
  it('mean = 12 / 4', () => expect(hand.mean).toBe(3));
  it('std is the population std: sqrt((4 + 0 + 1 + 9) / 4)', () =>
    expect(hand.std).toBeCloseTo(Math.sqrt(3.5), 12));
  it('min and max', () => {
    expect(hand.min).toBe(1);
    expect(hand.max).toBe(6);
  });
  it('rate_of_change = (6 - 1) / 3 s', () => expect(hand.rate_of_change).toBeCloseTo(5 / 3, 12));
  it('deviation_from_nominal = 3 - 2', () => expect(hand.deviation_from_nominal).toBe(1));
  it('trend_slope = sum dt dx / sum dt^2 = 7 / 5 per second', () =>
    expect(hand.trend_slope).toBeCloseTo(1.4, 12));
  it('autocorrelation_lag1 = ((-2)(0) + (0)(-1) + (-1)(3)) / 14', () =>
    expect(hand.autocorrelation_lag1).toBeCloseTo(-3 / 14, 12));
  it('coeff_of_variation = std / |mean|', () =>
    expect(hand.coeff_of_variation).toBeCloseTo(Math.sqrt(3.5) / 3, 12));
  it('range_utilisation = (3 - 0) / 10', () => expect(hand.range_utilisation).toBeCloseTo(0.3, 12));
});

describe('each feature on its own', () => {
  const f = (values: number[], stepMs = 1000, c = cfg) =>
    featureRecord(extractFeatures(pts(values, stepMs), c));

  it('rate_of_change and trend_slope are per second of event time', () => {
    const r = f([10, 12, 14], 500); // +2 per 0.5 s
    expect(r.rate_of_change).toBeCloseTo(4, 12);
    expect(r.trend_slope).toBeCloseTo(4, 12);
  });

  it('rate_of_change looks only at the ends; trend_slope at every point', () => {
    const r = f([0, 10, 10, 0]);
    expect(r.rate_of_change).toBe(0);
    expect(r.trend_slope).toBeCloseTo(0, 12);
    const up = f([0, 0, 0, 3]); // slope: dt = -1.5..1.5, dx = -.75,-.75,-.75,2.25 -> 4.5 / 5
    expect(up.rate_of_change).toBe(1);
    expect(up.trend_slope).toBeCloseTo(0.9, 12);
  });

  it('deviation_from_nominal is 0 without a nominal and signed with one', () => {
    expect(f([5, 5], 1000, { ...cfg, nominalValue: null }).deviation_from_nominal).toBe(0);
    expect(f([1, 2], 1000, { ...cfg, nominalValue: 4 }).deviation_from_nominal).toBe(-2.5);
  });

  it('autocorrelation_lag1 is strongly negative for an oscillating (hunting) signal and positive for a trend', () => {
    expect(f([1, -1, 1, -1]).autocorrelation_lag1).toBeCloseTo(-0.75, 12);
    // x = 1..5, dev -2..2: sum of lagged products (-2)(-1) + (-1)(0) + 0(1) + 1(2) = 4, / 10
    expect(f([1, 2, 3, 4, 5]).autocorrelation_lag1).toBeCloseTo(0.4, 12);
  });

  it('coeff_of_variation uses |mean| and is 0 when the mean is 0', () => {
    expect(f([-2, -4]).coeff_of_variation).toBeCloseTo(1 / 3, 12);
    expect(f([-1, 1]).coeff_of_variation).toBe(0);
  });

  it('range_utilisation is 0 at the lower and 1 at the upper range value', () => {
    const c = { ...cfg, rangeMin: -50, rangeMax: 150 };
    expect(f([-50, -50], 1000, c).range_utilisation).toBe(0);
    expect(f([150, 150], 1000, c).range_utilisation).toBe(1);
    expect(f([0, 100], 1000, c).range_utilisation).toBe(0.5);
  });

  it('degenerate windows give 0 instead of NaN', () => {
    const one = extractFeatures(pts([4]), cfg);
    expect(one).toEqual([4, 0, 4, 4, 0, 2, 0, 0, 0, 0.4]);
    const flat = featureRecord(extractFeatures(pts([7, 7, 7]), cfg));
    expect(flat.std).toBe(0);
    expect(flat.autocorrelation_lag1).toBe(0);
    expect(flat.trend_slope).toBe(0);
    expect(flat.coeff_of_variation).toBe(0);
    const sameTs = extractFeatures(
      [
        { ts: 5, value: 1 },
        { ts: 5, value: 3 },
      ],
      cfg,
    );
    expect(sameTs.every(Number.isFinite)).toBe(true);
  });

  it('sorts unsorted input by time', () => {
    const sorted = pts([1, 3, 2, 6]);
    expect(extractFeatures([sorted[2], sorted[0], sorted[3], sorted[1]], cfg)).toEqual(
      extractFeatures(sorted, cfg),
    );
  });

  it('stays accurate on a large offset (two-pass variance)', () => {
    const r = f([1e6 + 0.001, 1e6 - 0.001, 1e6 + 0.001, 1e6 - 0.001], 1000, { ...cfg, rangeMax: 2e6 });
    expect(r.std).toBeCloseTo(0.001, 9);
  });

  it('refuses an empty window', () => {
    expect(() => extractFeatures([], cfg)).toThrow(RangeError);
  });
});

describe('windowize', () => {
  it('groups by epoch-aligned event-time buckets, in time order', () => {
    const points: TimedValue[] = [
      { ts: 125_000, value: 3 },
      { ts: 59_999, value: 2 },
      { ts: 0, value: 1 },
      { ts: 60_000, value: 4 },
      { ts: 61_000, value: 5 },
    ];
    const w = windowize(points, 60);
    expect(w.map((x) => [x.start, x.end, x.points.map((p) => p.value)])).toEqual([
      [0, 60_000, [1, 2]],
      [60_000, 120_000, [4, 5]],
      [120_000, 180_000, [3]],
    ]);
  });

  it('drops windows with fewer than minPoints points', () => {
    const w = windowize(pts([1, 2, 3], 30_000), 60, 2);
    expect(w.map((x) => x.start)).toEqual([0]);
  });

  it('refuses a non-positive window', () => {
    expect(() => windowize([], 0)).toThrow(RangeError);
  });
});
