// Two-sided tabular CUSUM for slow drift, the commonest failure of process transmitters.
//
// Why window means and not raw readings
// -------------------------------------
// With k = 0.5 and h = 5 (the spec's defaults) the in-control average run length of the two-sided
// tabular CUSUM on i.i.d. N(0,1) inputs is about 465 samples (Montgomery, Introduction to Statistical
// Quality Control, table of ARLs for k = 0.5, h = 5: 465 / 38.0 / 10.4 / 4.01 for shifts of
// 0 / 0.5 / 1 / 2 sigma). Fed with raw 1 Hz readings that is a false alarm every ~8 minutes, and worse
// in practice: raw process readings are autocorrelated, which shortens the in-control run length
// further when sigma is the raw standard deviation.
// So the live detector consumes the MEAN of each event-time window (default 60 s, epoch aligned) and
// measures it in units of sigma_mean, the standard deviation OF WINDOW MEANS seen during the warm-up
// (or given by the reference baseline). Using the observed spread of window means, rather than
// sigma_raw / sqrt(n), keeps z honest when readings within a window are correlated.
//
// Detection delay (in windows, i.i.d. window means, k = 0.5, h = 5): ~465 in control (about 7.75 h
// between false alarms at 60 s windows), 38 windows for a 0.5 sigma_mean shift, 10.4 for 1 sigma_mean
// (~10 min), 4 for 2 sigma_mean, plus the time to close the current window (<= one window).
// That is still ~3 false drift alerts per instrument per day with a known sigma (5-7 when sigma comes
// from a 1 h warm-up, simulated); a longer window (600 s) or a larger h (8) trades ~15 min of delay for
// well under one a day. README.md has the table; the defaults stay the spec's.
// The product feeds this class CUSUM_WINDOW_MINUTES means (default 6 h, not the 60 s feature window):
// real process levels wander for tens of minutes and cycle over hours, so 60 s means are strongly
// autocorrelated and the detection bench (bench/detect.ts, simulated plant) saw ~8 false drift alerts
// per instrument-day with them. Over 6 h means k = 0.5 and h = 5 keep their meaning (sigma is the spread
// of 6 h means): ~465 windows in control, a 2 % of span per day drift detected in about 30 h; see
// src/ml/README.md.
//
// Conventions: sums start at 0, alarm when S > h (for continuous inputs S == h has probability 0, so
// > and >= give the same ARLs; the Monte Carlo test in cusum.test.ts checks the table above).
// After an alarm the condition is latched: the sums keep accumulating and the condition clears when
// its sum returns to 0, or on reset() (after a calibration).

import { formatNumber, tagLabel, withUnit } from './format.ts';
import type { DetectorEvent, MonitorConfig, Reading } from './types.ts';

export interface CusumSums {
  sPlus: number;
  sMinus: number;
  /** Number of consecutive samples since sPlus / sMinus was last zero (for the shift estimate). */
  nPlus: number;
  nMinus: number;
}

export function initialCusumSums(): CusumSums {
  return { sPlus: 0, sMinus: 0, nPlus: 0, nMinus: 0 };
}

/** S+ = max(0, S+ + z - k), S- = max(0, S- - z - k); alarm when a sum exceeds h. */
export function cusumStep(
  state: CusumSums,
  z: number,
  k: number,
  h: number,
): { state: CusumSums; up: boolean; down: boolean } {
  const sPlus = Math.max(0, state.sPlus + z - k);
  const sMinus = Math.max(0, state.sMinus - z - k);
  return {
    state: {
      sPlus,
      sMinus,
      nPlus: sPlus > 0 ? state.nPlus + 1 : 0,
      nMinus: sMinus > 0 ? state.nMinus + 1 : 0,
    },
    up: sPlus > h,
    down: sMinus > h,
  };
}

/**
 * Montgomery's estimate of the shifted mean after an alarm, in z units relative to mu0:
 * k + S / N (up) or -(k + S / N) (down), where N counts samples since the sum was last zero.
 */
