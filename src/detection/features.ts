// The spec's 10 window features for the Isolation Forest (feature set version 3).
//
// Conventions (fixed here because a trained model depends on them; change => bump FEATURE_SET_VERSION):
// - Time is event time in SECONDS relative to the first point of the window.
// - std is the population standard deviation (numpy's default, as in the earlier Python system).
// - deviation_from_nominal is in engineering units (mean - nominal), 0 when no nominal is set.
// - rate_of_change is (last - first) / elapsed seconds, 0 when the window spans no time.
// - trend_slope is the least-squares slope of value on time, units per second.
// - autocorrelation_lag1 is the sample ACF at lag 1: sum (x_i - m)(x_{i+1} - m) / sum (x_i - m)^2.
// - coeff_of_variation is std / span (v3; v2 divided by |mean|, which exploded for signals near zero:
//   a pressure of ~0.05 bar gave 80-100). The span is the instrument's fixed scale, so the feature
//   measures noise in % of range whatever the operating point; 0 without a span.
// - range_utilisation is (mean - rangeMin) / span: 0 at 4 mA, 1 at 20 mA.
// Degenerate windows (one point, constant value) give 0 for the shape features instead of NaN,
// because the forest cannot split on NaN.

import type { MonitorConfig, TimedValue } from './types.ts';

export const FEATURE_NAMES = [
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
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

export const FEATURE_SET_VERSION = 3;

type FeatureConfig = Pick<MonitorConfig, 'rangeMin' | 'rangeMax' | 'nominalValue'>;

export function extractFeatures(points: readonly TimedValue[], cfg: FeatureConfig): number[] {
  const n = points.length;
  if (n === 0) throw new RangeError('extractFeatures needs at least one point');
  const pts = isSorted(points) ? points : [...points].sort((a, b) => a.ts - b.ts);
  const t0 = pts[0].ts;

  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let tSum = 0;
  for (const p of pts) {
    sum += p.value;
    if (p.value < min) min = p.value;
    if (p.value > max) max = p.value;
    tSum += (p.ts - t0) / 1000;
  }
  const mean = sum / n;
  const tMean = tSum / n;

  // Second pass on centred values: numerically stable for large offsets (e.g. 1000 degC +- 0.01).
  let ss = 0;
  let stt = 0;
  let stx = 0;
  let lag = 0;
  for (let i = 0; i < n; i++) {
    const dx = pts[i].value - mean;
    const dt = (pts[i].ts - t0) / 1000 - tMean;
    ss += dx * dx;
    stt += dt * dt;
    stx += dt * dx;
    if (i + 1 < n) lag += dx * (pts[i + 1].value - mean);
  }
  const std = Math.sqrt(ss / n);
  const elapsed = (pts[n - 1].ts - t0) / 1000;
  const spanValue = cfg.rangeMax - cfg.rangeMin;

  const rateOfChange = elapsed > 0 ? (pts[n - 1].value - pts[0].value) / elapsed : 0;
  const deviation = cfg.nominalValue === null ? 0 : mean - cfg.nominalValue;
  const slope = stt > 0 ? stx / stt : 0;
  const acf1 = ss > 0 && n > 1 ? lag / ss : 0;
  const cv = spanValue > 0 ? std / spanValue : 0;
  const utilisation = spanValue > 0 ? (mean - cfg.rangeMin) / spanValue : 0;

  return [mean, std, min, max, rateOfChange, deviation, slope, acf1, cv, utilisation];
}

/** Named view of a feature vector (for APIs and explanations). */
export function featureRecord(values: readonly number[]): Record<FeatureName, number> {
  if (values.length !== FEATURE_NAMES.length) {
    throw new RangeError(`expected ${FEATURE_NAMES.length} features, got ${values.length}`);
  }
  return Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, values[i]])) as Record<FeatureName, number>;
}

export interface TimeWindow {
  /** Inclusive start and exclusive end, epoch ms. */
  start: number;
  end: number;
  points: TimedValue[];
}

/**
 * Groups points into epoch-aligned event-time buckets [k w, (k+1) w). Aligned buckets mean the same
 * reading always lands in the same window, whether it is processed live, replayed or re-trained.
 * Windows with fewer than minPoints points are dropped; empty buckets are never returned.
 */
export function windowize(points: readonly TimedValue[], windowSeconds: number, minPoints = 1): TimeWindow[] {
  if (!(windowSeconds > 0)) throw new RangeError('windowSeconds must be > 0');
  const w = windowSeconds * 1000;
  const buckets = new Map<number, TimedValue[]>();
  for (const p of points) {
    const k = Math.floor(p.ts / w);
    const list = buckets.get(k);
    if (list) list.push(p);
    else buckets.set(k, [p]);
  }
  return [...buckets.entries()]
    .filter(([, pts]) => pts.length >= minPoints)
    .sort(([a], [b]) => a - b)
    .map(([k, pts]) => ({
      start: k * w,
      end: (k + 1) * w,
      points: isSorted(pts) ? pts : pts.sort((a, b) => a.ts - b.ts),
    }));
}

/**
 * Sliding event-time windows [b - window, b) ending on every stride boundary b (epoch-aligned
 * multiples of the stride), for boundaries with start >= from and b <= to. Points must be sorted.
 * Windows with fewer than minPoints points are dropped. Aligned boundaries give the same windows in
 * training, live scoring and replay.
 */
export function slidingWindows(
  points: readonly TimedValue[],
  windowSeconds: number,
  strideSeconds: number,
  minPoints = 1,
  from = Number.NEGATIVE_INFINITY,
  to = Number.POSITIVE_INFINITY,
): TimeWindow[] {
  if (!(windowSeconds > 0) || !(strideSeconds > 0)) throw new RangeError('window and stride must be > 0');
  if (points.length === 0) return [];
  const w = windowSeconds * 1000;
  const s = strideSeconds * 1000;
  const first = Math.max(points[0].ts + 1, from + w);
  const last = Math.min(points[points.length - 1].ts + w, to);
  const out: TimeWindow[] = [];
  let lo = 0;
  let hi = 0;
  for (let b = Math.ceil(first / s) * s; b <= last; b += s) {
    while (lo < points.length && points[lo].ts < b - w) lo++;
    if (hi < lo) hi = lo;
    while (hi < points.length && points[hi].ts < b) hi++;
    if (hi - lo >= minPoints) out.push({ start: b - w, end: b, points: points.slice(lo, hi) });
  }
  return out;
}

function isSorted(points: readonly TimedValue[]): boolean {
  for (let i = 1; i < points.length; i++) if (points[i].ts < points[i - 1].ts) return false;
  return true;
}
