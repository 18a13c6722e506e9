import { describe, expect, it } from 'vitest';
import { extractFeatures } from '../detection/features.ts';
import { trainIsolationForest } from '../detection/isolation-forest.ts';
import { mulberry32, normalSampler } from '../detection/random.ts';
import type { DetectorEvent } from '../detection/types.ts';
import { InstrumentAnomalyDetector } from './anomaly-detector.ts';

// Pure tests on injected event time: a 0-10 bar transmitter publishing every 5 s, 60 s windows.
const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);
const WINDOW = 60_000;
const STEP = 5_000;
const scale = { rangeMin: 0, rangeMax: 10, nominalValue: 5 };
const cfg = { ...scale, tag: 'PT-101', publishIntervalSeconds: 5 };
const policy = { windowSeconds: 60, alertWindows: 3, warningThreshold: 0.5, criticalThreshold: 0.7 };

const normal = normalSampler(mulberry32(11));
/** One window of readings: level + noise, optionally an oscillation (a pattern, not a level). */
function windowPoints(k: number, opts: { level?: number; oscillation?: number } = {}) {
  const out: { ts: number; value: number }[] = [];
  for (let t = 0; t < WINDOW; t += STEP) {
    const ts = T0 + k * WINDOW + t;
    const osc = (opts.oscillation ?? 0) * Math.sin((2 * Math.PI * t) / 20_000);
    out.push({ ts, value: (opts.level ?? 5) + 0.02 * normal() + osc });
  }
  return out;
}

const model = trainIsolationForest(
  Array.from({ length: 400 }, (_, k) =>
    extractFeatures(windowPoints(-1000 + k, { level: 5 + 0.05 * normal() }), scale),
  ),
  { contamination: 0.05, seed: 3 },
);

function run(
  detector: InstrumentAnomalyDetector,
  windows: { level?: number; oscillation?: number }[],
  from = 0,
) {
  const events: DetectorEvent[] = [];
  windows.forEach((w, i) => {
    for (const p of windowPoints(from + i, w)) events.push(...detector.process(p));
  });
  return events;
}

