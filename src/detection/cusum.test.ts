import { describe, expect, it } from 'vitest';
import {
  baselineFromReadings,
  CusumDetector,
  type CusumDetectorState,
  cusumShiftEstimate,
  cusumStep,
  driftRateFromChangePoint,
  initialCusumSums,
} from './cusum.ts';
import { mulberry32, normalSampler } from './random.ts';
import type { DetectorEvent } from './types.ts';
import { monitorConfig } from './types.ts';

const cfg = monitorConfig({
  tag: 'PT-101',
  unit: 'bar',
  rangeMin: 0,
  rangeMax: 10,
  publishIntervalSeconds: 1,
});

describe('cusumStep', () => {
  it('computes S+ = max(0, S+ + z - k), S- = max(0, S- - z - k) and the run counters', () => {
    const zs = [1, 2, -1, 0.2, -3];
    const trace: number[][] = [];
    let s = initialCusumSums();
    for (const z of zs) {
      s = cusumStep(s, z, 0.5, 5).state;
      trace.push([s.sPlus, s.sMinus, s.nPlus, s.nMinus].map((x) => Math.round(x * 1e12) / 1e12));
    }
    expect(trace).toEqual([
      [0.5, 0, 1, 0],
      [2, 0, 2, 0],
      [0.5, 0.5, 3, 1],
      [0.2, 0, 4, 0],
      [0, 2.5, 0, 1],
    ]);
  });

  it('alarms when a sum exceeds h (strictly), upward and downward', () => {
    const atH = cusumStep(initialCusumSums(), 5.5, 0.5, 5);
    expect(atH.state.sPlus).toBe(5);
    expect(atH.up).toBe(false);
    expect(cusumStep(atH.state, 0.75, 0.5, 5).up).toBe(true);
    const down = cusumStep(initialCusumSums(), -6, 0.5, 5);
    expect(down).toMatchObject({ up: false, down: true });
    expect(down.state.sMinus).toBe(5.5);
  });

  it('estimates the shifted mean as k + S/N sigma (Montgomery)', () => {
    const sums = { sPlus: 6, sMinus: 3, nPlus: 4, nMinus: 2 };
    expect(cusumShiftEstimate(sums, 0.5, 'up')).toBe(2);
    expect(cusumShiftEstimate(sums, 0.5, 'down')).toBe(-2);
    expect(cusumShiftEstimate(initialCusumSums(), 0.5, 'up')).toBe(0);
  });

  // Two-sided tabular CUSUM, k = 0.5, h = 5: ARL 465 / 38.0 / 10.4 / 4.01 for shifts 0 / 0.5 / 1 / 2 sigma.
  // Run lengths are roughly geometric (sd ~ mean), so 4,000 runs give a standard error of ~1.6 %.
  it.each([
    [0, 465, 4000],
    [0.5, 38.0, 4000],
    [1, 10.4, 4000],
    [2, 4.01, 4000],
  ])('Monte Carlo ARL for a %s sigma shift is %s within 10%%', (shift, expected, runs) => {
    const z = normalSampler(mulberry32(20_240 + shift * 1000));
    let total = 0;
    for (let r = 0; r < runs; r++) {
      let s = initialCusumSums();
      let n = 0;
      for (;;) {
        n++;
        const step = cusumStep(s, z() + shift, 0.5, 5);
        s = step.state;
        if (step.up || step.down) break;
      }
      total += n;
    }
    const arl = total / runs;
    expect(Math.abs(arl - expected) / expected).toBeLessThan(0.1);
  });
});

/** Feeds one reading per second for [fromS, toS) with a value from f(t seconds). */
function feed(
  det: CusumDetector,
  fromS: number,
  toS: number,
  f: (t: number) => number,
  c = cfg,
): DetectorEvent[] {
  const events: DetectorEvent[] = [];
  for (let t = fromS; t < toS; t++) events.push(...det.update(c, { ts: t * 1000, value: f(t) }));
  return events;
}

