import { describe, expect, it } from 'vitest';
import { mulberry32, normalSampler } from '../../src/detection/random.ts';
import { type DetectorEvent, type MonitorConfig, monitorConfig } from '../../src/detection/types.ts';
import {
  InstrumentMonitor,
  type InstrumentMonitorOptions,
  type MonitorReading,
} from '../../src/monitoring/instrument-monitor.ts';

// Unit tests of the per-instrument detector bundle on injected time: every timestamp below is event
// time chosen by the test, and tick(now) is the only clock.

const T0 = Date.parse('2026-03-02T08:00:00Z');
const S = 1000;
const MIN = 60 * S;

const base = (over: Partial<MonitorConfig> = {}) =>
  monitorConfig({
    tag: 'PT-101',
    unit: 'bar',
    rangeMin: 0,
    rangeMax: 10,
    nominalValue: 5,
    alarmHighWarning: 8,
    alarmHighCritical: 9,
    alarmLowWarning: 2,
    alarmLowCritical: 1,
    alarmDeadband: 0.2,
    alarmOnDelaySeconds: 0,
    publishIntervalSeconds: 1,
    stuckDeadband: 0.001,
    stuckWindowMinutes: 5,
    maxRatePerSecond: 2,
    ...over,
  });

function feed(m: InstrumentMonitor, readings: MonitorReading[]): DetectorEvent[] {
  const out: DetectorEvent[] = [];
  for (const r of readings) out.push(...m.process(r));
  return out;
}

/** One reading a second from t0, values from f(i). */
const series = (n: number, f: (i: number) => number, t0 = T0): MonitorReading[] =>
  Array.from({ length: n }, (_, i) => ({ ts: t0 + i * S, value: f(i) }));

/** A live-looking signal: nominal plus small noise, so the stuck detector sees movement. */
function noisy(seed = 1, sd = 0.02) {
  const normal = normalSampler(mulberry32(seed));
  return (_i: number) => 5 + sd * normal();
}

const of = (events: DetectorEvent[], type: string) => events.filter((e) => e.alertType === type);

describe('rule engine (deadband and on-delay) inside the monitor', () => {
  it('a value chattering around the high warning limit raises one alert, not one per crossing', () => {
    const m = new InstrumentMonitor(base());
    // 8.05 / 7.95 alternating: every other reading crosses the 8 bar limit, but never goes back
    // below 8 - 0.2 = 7.8, so the alarm stays raised and never re-raises.
    const events = feed(
      m,
      series(300, (i) => (i % 2 === 0 ? 8.05 : 7.95)),
    );
    const rules = of(events, 'rule_violation');
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ kind: 'raise', condition: 'high_warning', severity: 'warning', ts: T0 });
    expect(m.snapshot().rules.conditions.find((c) => c.condition === 'high_warning')).toMatchObject({
      active: true,
      limit: 8,
      clears_at: 7.8,
    });
  });

  it('clears only past limit - deadband', () => {
    const m = new InstrumentMonitor(base());
    expect(of(feed(m, [{ ts: T0, value: 8.3 }]), 'rule_violation')).toHaveLength(1);
    // 7.85 is below the limit but inside the deadband: still raised.
    expect(feed(m, [{ ts: T0 + S, value: 7.85 }])).toHaveLength(0);
    const cleared = feed(m, [{ ts: T0 + 2 * S, value: 7.7 }]);
    expect(cleared).toMatchObject([
      { kind: 'clear', alertType: 'rule_violation', condition: 'high_warning' },
    ]);
    expect(m.hasActiveCondition()).toBe(false);
  });

  it('on-delay: a violation must hold for the delay of event time; one reading back inside cancels it', () => {
    const m = new InstrumentMonitor(base({ alarmOnDelaySeconds: 10 }));
    // 9 s above the limit, then back: nothing.
    expect(
      feed(
        m,
        series(9, () => 8.5),
      ),
    ).toHaveLength(0);
    expect(feed(m, [{ ts: T0 + 9 * S, value: 7.9 }])).toHaveLength(0);
    expect(
      m.snapshot().rules.conditions.find((c) => c.condition === 'high_warning')?.pending_since,
    ).toBeNull();
    // Held from t = 20 s: raises at 30 s, not before.
    const held = feed(
      m,
      series(15, () => 8.5, T0 + 20 * S),
    );
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ kind: 'raise', condition: 'high_warning', ts: T0 + 30 * S });
  });

  it('critical and warning are separate conditions with their own severities', () => {
    const m = new InstrumentMonitor(base());
    const events = feed(m, [{ ts: T0, value: 9.5 }]);
    expect(events.map((e) => [e.condition, e.severity])).toEqual([
      ['high_warning', 'warning'],
      ['high_critical', 'critical'],
    ]);
  });
});