export function cusumShiftEstimate(sums: CusumSums, k: number, direction: 'up' | 'down'): number {
  const s = direction === 'up' ? sums.sPlus : sums.sMinus;
  const n = direction === 'up' ? sums.nPlus : sums.nMinus;
  const magnitude = n > 0 ? k + s / n : 0;
  return direction === 'up' ? magnitude : -magnitude;
}

/** Baseline in engineering units; sigma is the standard deviation of WINDOW MEANS. */
export interface CusumBaseline {
  mean: number;
  sigma: number;
}

export interface CusumOptions {
  /** Window length for the means the CUSUM consumes (default 60 s). */
  windowSeconds?: number;
  /**
   * Window means used to learn the baseline when no reference baseline is given (default 60, i.e. 1 h
   * at 60 s windows). sigma from n means has a relative error of about 1 / sqrt(2 (n - 1)); an
   * underestimate shortens the in-control run length sharply, so the warm-up should not be short.
   */
  warmupWindows?: number;
  /**
   * A window with fewer good readings is skipped (a partial window around a gap has a larger variance
   * than sigma_mean assumes). Default: half the readings the publish interval promises, at least 1.
   */
  minSamplesPerWindow?: number;
  /**
   * Lower bound for sigma_mean as % of span (default 0.05 %). A perfectly steady or coarsely quantised
   * warm-up would give sigma ~ 0 and turn one ADC count into an alarm; shifts far below a transmitter's
   * accuracy class (typically 0.1 - 0.25 % of span) are not actionable for calibration anyway.
   */
  sigmaFloorPctOfSpan?: number;
  /**
   * Minutes of readings after which a CUSUM without a baseline scores windows against a PROVISIONAL
   * baseline (default 60; 0 = no provisional phase): the running mean of the good readings so far and
   * their raw standard deviation. The raw sd is at least the sd of any window mean of a stationary
   * signal, so the provisional phase is conservative (few false alarms, slower detection) until the
   * full warm-up has measured sigma of window means. Ends the 48 h blind spot of 8 x 6 h warm-up windows.
   */
  provisionalMinutes?: number;
}

/** Closed windows kept for the drift-rate regression (96 x 6 h = 24 days; 96 x 1 h = 4 days). */
const HISTORY_WINDOWS = 96;

type CusumConfig = Pick<
  MonitorConfig,
  'tag' | 'unit' | 'rangeMin' | 'rangeMax' | 'publishIntervalSeconds' | 'cusumK' | 'cusumH'
>;

/** Everything the detector knows, as plain JSON: checkpoint with toJSON(), restore with fromJSON(). */
export interface CusumDetectorState {
  version: 1;
  windowSeconds: number;
  warmupWindows: number;
  minSamplesPerWindow: number | null;
  sigmaFloorPctOfSpan: number;
  baseline: (CusumBaseline & { source: 'reference' | 'warmup' }) | null;
  /** Welford accumulator of warm-up window means. */
  warmup: { n: number; mean: number; m2: number };
  /** Provisional phase (older checkpoints lack these fields: treated as absent / 60 min). */
  provisionalMinutes?: number;
  /** Welford accumulator of the raw good readings since the run started, while there is no baseline. */
  raw?: { n: number; mean: number; m2: number };
  /** Last closed windows' values (window mean, or residual in engineering units) for the rate. */
  history?: { end: number; value: number }[];
  /** The open window: epoch-aligned bucket index, count and sum of good readings. */
  window: { bucket: number | null; count: number; sum: number };
  sums: CusumSums;
  latched: { up: boolean; down: boolean };
  /** Event time of the first reading after start / reset: the origin of the drift rate. */
  runStartedAt: number | null;
  lastTs: number | null;
  lastWindowEnd: number | null;
  lastZ: number | null;
  /** sigma actually used for z (baseline sigma raised to the floor), set at each processed window. */
  sigmaUsed: number | null;
  k: number;
  h: number;
  windowsProcessed: number;
  windowsSkipped: number;
  lateReadings: number;
}