describe('CusumDetector with a reference baseline', () => {
  const baseline = { mean: 5, sigma: 0.1 };

  it('alarms on window means, once, with the shift estimate and drift rate in the details', () => {
    const det = new CusumDetector({}, baseline);
    // z = +2 per window: S+ = 1.5, 3, 4.5, 6 -> alarm when window 3 closes (first reading of window 4).
    const events = feed(det, 0, 241, () => 5.2);
    expect(events).toHaveLength(1);
    const [e] = events;
    expect(e).toMatchObject({
      kind: 'raise',
      alertType: 'drift',
      condition: 'cusum_up',
      severity: 'warning',
    });
    expect(e.ts).toBe(240_000); // end of the window that tipped it
    const d = e.details!;
    expect(d.direction).toBe('up');
    expect(d.statistic).toBeCloseTo(6, 9);
    expect(d.h).toBe(5);
    expect(d.samples_since_zero).toBe(4);
    expect(d.estimated_shift).toBeCloseTo(0.1 * (0.5 + 6 / 4), 9); // sigma (k + S/N) = 0.2 bar
    expect(d.estimated_mean).toBeCloseTo(5.2, 9);
    expect(d.shift_pct_of_span).toBeCloseTo(2, 9);
    expect(d.elapsed_days).toBeCloseTo(240_000 / 86_400_000, 12);
    // A step from the first window: the ramp model reads it as a fast ramp from the run's start.
    expect(d.rate_method).toBe('hinge_regression');
    expect(d.change_point_at).toBe(new Date(0).toISOString());
    expect(d.drift_rate_per_day as number).toBeGreaterThan(0);
    expect(d.baseline_source).toBe('reference');
    expect(e.message).toMatch(
      /^PT-101 drift up: mean now ~5\.2 bar vs baseline 5 bar \(\+0\.2 bar, \+2% of span, \+[0-9.]+ bar\/day since the change point\); CUSUM 6 > h 5$/,
    );
    // Latched: a persisting shift raises nothing more.
    expect(feed(det, 241, 1200, () => 5.2)).toEqual([]);
    expect(det.snapshot().alarm_up).toBe(true);
  });

  it('alarms downward with a negative shift', () => {
    const det = new CusumDetector({}, baseline);
    const [e] = feed(det, 0, 241, () => 4.8);
    expect(e.condition).toBe('cusum_down');
    expect(e.details).toMatchObject({ direction: 'down' });
    expect(e.details!.estimated_shift).toBeCloseTo(-0.2, 9);
    expect(e.details!.shift_pct_of_span).toBeCloseTo(-2, 9);
    expect(e.details!.drift_rate_per_day as number).toBeLessThan(0);
  });

  it('clears when the alarming sum returns to 0', () => {
    const det = new CusumDetector({}, baseline);
    feed(det, 0, 240, () => 5.2);
    // From window 4 the value is 4.9 (z = -1): S+ 6 -> 4.5 -> 3 -> 1.5 -> 0 at the close of window 7.
    const events = [...feed(det, 240, 480, (t) => (t < 240 ? 5.2 : 4.9)), ...det.flush(cfg, 480_000)];
    expect(events.map((e) => `${e.kind}:${e.condition}@${e.ts / 60_000}`)).toEqual([
      'raise:cusum_up@4',
      'clear:cusum_up@8',
    ]);
    expect(det.snapshot()).toMatchObject({ s_plus: 0, alarm_up: false });
    expect(det.snapshot().s_minus).toBeCloseTo(2, 9);
  });

  it('does not alarm on a shift smaller than k sigma', () => {
    const det = new CusumDetector({}, baseline);
    expect(feed(det, 0, 6000, () => 5.045)).toEqual([]);
    expect(det.snapshot().s_plus).toBe(0);
  });

  it('uses cusumK and cusumH from the configuration', () => {
    const det = new CusumDetector({}, baseline);
    const strict = { ...cfg, cusumH: 2 };
    const events = feed(det, 0, 121, () => 5.2, strict); // S+ 1.5, 3 > 2 at window 1
    expect(events.map((e) => e.ts)).toEqual([120_000]);
    expect(det.snapshot()).toMatchObject({ h: 2, k: 0.5 });
  });

  it('ignores readings that are not good, and readings older than the open window', () => {
    const det = new CusumDetector({}, baseline);
    const events: DetectorEvent[] = [];
    for (let t = 0; t < 600; t++) {
      events.push(...det.update(cfg, { ts: t * 1000, value: 9.9, quality: t % 2 ? 'fault' : 'spike' }));
      events.push(...det.update(cfg, { ts: t * 1000 + 500, value: 5 }));
      if (t % 60 === 30) events.push(...det.update(cfg, { ts: (t - 61) * 1000, value: 9.9 })); // late
    }
    expect(events).toEqual([]);
    expect(det.toJSON().lateReadings).toBeGreaterThan(0);
    expect(det.snapshot().s_plus).toBe(0);
  });

  it('skips windows with too few readings (partial windows around gaps)', () => {
    const det = new CusumDetector({}, baseline);
    feed(det, 0, 10, () => 9); // 10 readings < 30 (half of 60 at 1 s)
    feed(det, 60, 61, () => 5); // closes window 0
    expect(det.snapshot().windows_processed).toBe(0);
    expect(det.toJSON().windowsSkipped).toBe(1);
    expect(det.snapshot().s_plus).toBe(0);
  });

  it('reset() clears latched alarms, keeps the reference baseline and restarts the run clock', () => {
    const det = new CusumDetector({}, baseline);
    feed(det, 0, 241, () => 5.2);
    const cleared = det.reset({ ts: 1_000_000, tag: 'PT-101' });
    expect(cleared.map((e) => `${e.kind}:${e.condition}@${e.ts}`)).toEqual(['clear:cusum_up@1000000']);
    expect(cleared[0].message).toBe('PT-101 drift up cleared: CUSUM reset (new run, e.g. after calibration)');
    expect(det.snapshot()).toMatchObject({
      s_plus: 0,
      s_minus: 0,
      alarm_up: false,
      baseline_mean: 5,
      baseline_source: 'reference',
      run_started_at: 1_000_000,
    });
    // The new run scores from its first window (no warm-up), and its change point is after the reset.
    const start = 2 * 86_400; // window aligned, two days after t = 0
    const events = feed(det, start, start + 241, () => 5.2);
    expect(events).toHaveLength(1);
    const [e] = events;
    expect(e.ts).toBe((start + 240) * 1000);
    expect(e.details!.elapsed_days).toBeCloseTo((e.ts - 1_000_000) / 86_400_000, 12);
    expect(e.details!.change_point_at).toBe(new Date(start * 1000).toISOString());
  });

  it('reset({ baseline: null }) forces a warm-up, reset({ baseline }) installs a new reference', () => {
    const det = new CusumDetector({}, baseline);
    det.reset({ baseline: null });
    expect(det.snapshot().baseline_source).toBeNull();
    det.reset({ baseline: { mean: 7, sigma: 0.2 } });
    expect(det.snapshot()).toMatchObject({
      baseline_mean: 7,
      baseline_sigma: 0.2,
      baseline_source: 'reference',
    });
    expect(() => det.reset({ baseline: { mean: Number.NaN, sigma: 1 } })).toThrow(RangeError);
  });

  it('survives a JSON checkpoint mid-window and mid-run with identical results', () => {
    const z = normalSampler(mulberry32(3));
    // In control, +0.2 bar (z = 2) for 5 windows from t = 1800 s (raise), then -0.05 bar (z = -0.5, so
    // S+ falls by 1 per window while S- does not grow) until the up condition clears.
    const values = Array.from(
      { length: 3600 },
      (_, t) => 5 + 0.3 * z() + (t >= 2100 ? -0.05 : t >= 1800 ? 0.2 : 0),
    );
    const straight = new CusumDetector({}, baseline);
    const expected = feed(straight, 0, 3600, (t) => values[t]);
    const first = new CusumDetector({}, baseline);
    const a = feed(first, 0, 1830, (t) => values[t]);
    const json = JSON.parse(JSON.stringify(first.toJSON())) as CusumDetectorState;
    const second = CusumDetector.fromJSON(json);
    const b = feed(second, 1830, 3600, (t) => values[t]);
    expect([...a, ...b]).toEqual(expected);
    expect(expected.map((x) => `${x.kind}:${x.condition}`)).toEqual(['raise:cusum_up', 'clear:cusum_up']);
    expect(b).toEqual(expected); // both events happen after the checkpoint
    expect(second.snapshot()).toEqual(straight.snapshot());
    expect(() => CusumDetector.fromJSON({ ...json, version: 2 } as unknown as CusumDetectorState)).toThrow();
  });
});