describe('signal faults and spikes', () => {
  it('an out-of-range reading raises instrument_fault once per episode and clears back in range', () => {
    const m = new InstrumentMonitor(base());
    // 10 bar span: 11.5 bar maps to 22.4 mA, above the 20.5 mA NAMUR limit.
    const raised = feed(
      m,
      series(5, () => 11.5),
    );
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      kind: 'raise',
      alertType: 'instrument_fault',
      condition: 'signal_high',
      severity: 'critical',
    });
    // A fault is a hardware condition, not a process one: no rule violation for 11.5 bar.
    expect(of(raised, 'rule_violation')).toHaveLength(0);
    expect(m.snapshot().signal.fault).toBe('signal_high');
    const cleared = feed(m, [{ ts: T0 + 10 * S, value: 5 }]);
    expect(cleared).toMatchObject([{ kind: 'clear', condition: 'signal_high' }]);
    expect(m.snapshot().readings).toEqual({ good: 1, fault: 5, spike: 0 });
  });

  it('trusts the quality stamped by ingestion and finds the bound from the value', () => {
    const m = new InstrumentMonitor(base());
    const events = feed(m, [{ ts: T0, value: -1, quality: 'fault' }]);
    expect(events).toMatchObject([{ condition: 'signal_low' }]);
  });

  it('faulty and spike readings are kept out of the CUSUM and stuck statistics', () => {
    const opts: InstrumentMonitorOptions = {
      baseline: { mean: 5, sigma: 0.01 },
      cusum: { windowSeconds: 10 },
    };
    const clean = new InstrumentMonitor(base(), opts);
    const dirty = new InstrumentMonitor(base(), opts);
    const f = noisy(7, 0.005);
    const readings = series(600, f);
    feed(clean, readings);
    // The same readings with a burn-out every 7th second and a spike every 11th in between.
    const mixed: MonitorReading[] = [];
    for (const r of readings) {
      mixed.push(r);
      const i = (r.ts - T0) / S;
      if (i % 7 === 3) mixed.push({ ts: r.ts + 300, value: 12, quality: 'fault' });
      else if (i % 11 === 5) mixed.push({ ts: r.ts + 300, value: 7.5 });
    }
    const events = feed(dirty, mixed);
    expect(of(events, 'drift')).toHaveLength(0);
    expect(of(events, 'rule_violation')).toHaveLength(0);
    const a = clean.snapshot();
    const b = dirty.snapshot();
    expect(b.readings.fault).toBeGreaterThan(50);
    expect(b.readings.spike).toBeGreaterThan(20);
    expect(b.cusum.s_plus).toBeCloseTo(a.cusum.s_plus, 12);
    expect(b.cusum.s_minus).toBeCloseTo(a.cusum.s_minus, 12);
    expect(b.cusum.windows_processed).toBe(a.cusum.windows_processed);
    expect(b.stuck).toEqual(a.stuck);
  });
});

describe('stuck sensor', () => {
  it('raises instrument_fault "stuck" after the window without movement, and clears when it moves', () => {
    const m = new InstrumentMonitor(base({ stuckWindowMinutes: 5 }));
    const f = noisy(3);
    expect(of(feed(m, series(120, f)), 'instrument_fault')).toHaveLength(0);
    const frozenFrom = T0 + 120 * S;
    const frozen = feed(
      m,
      series(301, () => 5.123, frozenFrom),
    );
    const stuck = of(frozen, 'instrument_fault');
    expect(stuck).toHaveLength(1);
    expect(stuck[0]).toMatchObject({ kind: 'raise', condition: 'stuck', ts: frozenFrom + 5 * MIN });
    expect(stuck[0].message).toMatch(/frozen/);
    expect(m.snapshot().stuck).toMatchObject({ active: true, since: new Date(frozenFrom).toISOString() });
    // Fault readings neither clear nor move it.
    feed(m, [{ ts: frozenFrom + 302 * S, value: 11.9, quality: 'fault' }]);
    expect(m.snapshot().stuck.active).toBe(true);
    const moved = feed(m, [{ ts: frozenFrom + 303 * S, value: 5.2 }]);
    expect(moved.filter((e) => e.condition === 'stuck')).toMatchObject([{ kind: 'clear' }]);
  });
});

