import { describe, expect, it } from 'vitest';
import { assessAnomaly, evaluateAnomaly, initialAnomalyState, scoreSeverity } from './anomaly.ts';
import { type IsolationForestModel, trainIsolationForest } from './isolation-forest.ts';
import { mulberry32, normalSampler } from './random.ts';
import type { DetectorEvent } from './types.ts';

describe('scoreSeverity', () => {
  it('is anomalous only above the model threshold (strictly)', () => {
    expect(scoreSeverity(0.45, 0.6)).toEqual({ anomalous: false, severity: null });
    expect(scoreSeverity(0.6, 0.6)).toEqual({ anomalous: false, severity: null });
    expect(scoreSeverity(0.69, 0.72)).toEqual({ anomalous: false, severity: null }); // normal for this model
  });

  it('grades anomalous scores: critical >= 0.7, warning >= 0.5, else advisory', () => {
    expect(scoreSeverity(0.48, 0.45).severity).toBe('advisory');
    expect(scoreSeverity(0.5, 0.45).severity).toBe('warning');
    expect(scoreSeverity(0.65, 0.6).severity).toBe('warning');
    expect(scoreSeverity(0.7, 0.6).severity).toBe('critical');
    expect(scoreSeverity(0.9, 0.6).severity).toBe('critical');
  });

  it('honours configured thresholds', () => {
    const t = { warningThreshold: 0.6, criticalThreshold: 0.8 };
    expect(scoreSeverity(0.55, 0.5, t).severity).toBe('advisory');
    expect(scoreSeverity(0.75, 0.5, t).severity).toBe('warning');
    expect(scoreSeverity(0.8, 0.5, t).severity).toBe('critical');
  });
});

describe('assessAnomaly / evaluateAnomaly', () => {
  const z = normalSampler(mulberry32(8));
  const X = Array.from({ length: 800 }, () => Array.from({ length: 10 }, () => z()));
  const model = trainIsolationForest(X, { contamination: 0.05, seed: 2 });
  const normal = Array(10).fill(0);
  // In 10-D a deviation in one feature alone lifts an Isolation Forest score only a little (few paths
  // split on that feature); an abnormal window moves several features at once.
  const shifted = (v: number) => Array(10).fill(v);
  const withSlope = (v: number, slope: number) => shifted(v).map((x, i) => (i === 6 ? slope : x));

  it('names the most deviating features in the message', () => {
    const a = assessAnomaly(model, withSlope(3, 8), { tag: 'LT-401' });
    expect(a.anomalous).toBe(true);
    expect(a.severity).toBe('critical');
    expect(a.topFeatures[0].feature).toBe('trend_slope');
    expect(a.message).toMatch(
      /^LT-401 anomalous pattern \(critical\): score 0\.\d+ vs model threshold 0\.\d+; /,
    );
    expect(a.message).toContain('most unusual: trend_slope +');
    const n = assessAnomaly(model, normal, { tag: 'LT-401' });
    expect(n.anomalous).toBe(false);
    expect(n.severity).toBeNull();
    expect(n.message).toMatch(/^LT-401 normal pattern/);
  });

  function run(model: IsolationForestModel, windows: number[][]) {
    let state = initialAnomalyState();
    const events: DetectorEvent[] = [];
    windows.forEach((x, i) => {
      const out = evaluateAnomaly(state, model, x, (i + 1) * 60_000);
      state = JSON.parse(JSON.stringify(out.state));
      events.push(...out.events);
    });
    return events;
  }

  it('raises once per anomalous episode and clears at the first normal window', () => {
    const events = run(model, [normal, shifted(3), shifted(3), shifted(3), normal, normal]);
    expect(events.map((e) => `${e.kind}@${e.ts / 60_000}`)).toEqual(['raise@2', 'clear@5']);
    expect(events[0]).toMatchObject({ alertType: 'anomaly', condition: 'isolation_forest' });
    expect(events[0].details).toMatchObject({ model_threshold: model.threshold });
  });

  it('re-raises on escalation only, not when the severity eases', () => {
    const mild = shifted(2);
    const wild = shifted(4);
    expect(assessAnomaly(model, mild).severity).toBe('warning');
    expect(assessAnomaly(model, wild).severity).toBe('critical');
    const events = run(model, [mild, wild, mild, wild, normal]);
    expect(events.map((e) => `${e.kind}:${e.severity}@${e.ts / 60_000}`)).toEqual([
      'raise:warning@1',
      'raise:critical@2',
      'clear:critical@5',
    ]);
  });
});
