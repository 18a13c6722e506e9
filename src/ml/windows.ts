// Feature windows, the same for training (stored readings) and live scoring (the reading stream):
// sliding windows of GOOD readings, `windowSeconds` long, ending on every epoch-aligned stride
// boundary, each turned into the 10 features of detection/features.ts. Sliding windows give a short
// baseline enough samples (400 s at 60 s / 15 s: 23 windows, where aligned 60 s buckets gave 6) and
// the live detector a verdict every stride instead of every window. A window with fewer than half the readings the publish interval promises
// (at least 2) is skipped: a partial window around a gap has a different shape (std, slope) from a
// full one and would look anomalous for the wrong reason.

import { extractFeatures, slidingWindows } from '../detection/features.ts';
import type { TimedValue } from '../detection/types.ts';

export interface FeatureScale {
  rangeMin: number;
  rangeMax: number;
  nominalValue: number | null;
}

export interface FeatureWindow {
  /** Window start and (exclusive) end, epoch ms. */
  start: number;
  end: number;
  points: number;
  features: number[];
}

/** Fewest good readings a window needs to be scored or trained on. */
export function minPointsPerWindow(windowSeconds: number, publishIntervalSeconds: number): number {
  return Math.max(2, Math.floor((0.5 * windowSeconds) / Math.max(publishIntervalSeconds, 1e-9)));
}

export interface WindowGeometry {
  windowSeconds: number;
  strideSeconds: number;
}

/** Fewest readings' worth of time a window spans, so its std and slope mean something. */
export const MIN_READINGS_PER_WINDOW = 10;

/**
 * Window length and stride of one instrument: the configured length (AGGREGATION_WINDOW_SECONDS),
 * stretched to hold at least MIN_READINGS_PER_WINDOW publish intervals for a slow publisher, and the
 * stride (ML_WINDOW_STRIDE_SECONDS, default a quarter of the window, whole seconds).
 */
export function windowGeometry(
  baseWindowSeconds: number,
  strideSeconds: number | null,
  publishIntervalSeconds: number,
): WindowGeometry {
  const windowSeconds = Math.max(
    baseWindowSeconds,
    Math.ceil(MIN_READINGS_PER_WINDOW * publishIntervalSeconds),
  );
  const stride = strideSeconds ?? Math.max(1, Math.round(windowSeconds / 4));
  return { windowSeconds, strideSeconds: Math.min(windowSeconds, Math.max(1, stride)) };
}

/** Sliding feature windows of sorted points; with from/to only windows inside [from, to]. */
export function featureWindows(
  points: readonly TimedValue[],
  geometry: WindowGeometry,
  minPoints: number,
  scale: FeatureScale,
  from?: number,
  to?: number,
): FeatureWindow[] {
  return slidingWindows(points, geometry.windowSeconds, geometry.strideSeconds, minPoints, from, to).map(
    (w) => ({
      start: w.start,
      end: w.end,
      points: w.points.length,
      features: extractFeatures(w.points, scale),
    }),
  );
}

/**
 * A time range shrunk to whole windows: start rounded up and end rounded down to a window boundary,
 * so every window counted lies entirely inside the range (null when none does).
 */
export function alignToWindows(
  startMs: number,
  endMs: number,
  windowSeconds: number,
): [number, number] | null {
  const w = windowSeconds * 1000;
  const s = Math.ceil(startMs / w) * w;
  const e = Math.floor(endMs / w) * w;
  return e > s ? [s, e] : null;
}