export interface CusumSnapshot {
  s_plus: number;
  s_minus: number;
  n_plus: number;
  n_minus: number;
  h: number;
  k: number;
  baseline_mean: number | null;
  baseline_sigma: number | null;
  /** baseline_sigma raised to the floor (what z is divided by); null until a window was scored. */
  sigma_used: number | null;
  baseline_source: 'reference' | 'warmup' | 'provisional' | null;
  window_seconds: number;
  warmup: { windows: number; required: number; complete: boolean; progress: number };
  alarm_up: boolean;
  alarm_down: boolean;
  last_z: number | null;
  run_started_at: number | null;
  last_window_end: number | null;
  windows_processed: number;
}

const DAY_MS = 86_400_000;

export interface CusumLevel {
  sPlus: number;
  sMinus: number;
  h: number;
}

export class CusumDetector {
  private s: CusumDetectorState;

  constructor(options: CusumOptions = {}, baseline?: CusumBaseline) {
    const windowSeconds = options.windowSeconds ?? 60;
    const warmupWindows = options.warmupWindows ?? 60;
    if (!(windowSeconds > 0)) throw new RangeError('windowSeconds must be > 0');
    if (!(warmupWindows >= 2)) throw new RangeError('warmupWindows must be >= 2 (sigma needs two means)');
    this.s = {
      version: 1,
      windowSeconds,
      warmupWindows,
      minSamplesPerWindow: options.minSamplesPerWindow ?? null,
      sigmaFloorPctOfSpan: options.sigmaFloorPctOfSpan ?? 0.05,
      baseline: baseline ? { ...checkBaseline(baseline), source: 'reference' } : null,
      warmup: { n: 0, mean: 0, m2: 0 },
      provisionalMinutes: options.provisionalMinutes ?? 60,
      raw: { n: 0, mean: 0, m2: 0 },
      history: [],
      window: { bucket: null, count: 0, sum: 0 },
      sums: initialCusumSums(),
      latched: { up: false, down: false },
      runStartedAt: null,
      lastTs: null,
      lastWindowEnd: null,
      lastZ: null,
      sigmaUsed: null,
      k: 0.5,
      h: 5,
      windowsProcessed: 0,
      windowsSkipped: 0,
      lateReadings: 0,
    };
  }

  /**
   * Adds one reading. Only 'good' readings count. A reading in a later window first closes the open
   * window (whose mean then goes through the warm-up or the CUSUM); readings older than the open
   * window are ignored (counted in lateReadings).
   */
  update(cfg: CusumConfig, reading: Reading): DetectorEvent[] {
    if ((reading.quality ?? 'good') !== 'good' || !Number.isFinite(reading.value)) return [];
    const s = this.s;
    const bucket = Math.floor(reading.ts / (s.windowSeconds * 1000));
    if (s.runStartedAt === null) s.runStartedAt = reading.ts;
    s.lastTs = Math.max(s.lastTs ?? reading.ts, reading.ts);
    if (s.window.bucket !== null && bucket < s.window.bucket) {
      s.lateReadings++;
      return [];
    }
    let events: DetectorEvent[] = [];
    if (s.window.bucket !== null && bucket > s.window.bucket) events = this.closeWindow(cfg);
    if (s.window.bucket === null) s.window = { bucket, count: 0, sum: 0 };
    if (s.baseline === null) {
      if (!s.raw) s.raw = { n: 0, mean: 0, m2: 0 };
      welford(s.raw, reading.value);
    }
    s.window.count++;
    s.window.sum += reading.value;
    return events;
  }

  /** Clock-driven close: processes the open window once `now` is past its end (e.g. before a shutdown). */
  flush(cfg: CusumConfig, now: number): DetectorEvent[] {
    const b = this.s.window.bucket;
    if (b === null || now < (b + 1) * this.s.windowSeconds * 1000) return [];
    return this.closeWindow(cfg);
  }