describe('data gaps on the injected clock', () => {
  it('raises data_gap once after 2x the publish interval of silence, clears on the next reading', () => {
    const m = new InstrumentMonitor(base({ publishIntervalSeconds: 10 }));
    feed(m, [{ ts: T0, value: 5 }]);
    expect(m.tick(T0 + 20 * S)).toHaveLength(0); // exactly 2x: not yet
    const raised = m.tick(T0 + 21 * S);
    expect(raised).toMatchObject([
      { kind: 'raise', alertType: 'data_gap', condition: 'data_gap', ts: T0 + 21 * S },
    ]);
    expect(raised[0].details).toMatchObject({
      last_seen: new Date(T0).toISOString(),
      publish_interval_seconds: 10,
    });
    expect(m.tick(T0 + 60 * S)).toHaveLength(0); // once per gap
    expect(m.snapshot().data_gap).toMatchObject({ active: true, last_seen: new Date(T0).toISOString() });
    const resumed = feed(m, [{ ts: T0 + 61 * S, value: 5 }]);
    expect(resumed).toMatchObject([{ kind: 'clear', alertType: 'data_gap', ts: T0 + 61 * S }]);
    expect(m.snapshot().data_gap.active).toBe(false);
  });

  it('after a restart the silence clock starts again; an instrument out of service is not watched', () => {
    const m = new InstrumentMonitor(base({ publishIntervalSeconds: 5 }));
    feed(m, [{ ts: T0, value: 5 }]);
    const restored = InstrumentMonitor.fromJSON(m.toJSON(), base({ publishIntervalSeconds: 5 }));
    const restartAt = T0 + 3600 * S;
    restored.armGapClock(restartAt);
    expect(restored.tick(restartAt + 5 * S)).toHaveLength(0);
    expect(restored.tick(restartAt + 11 * S)).toHaveLength(1);

    const off = new InstrumentMonitor(base(), { gapDetection: false });
    feed(off, [{ ts: T0, value: 5 }]);
    expect(off.tick(T0 + 3600 * S)).toHaveLength(0);
  });

  it('taking the instrument out of service clears its open gap and stops the clock', () => {
    const m = new InstrumentMonitor(base());
    feed(m, [{ ts: T0, value: 5 }]);
    expect(m.tick(T0 + 10 * S)).toHaveLength(1);
    const cleared = m.setConfig(base(), { gapDetection: false, now: T0 + 11 * S });
    expect(cleared).toMatchObject([{ kind: 'clear', alertType: 'data_gap', ts: T0 + 11 * S }]);
    expect(m.tick(T0 + 60 * S)).toHaveLength(0);
    expect(m.snapshot().data_gap).toMatchObject({ active: false, watched: false });
  });

  it('an instrument never heard from is not in a gap', () => {
    const m = new InstrumentMonitor(base());
    expect(m.tick(T0 + 3600 * S)).toHaveLength(0);
  });

  it('armed (start-up, put in service, source resumed): the grace period applies until the first reading', () => {
    const m = new InstrumentMonitor(base({ publishIntervalSeconds: 5 }), { gapGraceSeconds: 300 });
    feed(m, [{ ts: T0, value: 5 }]); // seeded history ends here
    m.armGapClock(T0 + 3600 * S); // start-up an hour later
    expect(m.tick(T0 + 3600 * S + 60 * S)).toHaveLength(0); // 2x interval passed, grace not
    expect(m.tick(T0 + 3600 * S + 301 * S)).toMatchObject([{ kind: 'raise', alertType: 'data_gap' }]);

    // Heard from after arming: the plain 2x-interval rule again.
    const n = new InstrumentMonitor(base({ publishIntervalSeconds: 5 }), { gapGraceSeconds: 300 });
    n.armGapClock(T0);
    feed(n, [{ ts: T0 + S, value: 5 }]);
    expect(n.tick(T0 + 12 * S)).toMatchObject([{ kind: 'raise' }]);
  });

  it('an instrument that never published is flagged once its grace period from arming is over', () => {
    const m = new InstrumentMonitor(base({ publishIntervalSeconds: 5 }), { gapGraceSeconds: 300 });
    m.armGapClock(T0);
    expect(m.tick(T0 + 300 * S)).toHaveLength(0);
    const raised = m.tick(T0 + 301 * S);
    expect(raised).toHaveLength(1);
    expect(raised[0].message).toMatch(/never published/);
    expect(raised[0].details).toMatchObject({
      never_published: true,
      last_seen: null,
      watched_since: new Date(T0).toISOString(),
    });
    expect(feed(m, [{ ts: T0 + 400 * S, value: 5 }])).toMatchObject([{ kind: 'clear' }]);
  });
});