describe('CusumDetector warm-up', () => {
  it('learns mu0 and sigma of the window means from the first N windows, silently', () => {
    const det = new CusumDetector({ warmupWindows: 5 });
    const means = [5.0, 5.1, 4.9, 5.0, 5.0];
    // Wildly different readings inside a window only matter through their mean.
    const events = feed(det, 0, 240, (t) => means[Math.floor(t / 60)] + (t % 2 ? 0.5 : -0.5));
    expect(events).toEqual([]);
    expect(det.snapshot()).toMatchObject({
      baseline_mean: null,
      warmup: { windows: 3, required: 5, complete: false, progress: 0.6 },
    });
    feed(det, 240, 301, (t) => means[Math.min(4, Math.floor(t / 60))] + (t % 2 ? 0.5 : -0.5));
    const snap = det.snapshot();
    expect(snap.baseline_source).toBe('warmup');
    expect(snap.baseline_mean).toBeCloseTo(5, 12);
    expect(snap.baseline_sigma).toBeCloseTo(Math.sqrt(0.02 / 4), 12); // sample std of the 5 means
    expect(snap.warmup).toMatchObject({ windows: 5, complete: true, progress: 1 });
  });

  it('raises nothing during the warm-up, whatever the values', () => {
    const det = new CusumDetector({ warmupWindows: 10 });
    expect(feed(det, 0, 600, (t) => (Math.floor(t / 60) % 2 ? 9 : 1))).toEqual([]);
  });

  it('a warm-up-learned baseline is kept by reset() (no blind spot after a calibration)', () => {
    const det = new CusumDetector({ warmupWindows: 2 });
    feed(det, 0, 121, () => 5);
    expect(det.snapshot().baseline_source).toBe('warmup');
    det.reset();
    expect(det.snapshot().baseline_source).toBe('warmup');
    det.reset({ baseline: null });
    expect(det.snapshot().baseline_source).toBeNull();
    expect(det.snapshot().warmup.windows).toBe(0);
  });

  it('floors sigma at a share of span so a perfectly steady warm-up cannot divide by zero', () => {
    const det = new CusumDetector({ warmupWindows: 3 });
    feed(det, 0, 180, () => 5);
    // Floor: 0.05 % of a 10 bar span = 0.005 bar. A 0.01 bar shift is z = 2: alarm after 4 windows.
    const events = feed(det, 180, 421, () => 5.01);
    expect(det.snapshot()).toMatchObject({ baseline_sigma: 0, sigma_used: 0.005 });
    expect(events.map((e) => e.condition)).toEqual(['cusum_up']);
    expect(events[0].details!.estimated_shift).toBeCloseTo(0.01, 9);
    // A shift far below the floor never alarms.
    const quiet = new CusumDetector({ warmupWindows: 3 });
    feed(quiet, 0, 180, () => 5);
    expect(feed(quiet, 180, 7200, () => 5.001)).toEqual([]);
  });

  it('sigma of window means absorbs autocorrelation: few false alarms where raw 1 Hz CUSUM floods', () => {
    // AR(1) noise, phi = 0.9, sd 0.5 bar, 6 h at 1 Hz, no drift.
    const phi = 0.9;
    const sd = 0.5;
    const z = normalSampler(mulberry32(11));
    const innovation = Math.sqrt(1 - phi * phi);
    let e = 0;
    const values = Array.from({ length: 6 * 3600 }, () => {
      e = phi * e + innovation * z();
      return 5 + sd * e;
    });

    let raw = initialCusumSums();
    let rawAlarms = 0;
    for (const v of values) {
      const step = cusumStep(raw, (v - 5) / sd, 0.5, 5);
      raw = step.state;
      if (step.up || step.down) {
        rawAlarms++;
        raw = initialCusumSums();
      }
    }
    const det = new CusumDetector();
    const raises = feed(det, 0, values.length, (t) => values[t]).filter((x) => x.kind === 'raise');

    // Theoretical sd of a 60-sample mean of this AR(1): sd / sqrt(n) * sqrt(1 + 2 sum (1 - j/n) phi^j).
    const n = 60;
    let acc = 1;
    for (let j = 1; j < n; j++) acc += 2 * (1 - j / n) * phi ** j;
    const sigmaMean = (sd / Math.sqrt(n)) * Math.sqrt(acc);
    const learned = det.snapshot().baseline_sigma!;
    expect(learned / sigmaMean).toBeGreaterThan(0.7);
    expect(learned / sigmaMean).toBeLessThan(1.3);
    expect(learned).toBeGreaterThan(2.5 * (sd / Math.sqrt(n))); // the naive sigma / sqrt(n) is far too small

    expect(rawAlarms).toBeGreaterThan(500); // a false alarm every few seconds
    expect(raises.length).toBeLessThanOrEqual(5); // expected ~1-2 in 5 h of scored windows
  });
});

