import type { TrendPoint } from './types.ts';

export interface SpanStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  last: number;
  lastAt: string;
  count: number;
}

/**
 * Summary of the span. Min and max come from each bucket's own min/max so a spike inside an
 * averaged bucket still shows; mean and std are over the plotted values (population std).
 */
export function spanStats(points: readonly TrendPoint[]): SpanStats | null {
  if (points.length === 0) return null;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const p of points) {
    min = Math.min(min, p.min ?? p.value);
    max = Math.max(max, p.max ?? p.value);
    sum += p.value;
  }
  const mean = sum / points.length;
  let sq = 0;
  for (const p of points) sq += (p.value - mean) ** 2;
  const last = points[points.length - 1];
  return {
    min,
    max,
    mean,
    std: Math.sqrt(sq / points.length),
    last: last.value,
    lastAt: last.timestamp,
    count: points.length,
  };
}