describe('CUSUM drift on window means', () => {
  const cfg = base({ cusumK: 0.5, cusumH: 5 });
  const opts: InstrumentMonitorOptions = { baseline: { mean: 5, sigma: 0.01 }, cusum: { windowSeconds: 60 } };

  it('raises drift with direction, shift in units and % of span, rate per day, statistic and h', () => {
    const m = new InstrumentMonitor(cfg, opts);
    const f = noisy(11, 0.02);
    // One hour in control, then a +0.05 bar (5 sigma of window means) bias.
    expect(of(feed(m, series(3600, f)), 'drift')).toHaveLength(0);
    const shifted = feed(
      m,
      series(1200, (i) => f(i) + 0.05, T0 + 3600 * S),
    );
    const drift = of(shifted, 'drift');
    expect(drift).toHaveLength(1);
    const e = drift[0];
    expect(e).toMatchObject({ kind: 'raise', condition: 'cusum_up', severity: 'warning' });
    expect(e.details).toMatchObject({ direction: 'up', h: 5, k: 0.5 });
    const d = e.details as Record<string, number>;
    expect(d.statistic).toBeGreaterThan(5);
    expect(d.estimated_shift).toBeGreaterThan(0.02);
    expect(d.estimated_shift).toBeLessThan(0.1);
    expect(d.shift_pct_of_span).toBeCloseTo(d.estimated_shift * 10, 6);
    expect(d.drift_rate_per_day).toBeGreaterThan(0);
    expect(m.snapshot().cusum).toMatchObject({ alarm_up: true, h: 5, k: 0.5, baseline_source: 'reference' });
    expect(m.hasActiveCondition()).toBe(true);
  });

  it('a reset (calibration) clears the latched drift and starts a new run from zero', () => {
    const m = new InstrumentMonitor(cfg, opts);
    feed(
      m,
      series(1800, (i) => 5.06 + 0.001 * (i % 3)),
    );
    expect(m.snapshot().cusum.alarm_up).toBe(true);
    const resetAt = T0 + 1800 * S;
    const cleared = m.resetCusum(resetAt);
    expect(cleared).toMatchObject([
      { kind: 'clear', alertType: 'drift', condition: 'cusum_up', ts: resetAt },
    ]);
    const snap = m.snapshot().cusum;
    expect(snap).toMatchObject({ s_plus: 0, s_minus: 0, alarm_up: false, windows_processed: 0 });
    expect(snap.run_started_at).toBe(new Date(resetAt).toISOString());
    expect(m.hasActiveCondition()).toBe(false);
    // The reference baseline is kept across the reset, and so is one learned in a warm-up (issue 11:
    // no blind spot after a calibration); reset with baseline null starts a new warm-up.
    expect(snap.baseline_source).toBe('reference');
    const warm = new InstrumentMonitor(cfg, { cusum: { windowSeconds: 60, warmupWindows: 10 } });
    feed(warm, series(30 * 60, noisy(5)));
    expect(warm.snapshot().cusum.warmup.complete).toBe(true);
    warm.resetCusum(T0 + 1800 * S);
    expect(warm.snapshot().cusum).toMatchObject({ baseline_source: 'warmup', warmup: { complete: true } });
    warm.resetCusum(T0 + 1800 * S, null);
    expect(warm.snapshot().cusum.warmup).toMatchObject({ complete: false, windows: 0 });
  });

  it('tick closes a window whose end has passed (plus grace), so a silent instrument still scores', () => {
    const m = new InstrumentMonitor(cfg, opts);
    feed(
      m,
      series(60, () => 5.2),
    ); // one full window 20 sigma high
    expect(m.snapshot().cusum.windows_processed).toBe(0);
    const events = m.tick(T0 + 120 * S);
    expect(of([...events], 'drift')).toHaveLength(1);
    expect(m.snapshot().cusum.windows_processed).toBe(1);
  });
});

describe('state', () => {
  it('round-trips through JSON: a restored monitor continues exactly as an uninterrupted one', () => {
    const cfg = base({ alarmOnDelaySeconds: 30, stuckWindowMinutes: 2 });
    const opts: InstrumentMonitorOptions = {
      baseline: { mean: 5, sigma: 0.01 },
      cusum: { windowSeconds: 30 },
    };
    const f = noisy(21, 0.01);
    const all = series(1200, (i) => (i < 600 ? f(i) : i < 900 ? 8.4 : f(i) + 0.04));
    const whole = new InstrumentMonitor(cfg, opts);
    const expected = feed(whole, all);
    const first = new InstrumentMonitor(cfg, opts);
    const a = feed(first, all.slice(0, 700));
    const json = JSON.parse(JSON.stringify(first.toJSON()));
    const second = InstrumentMonitor.fromJSON(json, cfg, opts);
    const b = feed(second, all.slice(700));
    expect([...a, ...b]).toEqual(expected);
    expect(second.snapshot()).toEqual(whole.snapshot());
    expect(expected.length).toBeGreaterThan(2);
  });
});