describe('baselineFromReadings', () => {
  it('is the mean and sample std of the window means', () => {
    const points = [
      { ts: 0, value: 1 },
      { ts: 30_000, value: 3 }, // window 0 mean 2
      { ts: 60_000, value: 4 }, // window 1 mean 4
      { ts: 120_000, value: 6 }, // window 2 mean 6
    ];
    const b = baselineFromReadings(points, 60);
    expect(b).toEqual({ mean: 4, sigma: 2, windows: 3 });
    expect(() => baselineFromReadings(points.slice(0, 2), 60)).toThrow(RangeError);
  });
});

describe('snapshot', () => {
  it('exposes what the status API needs', () => {
    const det = new CusumDetector({ windowSeconds: 30, warmupWindows: 4 });
    expect(det.snapshot()).toEqual({
      s_plus: 0,
      s_minus: 0,
      n_plus: 0,
      n_minus: 0,
      h: 5,
      k: 0.5,
      baseline_mean: null,
      baseline_sigma: null,
      sigma_used: null,
      baseline_source: null,
      window_seconds: 30,
      warmup: { windows: 0, required: 4, complete: false, progress: 0 },
      alarm_up: false,
      alarm_down: false,
      last_z: null,
      run_started_at: null,
      last_window_end: null,
      windows_processed: 0,
    });
  });
});

