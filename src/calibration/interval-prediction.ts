/**
 * Condition-based calibration interval (docs/calibration.md has the reasoning and a worked example).
 *
 * An instrument leaves a calibration with its as-left error e0 (worst point, % of span) and then
 * drifts at some rate r (% of span per day). It reaches its tolerance T after (T - e0) / r days.
 * Two measurements of r are used, and the larger wins (a calibration interval errs on the safe side):
 *   - the as-found history: between two calibrations the error grew from the earlier as-left to the
 *     later as-found, r = (|as_found| - |as_left_prev|) / days, over the last few intervals;
 *   - CUSUM drift alerts: the detector's estimated drift rate since its run started.
 * The predicted interval is that time multiplied by a safety factor, clamped to a sane range.
 */

const DAY_MS = 86_400_000;

export const PREDICTION_SETTINGS = {
  /** Share of the time-to-tolerance used as the interval: 20 % margin against an underestimated rate. */
  safetyFactor: 0.8,
  /** Shortest interval ever predicted; an instrument drifting faster needs repair, not calibration. */
  minDays: 7,
  /** Longest interval: twice the fixed interval, never beyond three years. */
  maxFactorOfFixed: 2,
  maxDays: 1095,
  /** Calibration pairs closer than this say nothing about drift (corrections, repeat checks). */
  minPairDays: 1,
  /** How many recent calibration intervals the history rate looks at. */
  historyIntervals: 3,
} as const;

export interface CalibrationSample {
  performed_at: string;
  max_as_found_error_pct: number;
  max_as_left_error_pct: number;
}

export interface DriftSample {
  /** Drift rate in % of span per day (sign ignored). */
  rate_pct_per_day: number;
  at: string;
}

export interface PredictionInput {
  tolerance_pct: number;
  fixed_interval_days: number;
  /** Calibrations still in force (not superseded by a correction), any order. */
  calibrations: CalibrationSample[];
  drift: DriftSample[];
}

export interface IntervalPrediction {
  predicted_interval_days: number | null;
  basis: 'as_found_history' | 'cusum_drift' | 'no_measurable_drift' | 'insufficient_data';
  history_rate_pct_per_day: number | null;
  cusum_rate_pct_per_day: number | null;
  rate_used_pct_per_day: number | null;
  starting_error_pct: number | null;
  headroom_pct: number | null;
  days_to_tolerance: number | null;
  clamped: 'min' | 'max' | null;
  safety_factor: number;
  min_days: number;
  max_days: number;
  explanation: string;
}

const round = (v: number, digits = 6) => Number(v.toFixed(digits));

export function predictionBounds(fixedDays: number) {
  const s = PREDICTION_SETTINGS;
  return {
    min: s.minDays,
    max: Math.max(s.minDays, Math.min(s.maxDays, Math.round(fixedDays * s.maxFactorOfFixed))),
  };
}

/** Error growth per day over the most recent calibration intervals, or null with fewer than two calibrations. */
export function historyDriftRate(calibrations: CalibrationSample[]): number | null {
  const sorted = [...calibrations].sort((a, b) => Date.parse(a.performed_at) - Date.parse(b.performed_at));
  const rates: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    const days = (Date.parse(cur.performed_at) - Date.parse(prev.performed_at)) / DAY_MS;
    if (days < PREDICTION_SETTINGS.minPairDays) continue;
    const growth = Math.abs(cur.max_as_found_error_pct) - Math.abs(prev.max_as_left_error_pct);
    rates.push(Math.max(0, growth) / days);
  }
  if (rates.length === 0) return null;
  return Math.max(...rates.slice(-PREDICTION_SETTINGS.historyIntervals));
}

export function predictInterval(input: PredictionInput): IntervalPrediction {
  const s = PREDICTION_SETTINGS;
  const bounds = predictionBounds(input.fixed_interval_days);
  const historyRate = historyDriftRate(input.calibrations);
  const driftRates = input.drift.map((d) => Math.abs(d.rate_pct_per_day)).filter(Number.isFinite);
  const cusumRate = driftRates.length ? Math.max(...driftRates) : null;
  const latest = [...input.calibrations].sort(
    (a, b) => Date.parse(b.performed_at) - Date.parse(a.performed_at),
  )[0];
  const base = {
    history_rate_pct_per_day: historyRate === null ? null : round(historyRate, 8),
    cusum_rate_pct_per_day: cusumRate === null ? null : round(cusumRate, 8),
    safety_factor: s.safetyFactor,
    min_days: bounds.min,
    max_days: bounds.max,
  };
  if (historyRate === null && cusumRate === null) {
    return {
      ...base,
      predicted_interval_days: null,
      basis: 'insufficient_data',
      rate_used_pct_per_day: null,
      starting_error_pct: latest ? round(Math.abs(latest.max_as_left_error_pct)) : null,
      headroom_pct: null,
      days_to_tolerance: null,
      clamped: null,
      explanation:
        'needs two calibrations at least a day apart, or a CUSUM drift alert, before an interval can be predicted',
    };
  }
  const rate = Math.max(historyRate ?? 0, cusumRate ?? 0);
  const basis = (cusumRate ?? -1) > (historyRate ?? -1) ? 'cusum_drift' : 'as_found_history';
  const start = latest ? Math.abs(latest.max_as_left_error_pct) : 0;
  const headroom = Math.max(0, input.tolerance_pct - start);
  if (rate <= 0) {
    return {
      ...base,
      predicted_interval_days: bounds.max,
      basis: 'no_measurable_drift',
      rate_used_pct_per_day: 0,
      starting_error_pct: round(start),
      headroom_pct: round(headroom),
      days_to_tolerance: null,
      clamped: 'max',
      explanation: `no error growth measured: the longest allowed interval (${bounds.max} days) applies`,
    };
  }
  const daysToTolerance = headroom / rate;
  const raw = Math.floor(daysToTolerance * s.safetyFactor);
  const predicted = Math.min(bounds.max, Math.max(bounds.min, raw));
  const clamped = raw < bounds.min ? 'min' : raw > bounds.max ? 'max' : null;
  const source = basis === 'cusum_drift' ? 'CUSUM drift rate' : 'as-found error growth';
  return {
    ...base,
    predicted_interval_days: predicted,
    basis,
    rate_used_pct_per_day: round(rate, 8),
    starting_error_pct: round(start),
    headroom_pct: round(headroom),
    days_to_tolerance: round(daysToTolerance, 1),
    clamped,
    explanation:
      `${source} ${round(rate, 5)} % of span/day; ${round(headroom, 4)} % headroom to the ${input.tolerance_pct} % ` +
      `tolerance is reached in ${round(daysToTolerance, 1)} days; x ${s.safetyFactor} safety factor` +
      (clamped ? `, clamped to ${predicted} days` : ` = ${predicted} days`),
  };
}