  /**
   * Starts a new run (after a calibration). `baseline`: an object installs it as the reference;
   * null forces a new warm-up; omitted keeps the baseline there is (reference or learned in a warm-up:
   * a calibration restores the sensor, not the process, so mu0 and sigma still hold and the new run
   * scores from its first window, with no blind spot).
   * Latched drift conditions are cleared, timestamped `ts` (default: the last reading).
   */
  reset(options: { ts?: number; baseline?: CusumBaseline | null; tag?: string } = {}): DetectorEvent[] {
    const s = this.s;
    const ts = options.ts ?? s.lastTs ?? 0;
    const events: DetectorEvent[] = [];
    for (const direction of ['up', 'down'] as const) {
      if (s.latched[direction]) {
        events.push({
          kind: 'clear',
          alertType: 'drift',
          condition: `cusum_${direction}`,
          severity: 'warning',
          message: `${tagLabel(options.tag)} drift ${direction} cleared: CUSUM reset (new run, e.g. after calibration)`,
          ts,
          details: { reason: 'reset' },
        });
      }
    }
    let baseline = s.baseline;
    if (options.baseline === null) baseline = null;
    else if (options.baseline) baseline = { ...checkBaseline(options.baseline), source: 'reference' };
    this.s = {
      ...s,
      baseline,
      warmup: { n: 0, mean: 0, m2: 0 },
      raw: { n: 0, mean: 0, m2: 0 },
      history: [],
      window: { bucket: null, count: 0, sum: 0 },
      sums: initialCusumSums(),
      latched: { up: false, down: false },
      runStartedAt: options.ts ?? null,
      lastWindowEnd: null,
      lastZ: null,
      sigmaUsed: null,
      windowsProcessed: 0,
      windowsSkipped: 0,
      lateReadings: 0,
    };
    return events;
  }

  /** The sums against h, without building the snapshot (the health score of every instrument). */
  level(): CusumLevel {
    const s = this.s;
    return { sPlus: s.sums.sPlus, sMinus: s.sums.sMinus, h: s.h };
  }

  snapshot(): CusumSnapshot {
    const s = this.s;
    const warmupComplete = s.baseline !== null;
    return {
      s_plus: s.sums.sPlus,
      s_minus: s.sums.sMinus,
      n_plus: s.sums.nPlus,
      n_minus: s.sums.nMinus,
      h: s.h,
      k: s.k,
      baseline_mean: s.baseline?.mean ?? null,
      baseline_sigma: s.baseline?.sigma ?? null,
      sigma_used: s.sigmaUsed,
      baseline_source: s.baseline?.source ?? (this.provisional() ? 'provisional' : null),
      window_seconds: s.windowSeconds,
      warmup: {
        windows: s.warmup.n,
        required: s.warmupWindows,
        complete: warmupComplete,
        progress: warmupComplete ? 1 : s.warmup.n / s.warmupWindows,
      },
      alarm_up: s.latched.up,
      alarm_down: s.latched.down,
      last_z: s.lastZ,
      run_started_at: s.runStartedAt,
      last_window_end: s.lastWindowEnd,
      windows_processed: s.windowsProcessed,
    };
  }

  toJSON(): CusumDetectorState {
    return structuredClone(this.s);
  }

  static fromJSON(json: CusumDetectorState): CusumDetector {
    if (json?.version !== 1) throw new Error(`unsupported CUSUM state version ${String(json?.version)}`);
    const d = new CusumDetector({ windowSeconds: json.windowSeconds, warmupWindows: json.warmupWindows });
    d.s = structuredClone(json);
    return d;
  }

