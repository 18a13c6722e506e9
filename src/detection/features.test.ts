import { describe, expect, it } from 'vitest';
import {
  extractFeatures,
  FEATURE_NAMES,
  FEATURE_SET_VERSION,
  featureRecord,
  slidingWindows,
  windowize,
} from './features.ts';
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
    expect(FEATURE_SET_VERSION).toBe(3);
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
  it('coeff_of_variation = std / span', () =>
    expect(hand.coeff_of_variation).toBeCloseTo(Math.sqrt(3.5) / 10, 12));
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

  it('coeff_of_variation is std / span: the same noise gives the same value at any level, near zero too', () => {
    expect(f([-2, -4]).coeff_of_variation).toBeCloseTo(1 / 10, 12);
    expect(f([-1, 1]).coeff_of_variation).toBeCloseTo(1 / 10, 12);
    // A pressure of ~0.05 bar on a 0-10 bar span with 0.04 bar of noise: std/mean would be ~0.8;
    // std/span stays 0.004, and equals the value at 5 bar with the same noise.
    const nearZero = f([0.01, 0.09, 0.01, 0.09]).coeff_of_variation;
    expect(nearZero).toBeCloseTo(0.004, 12);
    expect(f([4.96, 5.04, 4.96, 5.04]).coeff_of_variation).toBeCloseTo(nearZero, 9);
    expect(f([1, 2], 1000, { ...cfg, rangeMin: 5, rangeMax: 5 }).coeff_of_variation).toBe(0);
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

describe('slidingWindows', () => {
  // One reading a second for 100 s.
  const points = Array.from({ length: 100 }, (_, i) => ({ ts: i * 1000, value: i }));

  it('ends a window on every stride boundary, each holding the window length before it', () => {
    const w = slidingWindows(points, 20, 5);
    expect(w[0]).toMatchObject({ start: -15_000, end: 5_000 });
    expect(w[0].points.map((p) => p.value)).toEqual([0, 1, 2, 3, 4]);
    const full = w.find((x) => x.end === 40_000)!;
    expect(full.start).toBe(20_000);
    expect(full.points.map((p) => p.value)).toEqual(Array.from({ length: 20 }, (_, i) => 20 + i));
    expect(w.map((x) => x.end - x.start).every((d) => d === 20_000)).toBe(true);
  });

  it('keeps only windows inside [from, to] and with enough points', () => {
    const w = slidingWindows(points, 20, 5, 15, 0, 60_000);
    expect(w.map((x) => x.end)).toEqual([
      20_000, 25_000, 30_000, 35_000, 40_000, 45_000, 50_000, 55_000, 60_000,
    ]);
    // 400 s of 1 Hz baseline at 60 s / 15 s: 23 windows, where aligned 60 s buckets gave 6.
    const baseline = Array.from({ length: 400 }, (_, i) => ({ ts: 1_000_000 + i * 1000, value: 1 }));
    expect(slidingWindows(baseline, 60, 15, 30, 1_000_000, 1_400_000)).toHaveLength(23);
    expect(windowize(baseline, 60, 30)).toHaveLength(6);
  });

  it('refuses a zero window or stride', () => {
    expect(() => slidingWindows(points, 0, 5)).toThrow(RangeError);
    expect(() => slidingWindows(points, 10, 0)).toThrow(RangeError);
  });
});