describe('drift rate from the change point (issue 11)', () => {
  const slow = { ...cfg, publishIntervalSeconds: 60 };

  // 10 bar span, 1 % of span per day = 0.1 bar/day, starting 3 days into the run; 1 h windows, a
  // reading a minute with noise sd 0.02 bar, reference sigma of hourly means 0.01 bar.
  function rampRun(seed: number): DetectorEvent {
    const z = normalSampler(mulberry32(seed));
    const det = new CusumDetector({ windowSeconds: 3600 }, { mean: 5, sigma: 0.01 });
    for (let t = 0; t < 6 * 86_400_000; t += 60_000) {
      const drift = t > RAMP_START ? (0.1 * (t - RAMP_START)) / 86_400_000 : 0;
      const raise = det
        .update(slow, { ts: t, value: 5 + drift + 0.02 * z() })
        .find((e) => e.kind === 'raise');
      if (raise) return raise;
    }
    throw new Error('no alarm');
  }
  const RAMP_START = 3 * 86_400_000;

  it('recovers a known ramp starting mid-run within 20 % (the run-start rate was 3-8x too low)', () => {
    const raise = rampRun(12);
    const d = raise.details!;
    expect(d.direction).toBe('up');
    expect(d.rate_method).toBe('hinge_regression');
    expect(Math.abs((d.drift_rate_per_day as number) - 0.1) / 0.1).toBeLessThan(0.2);
    expect(Math.abs((d.drift_rate_pct_span_per_day as number) - 1)).toBeLessThan(0.2);
    // The change point is near the ramp's start, not the run's start.
    expect(Math.abs(Date.parse(d.change_point_at as string) - RAMP_START)).toBeLessThan(3 * 3_600_000);
    // What the old estimate (shift / time since run start) gave: several times too low.
    expect((d.estimated_shift as number) / (d.elapsed_days as number)).toBeLessThan(0.02);
  });

  it('over 10 seeded runs the rate at the alarm has a median error < 15 %, 7 of 10 within 20 %', () => {
    const errors = Array.from({ length: 10 }, (_, i) => {
      const rate = rampRun(100 + i).details!.drift_rate_per_day as number;
      return Math.abs(rate - 0.1) / 0.1;
    }).sort((a, b) => a - b);
    expect((errors[4] + errors[5]) / 2).toBeLessThan(0.15);
    expect(errors.filter((e) => e < 0.2).length).toBeGreaterThanOrEqual(7);
  });

  it('driftRateFromChangePoint: slope over the windows since the change point, else shift over time', () => {
    const h = [0, 0, 0, 1, 2, 3].map((v, i) => ({ end: (i + 1) * 86_400_000, value: v }));
    // Ramp of 1/day from day 3 (window centres 3.5, 4.5, 5.5 -> 1, 2, 3... minus the half window).
    const ramp = [0, 0, 0, 0.5, 1.5, 2.5].map((v, i) => ({ end: (i + 1) * 86_400_000, value: v }));
    const fit = driftRateFromChangePoint(ramp, 3, 0, 86_400_000);
    expect(fit?.method).toBe('hinge_regression');
    expect(fit?.perDay).toBeCloseTo(1, 9);
    expect(fit?.changePointTs).toBe(3 * 86_400_000);
    // mu0 is subtracted: the same ramp around 10.
    const shifted = ramp.map((p) => ({ ...p, value: p.value + 10 }));
    expect(driftRateFromChangePoint(shifted, 3, 10, 86_400_000)?.perDay).toBeCloseTo(1, 9);
    expect(h.length).toBe(6);
    const one = driftRateFromChangePoint([{ end: 86_400_000, value: 0.5 }], 1, 0, 86_400_000);
    expect(one).toEqual({ perDay: 1, changePointTs: 0, method: 'shift_over_time' });
    expect(driftRateFromChangePoint([], 1, 0, 1000)).toBeNull();
  });
});