  private closeWindow(cfg: CusumConfig): DetectorEvent[] {
    const s = this.s;
    const { bucket, count, sum } = s.window;
    s.window = { bucket: null, count: 0, sum: 0 };
    if (bucket === null) return [];
    const windowMs = s.windowSeconds * 1000;
    const end = (bucket + 1) * windowMs;
    const minSamples =
      s.minSamplesPerWindow ??
      Math.max(1, Math.floor((0.5 * s.windowSeconds) / Math.max(cfg.publishIntervalSeconds, 1e-9)));
    if (count < minSamples) {
      s.windowsSkipped++;
      return [];
    }
    const mean = sum / count;
    s.lastWindowEnd = end;
    s.windowsProcessed++;
    s.k = cfg.cusumK;
    s.h = cfg.cusumH;

    let baseline: (CusumBaseline & { source: string }) | null = s.baseline;
    if (baseline === null) {
      // Welford: numerically stable running mean and variance of the warm-up window means.
      welford(s.warmup, mean);
      if (s.warmup.n >= s.warmupWindows) {
        const w = s.warmup;
        s.baseline = { mean: w.mean, sigma: Math.sqrt(w.m2 / (w.n - 1)), source: 'warmup' };
        return [];
      }
      baseline = this.provisional();
      if (baseline === null) return [];
    }
    const floor = (s.sigmaFloorPctOfSpan / 100) * Math.abs(cfg.rangeMax - cfg.rangeMin);
    const sigma = Math.max(baseline.sigma, floor, Number.MIN_VALUE);
    return this.score(cfg, end, mean, baseline.mean, sigma);
  }

  /**
   * Residual mode: one closed window whose value is already residual = window mean - expected value
   * (a group model's), with sigma = the model's residual sigma. The CUSUM runs on residual / sigma.
   */
  updateResidual(cfg: CusumConfig, end: number, residual: number, sigma: number): DetectorEvent[] {
    const s = this.s;
    if (!Number.isFinite(residual) || !(sigma > 0)) return [];
    if (s.runStartedAt === null) s.runStartedAt = end;
    if (s.lastWindowEnd !== null && end <= s.lastWindowEnd) {
      s.lateReadings++;
      return [];
    }
    s.lastTs = Math.max(s.lastTs ?? end, end);
    s.lastWindowEnd = end;
    s.windowsProcessed++;
    s.k = cfg.cusumK;
    s.h = cfg.cusumH;
    return this.score(cfg, end, residual, 0, sigma);
  }

  /** The provisional baseline (see CusumOptions.provisionalMinutes), or null when not (yet) usable. */
  private provisional(): (CusumBaseline & { source: 'provisional' }) | null {
    const s = this.s;
    const minutes = s.provisionalMinutes ?? 60;
    const raw = s.raw;
    if (s.baseline !== null || minutes <= 0 || !raw || raw.n < 3 || s.runStartedAt === null) return null;
    if ((s.lastTs ?? 0) - s.runStartedAt < minutes * 60_000) return null;
    return { mean: raw.mean, sigma: Math.sqrt(raw.m2 / (raw.n - 1)), source: 'provisional' };
  }

  private score(cfg: CusumConfig, end: number, value: number, mu0: number, sigma: number): DetectorEvent[] {
    const s = this.s;
    const mean = value;
    if (!s.history) s.history = [];
    const history = s.history;
    history.push({ end, value });
    if (history.length > HISTORY_WINDOWS) history.splice(0, history.length - HISTORY_WINDOWS);
    const z = (value - mu0) / sigma;
    s.lastZ = z;
    s.sigmaUsed = sigma;
    const step = cusumStep(s.sums, z, cfg.cusumK, cfg.cusumH);
    s.sums = step.state;
    const events: DetectorEvent[] = [];
    for (const direction of ['up', 'down'] as const) {
      const alarm = direction === 'up' ? step.up : step.down;
      const sum = direction === 'up' ? s.sums.sPlus : s.sums.sMinus;
      if (alarm && !s.latched[direction]) {
        s.latched[direction] = true;
        events.push(this.raiseEvent(cfg, direction, end, mean, mu0));
      } else if (s.latched[direction] && sum === 0) {
        s.latched[direction] = false;
        events.push({
          kind: 'clear',
          alertType: 'drift',
          condition: `cusum_${direction}`,
          severity: 'warning',
          message: `${tagLabel(cfg.tag)} drift ${direction} cleared: CUSUM back to 0 (window mean ${withUnit(mean, cfg.unit)})`,
          ts: end,
          details: { window_mean: mean },
        });
      }
    }
    return events;
  }

