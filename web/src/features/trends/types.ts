import type { TrendSeries } from '../../lib/api-types.ts';

export type { TrendSeries } from '../../lib/api-types.ts';
export type TrendPoint = TrendSeries['points'][number];
export type TrendLimits = TrendSeries['limits'];

export const RANGES = {
  '1h': { label: '1 h', ms: 3_600_000 },
  '6h': { label: '6 h', ms: 6 * 3_600_000 },
  '24h': { label: '24 h', ms: 24 * 3_600_000 },
  '7d': { label: '7 d', ms: 7 * 24 * 3_600_000 },
} as const;
export type RangeKey = keyof typeof RANGES;

export const isRange = (v: string | null): v is RangeKey => v !== null && v in RANGES;

/** An event drawn on the chart: an alert or a calibration in the span. */
export interface TrendMarker {
  id: string;
  time: string;
  kind: 'alert' | 'calibration';
  label: string;
  /** alert severity, or 'pass' / 'fail' for a calibration */
  tone: string;
}

export const TIER_WORD: Record<string, string> = {
  raw: 'raw readings',
  '1m': '1-minute averages',
  '1h': 'hourly averages',
  '1d': 'daily averages',
};