describe('InstrumentAnomalyDetector', () => {
  it('scores each closed window and raises nothing on normal data', () => {
    const d = new InstrumentAnomalyDetector(model, 1, cfg, policy);
    const events = run(d, Array(10).fill({}));
    expect(events).toEqual([]);
    const s = d.snapshot();
    expect(s.windows_scored).toBe(9); // the 10th window is still open
    expect(s.score).toBeGreaterThan(0);
    expect(s.score).toBeLessThan(1);
    expect(s.model_version).toBe(1);
    expect(s.window_end).toBe(new Date(T0 + 9 * WINDOW).toISOString());
  });

  it('score-weighted persistence: a score just over the threshold needs alertWindows windows, a high one fewer', () => {
    // A huge spread (median far below the threshold) makes every window count ~1: the plain rule.
    const plain = new InstrumentAnomalyDetector(model, 4, cfg, policy, model.threshold - 100);
    run(plain, Array(3).fill({}));
    const raised = run(plain, [...Array(5).fill({ oscillation: 0.5 }), {}], 3);
    const raises = raised.filter((e) => e.kind === 'raise');
    expect(raises).toHaveLength(1);
    const r = raises[0];
    expect(r.alertType).toBe('anomaly');
    expect(r.condition).toBe('isolation_forest');
    // Third anomalous window (windows 3, 4, 5) closes when window 6 starts.
    expect(r.ts).toBe(T0 + 6 * WINDOW);
    expect(r.message).toMatch(/^PT-101 unusual pattern for 3 min/);
    expect(r.message).toMatch(/most deviating: std /);
    expect(r.details).toMatchObject({ model_version: 4, consecutive_windows: 3 });
    expect((r.details!.top_features as { feature: string }[])[0].feature).toBe('std');
    // The same oscillation scored against a narrow training spread is strong evidence: one window.
    const weighted = new InstrumentAnomalyDetector(model, 4, cfg, policy, model.threshold - 0.01);
    run(weighted, Array(3).fill({}));
    const fast = run(weighted, [{ oscillation: 0.5 }, {}], 3).filter((e) => e.kind === 'raise');
    expect(fast).toHaveLength(1);
    expect(fast[0].ts).toBe(T0 + 4 * WINDOW);
    expect(fast[0].details).toMatchObject({ consecutive_windows: 1 });
  });

  it('clears with hysteresis: only below the clear threshold, for one window length', () => {
    // Narrow spread: clear threshold just under the alert threshold, so normal windows clear.
    const d = new InstrumentAnomalyDetector(model, 1, cfg, policy, model.threshold - 0.01);
    run(d, [{}, { oscillation: 0.5 }, {}]);
    expect(d.snapshot().episode_active).toBe(true);
    expect(run(d, [{}], 3).map((e) => e.kind)).toEqual(['clear']);
    // Wide spread: the clear threshold sits far below normal scores, so normal windows (under the
    // alert threshold) hold the episode open instead of clearing and re-raising it.
    const held = new InstrumentAnomalyDetector(model, 1, cfg, policy, model.threshold - 0.8);
    run(held, [{}, ...Array(3).fill({ oscillation: 3 }), {}]);
    expect(held.snapshot().episode_active).toBe(true);
    const after = run(held, Array(5).fill({}), 5);
    expect(after).toEqual([]);
    expect(held.snapshot()).toMatchObject({ episode_active: true, anomalous: false });
    expect(held.snapshot().clear_threshold).toBeCloseTo(model.threshold - 0.4, 12);
  });

  it('does not alert on fewer consecutive anomalous windows than alertWindows at a plain score', () => {
    const d = new InstrumentAnomalyDetector(model, 1, cfg, policy, model.threshold - 100);
    const events = run(d, [{}, { oscillation: 0.5 }, { oscillation: 0.5 }, {}, { oscillation: 0.5 }, {}, {}]);
    expect(events).toEqual([]);
  });

  it('does not stay latched on a level offset: the episode ends after levelLatchSeconds and stays ended', () => {
    // By default a level excursion is scored anomalous but raises nothing (the CUSUM and limits own levels).
    const quiet = new InstrumentAnomalyDetector(model, 1, cfg, policy, model.threshold - 0.01);
    expect(run(quiet, [{}, ...Array(8).fill({ level: 6.5 })])).toEqual([]);
    expect(quiet.snapshot().anomalous).toBe(true);
    // With level alerts on (ANOMALY_LEVEL_ALERTS), the episode still ends after the latch.
    const latched = { ...policy, levelLatchSeconds: 300, levelAlerts: true };
    const d = new InstrumentAnomalyDetector(model, 1, cfg, latched, model.threshold - 0.01);
    const events = run(d, [{}, ...Array(12).fill({ level: 6.5 })]);
    expect(events.map((e) => e.kind)).toEqual(['raise', 'clear']);
    expect(events[1].message).toMatch(/level offset persists/);
    // Raised on the first offset window (judged at 2 W), cleared after 5 more verdicts (300 s).
    expect(events[0].ts).toBe(T0 + 2 * WINDOW);
    expect(events[1].ts).toBe(T0 + 7 * WINDOW);
    expect(d.snapshot()).toMatchObject({ anomalous: true, episode_active: false });
    expect(d.snapshot().top_features[0].feature).not.toBe('std');
    // Back to normal, then a new offset: a new episode.
    const again = run(d, [{}, {}, { level: 6.5 }, { level: 6.5 }], 13);
    expect(again.map((e) => e.kind)).toEqual(['raise']);
  });

  it('judges a sliding window every stride', () => {
    const d = new InstrumentAnomalyDetector(model, 1, cfg, { ...policy, strideSeconds: 15 });
    run(d, Array(4).fill({}));
    // Readings from T0 to T0 + 235 s: boundaries T0 + 15 s .. T0 + 225 s judged (15 of them); the
    // the first (3 readings) holds less than the 6 a 60 s window needs at 5 s.
    expect(d.snapshot()).toMatchObject({ windows_scored: 14, windows_skipped: 1, stride_seconds: 15 });
    expect(d.snapshot().window_end).toBe(new Date(T0 + 225_000).toISOString());
  });

  it('closes a window on the clock when the instrument goes quiet, and skips windows with too few readings', () => {
    const d = new InstrumentAnomalyDetector(model, 1, cfg, policy);
    for (const p of windowPoints(0)) d.process(p);
    expect(d.tick(T0 + WINDOW + 1_000)).toEqual([]); // inside the grace period: still open
    expect(d.snapshot().windows_scored).toBe(0);
    d.tick(T0 + WINDOW + 10_001);
    expect(d.snapshot().windows_scored).toBe(1);
    d.process({ ts: T0 + 2 * WINDOW, value: 5 });
    d.tick(T0 + 4 * WINDOW);
    expect(d.snapshot()).toMatchObject({ windows_scored: 1, windows_skipped: 1 });
  });

  it('ticks on event time: a replay of old readings arriving at once is not cut short by the wall clock', () => {
    const wall = T0 + 3_600_000; // the export is an hour old
    const d = new InstrumentAnomalyDetector(model, 1, cfg, policy);
    for (const p of [...windowPoints(0), ...windowPoints(1).slice(0, 6)]) d.process(p, wall);
    // The wall clock is an hour past the open window's end, but its event clock is not.
    expect(d.tick(wall)).toEqual([]);
    expect(d.snapshot()).toMatchObject({ windows_scored: 1, windows_skipped: 0 });
    expect(d.tick(wall + 5_000)).toEqual([]);
    expect(d.snapshot().windows_scored).toBe(1);
    // Quiet for the rest of the window (35 s) plus the grace (10 s) in wall time since the last
    // arrival: the window closes, whole (its 6 readings).
    d.tick(wall + 44_000);
    expect(d.snapshot().windows_scored).toBe(1);
    d.tick(wall + 46_000);
    expect(d.snapshot()).toMatchObject({ windows_scored: 2, windows_skipped: 0 });
    // Live readings (arrival = event time) behave as before.
    const live = new InstrumentAnomalyDetector(model, 1, cfg, policy);
    for (const p of windowPoints(0)) live.process(p);
    live.tick(T0 + WINDOW + 10_001);
    expect(live.snapshot().windows_scored).toBe(1);
  });

  it('ignores readings that are not good, and clears an episode restored after a restart', () => {
    const d = new InstrumentAnomalyDetector(model, 1, cfg, policy, model.threshold - 0.01);
    expect(d.process({ ts: T0, value: 50, quality: 'fault' })).toEqual([]);
    d.restoreEpisode('warning');
    const events = run(d, [{}, {}]);
    expect(events.map((e) => [e.kind, e.severity])).toEqual([['clear', 'warning']]);
  });
});