  private raiseEvent(
    cfg: CusumConfig,
    direction: 'up' | 'down',
    ts: number,
    windowMean: number,
    mu0: number,
  ): DetectorEvent {
    const s = this.s;
    const baseline = s.baseline ??
      this.provisional() ?? { mean: mu0, sigma: s.sigmaUsed ?? 0, source: 'model' };
    const spanValue = cfg.rangeMax - cfg.rangeMin;
    const shiftZ = cusumShiftEstimate(s.sums, cfg.cusumK, direction);
    const sigma = s.sigmaUsed ?? baseline.sigma;
    const shift = sigma * shiftZ;
    const estimatedMean = mu0 + shift;
    const shiftPct = spanValue !== 0 ? (100 * shift) / spanValue : null;
    const elapsedDays = s.runStartedAt !== null ? (ts - s.runStartedAt) / DAY_MS : 0;
    const n = direction === 'up' ? s.sums.nPlus : s.sums.nMinus;
    const rate = driftRateFromChangePoint(s.history ?? [], n, mu0, s.windowSeconds * 1000);
    const ratePerDay = rate?.perDay ?? null;
    const ratePctPerDay = ratePerDay !== null && spanValue !== 0 ? (100 * ratePerDay) / spanValue : null;
    const statistic = direction === 'up' ? s.sums.sPlus : s.sums.sMinus;
    const sign = shift >= 0 ? '+' : '';
    const pct = shiftPct !== null ? `, ${sign}${formatNumber(shiftPct)}% of span` : '';
    const rateText =
      ratePerDay !== null
        ? `, ${ratePerDay >= 0 ? '+' : ''}${withUnit(ratePerDay, cfg.unit)}/day since the change point`
        : '';
    return {
      kind: 'raise',
      alertType: 'drift',
      condition: `cusum_${direction}`,
      severity: 'warning',
      message:
        `${tagLabel(cfg.tag)} drift ${direction}: mean now ~${withUnit(estimatedMean, cfg.unit)} vs baseline ` +
        `${withUnit(baseline.mean, cfg.unit)} (${sign}${withUnit(shift, cfg.unit)}${pct}${rateText}); ` +
        `CUSUM ${formatNumber(statistic)} > h ${formatNumber(cfg.cusumH)}`,
      ts,
      details: {
        direction,
        estimated_shift: shift,
        estimated_mean: estimatedMean,
        shift_sigma: shiftZ,
        shift_pct_of_span: shiftPct,
        drift_rate_per_day: ratePerDay,
        drift_rate_pct_span_per_day: ratePctPerDay,
        elapsed_days: elapsedDays,
        change_point_at: rate ? new Date(rate.changePointTs).toISOString() : null,
        rate_method: rate?.method ?? null,
        statistic,
        h: cfg.cusumH,
        k: cfg.cusumK,
        samples_since_zero: direction === 'up' ? s.sums.nPlus : s.sums.nMinus,
        window_mean: windowMean,
        baseline_mean: mu0,
        baseline_sigma: baseline.sigma,
        sigma_used: sigma,
        baseline_source: baseline.source,
        window_seconds: s.windowSeconds,
        run_started_at: s.runStartedAt,
      },
    };
  }
}

function welford(w: { n: number; mean: number; m2: number }, x: number): void {
  w.n++;
  const delta = x - w.mean;
  w.mean += delta / w.n;
  w.m2 += delta * (x - w.mean);
}