describe('short warm-up and residual mode (issue 11)', () => {
  it('scores against a provisional baseline after provisionalMinutes, long before the warm-up ends', () => {
    const z = normalSampler(mulberry32(5));
    const det = new CusumDetector({ windowSeconds: 600, warmupWindows: 48, provisionalMinutes: 60 });
    // First hour: nothing is scored.
    expect(feed(det, 0, 3600, () => 5 + 0.05 * z())).toEqual([]);
    expect(det.snapshot()).toMatchObject({ baseline_source: null, windows_processed: 5 });
    expect(det.snapshot().last_z).toBeNull();
    // A 0.2 bar offset (4 raw sd) is caught within a few 10-minute windows of the provisional phase.
    const events = feed(det, 3600, 3 * 3600, () => 5.2 + 0.05 * z());
    const raise = events.find((e) => e.kind === 'raise');
    expect(raise?.condition).toBe('cusum_up');
    expect(raise!.ts).toBeLessThan(3 * 3_600_000);
    expect(raise!.details!.baseline_source).toBe('provisional');
    expect(det.snapshot().baseline_source).toBe('provisional');
    expect(det.snapshot().warmup.complete).toBe(false);
  });

  it('stays quiet on a clean signal in the provisional phase (raw sd is a conservative sigma)', () => {
    const z = normalSampler(mulberry32(6));
    const det = new CusumDetector({ windowSeconds: 600, warmupWindows: 144, provisionalMinutes: 60 });
    // A day of 1 Hz readings with autocorrelated noise (AR(1), phi 0.99).
    let e = 0;
    const events = feed(det, 0, 86_400, () => {
      e = 0.99 * e + 0.05 * Math.sqrt(1 - 0.99 ** 2) * z();
      return 5 + e;
    });
    expect(events).toEqual([]);
  });

  it('updateResidual runs the CUSUM on residual / sigma with mu0 = 0 and reports the rate', () => {
    const det = new CusumDetector({ windowSeconds: 3600 });
    const events: DetectorEvent[] = [];
    // Residual ramps 0.01 bar per hour from hour 10 (0.24 bar/day), residual sigma 0.01; the value of
    // the window ending at hour hr is the ramp's mean over it, i.e. at hr - 0.5.
    for (let hr = 1; hr <= 40; hr++) {
      const r = hr > 10 ? 0.01 * (hr - 0.5 - 10) : 0;
      events.push(...det.updateResidual(cfg, hr * 3_600_000, r, 0.01));
    }
    const raise = events.find((e) => e.kind === 'raise')!;
    expect(raise.condition).toBe('cusum_up');
    expect(raise.ts).toBeLessThanOrEqual(16 * 3_600_000);
    expect(raise.details!.drift_rate_per_day).toBeCloseTo(0.24, 6);
    expect(raise.details!.change_point_at).toBe(new Date(10 * 3_600_000).toISOString());
    expect(raise.details!.baseline_mean).toBe(0);
    // Older windows are ignored (one value per window end).
    expect(det.updateResidual(cfg, 3_600_000, 5, 0.01)).toEqual([]);
  });
});
