// Feature windows, the same for training (stored readings) and live scoring (the reading stream):
// epoch-aligned AGGREGATION_WINDOW_SECONDS buckets of GOOD readings, each turned into the 10 features
// of detection/features.ts. A window with fewer than half the readings the publish interval promises
// (at least 2) is skipped: a partial window around a gap has a different shape (std, slope) from a
// full one and would look anomalous for the wrong reason.

import { extractFeatures, windowize } from '../detection/features.ts';
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

export function featureWindows(
  points: readonly TimedValue[],
  windowSeconds: number,
  minPoints: number,
  scale: FeatureScale,
): FeatureWindow[] {
  return windowize(points, windowSeconds, minPoints).map((w) => ({
    start: w.start,
    end: w.end,
    points: w.points.length,
    features: extractFeatures(w.points, scale),
  }));
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