/**
 * Drift rate from the change point. Model: window value v(t) = mu0 before the change point tau and
 * mu0 + r (t - tau) after it (a ramp from the baseline, "hinge"). For each candidate tau at a window
 * boundary, r has a closed form, r = sum (v - mu0)(t - tau)+ / sum ((t - tau)+)^2, and the fitted tau
 * is the one with the least squared error over the kept history (t = window centres). The candidates
 * start where the CUSUM's own change-point estimate (Page: the last time the alarming sum was 0, n
 * windows back) allows and reach back to the start of the history: the sum only leaves 0 once the ramp
 * exceeds k sigma, so Page's estimate is late and the flat part before it pins tau down. Compared with
 * the old shift / time since run start (3-8x too low when the ramp starts mid-run) this is unbiased for
 * a ramp. With fewer than 2 windows after the best tau: shift over time since tau.
 */
export function driftRateFromChangePoint(
  history: readonly { end: number; value: number }[],
  n: number,
  mu0: number,
  windowMs: number,
): { perDay: number; changePointTs: number; method: 'hinge_regression' | 'shift_over_time' } | null {
  if (history.length === 0 || n <= 0) return null;
  const t = history.map((p) => p.end - windowMs / 2);
  const y = history.map((p) => p.value - mu0);
  const last = history.length - 1;
  // Candidates: every window start from the oldest kept to Page's estimate (at most the last 2 windows).
  const latest = Math.max(0, Math.min(history.length - n, last - 1));
  let best: { sse: number; rate: number; tau: number; after: number } | null = null;
  for (let c = 0; c <= latest; c++) {
    const tau = history[c].end - windowMs;
    let sxy = 0;
    let sxx = 0;
    for (let i = c; i <= last; i++) {
      const dt = t[i] - tau;
      sxy += y[i] * dt;
      sxx += dt * dt;
    }
    if (!(sxx > 0)) continue;
    const rate = sxy / sxx;
    let sse = 0;
    for (let i = 0; i <= last; i++) {
      const fit = i >= c ? rate * (t[i] - tau) : 0;
      sse += (y[i] - fit) ** 2;
    }
    if (best === null || sse < best.sse) best = { sse, rate, tau, after: last - c + 1 };
  }
  if (best && best.after >= 2) {
    return { perDay: best.rate * DAY_MS, changePointTs: best.tau, method: 'hinge_regression' };
  }
  const tau = history[Math.max(0, history.length - n)].end - windowMs;
  const days = (t[last] - tau) / DAY_MS;
  if (!(days > 0)) return null;
  return { perDay: y[last] / days, changePointTs: tau, method: 'shift_over_time' };
}

function checkBaseline(b: CusumBaseline): CusumBaseline {
  if (!Number.isFinite(b.mean) || !(b.sigma >= 0) || !Number.isFinite(b.sigma)) {
    throw new RangeError(`baseline needs a finite mean and sigma >= 0 (got ${b.mean}, ${b.sigma})`);
  }
  return { mean: b.mean, sigma: b.sigma };
}

/**
 * Reference baseline from clean readings: mean and std of their window means, with the same windows
 * the live detector uses. Needs at least two windows.
 */
export function baselineFromReadings(
  points: readonly { ts: number; value: number }[],
  windowSeconds = 60,
  minSamplesPerWindow = 1,
): CusumBaseline & { windows: number } {
  const w = windowSeconds * 1000;
  const buckets = new Map<number, { n: number; sum: number }>();
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    const b = Math.floor(p.ts / w);
    const acc = buckets.get(b) ?? { n: 0, sum: 0 };
    acc.n++;
    acc.sum += p.value;
    buckets.set(b, acc);
  }
  const means = [...buckets.values()].filter((b) => b.n >= minSamplesPerWindow).map((b) => b.sum / b.n);
  if (means.length < 2) throw new RangeError('baselineFromReadings needs at least two windows of readings');
  const mean = means.reduce((a, b) => a + b, 0) / means.length;
  const variance = means.reduce((a, m) => a + (m - mean) ** 2, 0) / (means.length - 1);
  return { mean, sigma: Math.sqrt(variance), windows: means.length };
}
