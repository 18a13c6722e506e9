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

  it('raises once after alertWindows consecutive pattern-anomalous windows, naming the features, then clears', () => {
    const d = new InstrumentAnomalyDetector(model, 4, cfg, policy);
    run(d, Array(3).fill({}));
    const raised = run(d, [...Array(5).fill({ oscillation: 0.5 }), {}], 3);
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
    // The normal window after the oscillation clears the condition when the next window starts.
    const cleared = run(d, [{}], 9);
    expect(cleared.map((e) => e.kind)).toEqual(['clear']);
    expect(d.snapshot().episode_active).toBe(false);
  });

  it('does not alert on fewer consecutive anomalous windows than alertWindows', () => {
    const d = new InstrumentAnomalyDetector(model, 1, cfg, policy);
    const events = run(d, [{}, { oscillation: 0.5 }, { oscillation: 0.5 }, {}, { oscillation: 0.5 }, {}, {}]);
    expect(events).toEqual([]);
  });

  it('a level excursion alone is scored anomalous but raises no anomaly alert (the CUSUM and rules own levels)', () => {
    const d = new InstrumentAnomalyDetector(model, 1, cfg, policy);
    const events = run(d, [...Array(8).fill({ level: 6.5 }), {}]);
    expect(events).toEqual([]);
    const s = d.snapshot();
    expect(s.windows_scored).toBe(8);
    expect(s.anomalous).toBe(true);
    expect(s.top_features[0].feature).not.toBe('std');
    expect(s.consecutive_anomalous).toBe(0);
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

  it('ignores readings that are not good, and clears an episode restored after a restart', () => {
    const d = new InstrumentAnomalyDetector(model, 1, cfg, policy);
    expect(d.process({ ts: T0, value: 50, quality: 'fault' })).toEqual([]);
    d.restoreEpisode('warning');
    const events = run(d, [{}, {}]);
    expect(events.map((e) => [e.kind, e.severity])).toEqual([['clear', 'warning']]);
  });
});
