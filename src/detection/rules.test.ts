import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRules, initialRuleState, type RuleState } from './rules.ts';
import type { DetectorEvent, MonitorConfig, Reading } from './types.ts';
import { monitorConfig } from './types.ts';

const base = monitorConfig({
  tag: 'PT-101',
  unit: 'bar',
  rangeMin: 0,
  rangeMax: 10,
  alarmLowCritical: 1,
  alarmLowWarning: 2,
  alarmHighWarning: 8,
  alarmHighCritical: 9.5,
  alarmDeadband: 0.2,
  alarmOnDelaySeconds: 0,
});

function run(cfg: MonitorConfig, readings: Reading[], start: RuleState = initialRuleState()) {
  let state = start;
  const events: DetectorEvent[] = [];
  for (const r of readings) {
    const out = evaluateRules(state, cfg, r);
    state = out.state;
    events.push(...out.events);
  }
  return { state, events };
}

/** One reading per second starting at t = 0. */
const series = (values: number[], stepMs = 1000): Reading[] =>
  values.map((value, i) => ({ ts: i * stepMs, value }));

const summary = (events: DetectorEvent[]) => events.map((e) => `${e.kind}:${e.condition}@${e.ts / 1000}`);

describe('rule engine', () => {
  it('raises a readable high critical alert (and the high warning) at once without on-delay', () => {
    const { events } = run(base, series([5, 9.82]));
    expect(summary(events)).toEqual(['raise:high_warning@1', 'raise:high_critical@1']);
    const crit = events.find((e) => e.condition === 'high_critical')!;
    expect(crit).toMatchObject({ alertType: 'rule_violation', severity: 'critical' });
    expect(crit.message).toBe('PT-101 high critical: 9.82 bar above limit 9.5 bar');
    expect(crit.details).toMatchObject({ value: 9.82, limit: 9.5, deadband: 0.2 });
    expect(events.find((e) => e.condition === 'high_warning')!.severity).toBe('warning');
  });

  it('raises low warning and low critical with a readable message', () => {
    const { events } = run(base, series([5, 1.5, 0.8]));
    expect(summary(events)).toEqual(['raise:low_warning@1', 'raise:low_critical@2']);
    expect(events[1].message).toBe('PT-101 low critical: 0.8 bar below limit 1 bar');
  });

  it('a value equal to the limit is not a violation', () => {
    const only = (
      key: 'alarmLowCritical' | 'alarmLowWarning' | 'alarmHighWarning' | 'alarmHighCritical',
    ) => ({
      ...base,
      alarmLowCritical: null,
      alarmLowWarning: null,
      alarmHighWarning: null,
      alarmHighCritical: null,
      [key]: base[key],
    });
    expect(run(only('alarmHighCritical'), series([9.5])).events).toEqual([]);
    expect(run(only('alarmHighWarning'), series([8])).events).toEqual([]);
    expect(run(only('alarmLowWarning'), series([2])).events).toEqual([]);
    expect(run(only('alarmLowCritical'), series([1])).events).toEqual([]);
    expect(run(only('alarmHighCritical'), series([9.5000001])).events).toHaveLength(1);
  });

  it('clears only once the value is back past limit - deadband', () => {
    const { events } = run(base, series([9.6, 9.4, 9.31, 9.3, 9.29]));
    const crit = events.filter((e) => e.condition === 'high_critical');
    expect(summary(crit)).toEqual(['raise:high_critical@0', 'clear:high_critical@4']);
    expect(crit[1].message).toBe(
      'PT-101 high critical cleared: 9.29 bar back below 9.3 bar (limit 9.5 bar, deadband 0.2 bar)',
    );
  });

  it('low limits clear above limit + deadband', () => {
    const { events } = run(base, series([1.9, 2.1, 2.2, 2.21]));
    expect(summary(events)).toEqual(['raise:low_warning@0', 'clear:low_warning@3']);
  });

  it('a value chattering around the limit raises ONE alert', () => {
    const values: number[] = [];
    for (let i = 0; i < 200; i++) values.push(i % 2 === 0 ? 9.55 + (i % 7) * 0.01 : 9.35 + (i % 5) * 0.02);
    const { events, state } = run(base, series(values));
    const crit = events.filter((e) => e.condition === 'high_critical');
    expect(crit.map((e) => e.kind)).toEqual(['raise']);
    expect(state.high_critical.active).toBe(true);
  });

  it('on-delay: the violation must hold for alarmOnDelaySeconds of event time', () => {
    const cfg = { ...base, alarmOnDelaySeconds: 10, alarmHighWarning: null };
    const { events } = run(cfg, series([5, ...Array(15).fill(9.8)]));
    // Violation starts at t = 1 s; 10 s later is t = 11 s.
    expect(summary(events)).toEqual(['raise:high_critical@11']);
    expect(events[0].message).toBe('PT-101 high critical: 9.8 bar above limit 9.5 bar for 10 s');
    expect(events[0].details).toMatchObject({ violating_since: 1000, on_delay_seconds: 10 });
  });

  it('on-delay uses event time, not the number of readings', () => {
    const cfg = { ...base, alarmOnDelaySeconds: 60, alarmHighWarning: null };
    // One reading every 30 s: violating at 0, 30, 60 s -> raises at 60 s (the third reading).
    const { events } = run(cfg, series([9.8, 9.8, 9.8, 9.8], 30_000));
    expect(summary(events)).toEqual(['raise:high_critical@60']);
  });

  it('a reading back inside the limit before the delay cancels the pending raise', () => {
    const cfg = { ...base, alarmOnDelaySeconds: 5, alarmHighWarning: null };
    // 9.8 x4, one 9.4 (inside, though within the deadband), then 9.8 from t = 5 s.
    const { events, state } = run(cfg, series([9.8, 9.8, 9.8, 9.8, 9.4, 9.8, 9.8, 9.8, 9.8, 9.8, 9.8]));
    expect(summary(events)).toEqual(['raise:high_critical@10']);
    expect(state.high_critical).toEqual({ active: true, pendingSince: null });
  });

  it('chatter faster than the on-delay never raises when there is no deadband', () => {
    const cfg = { ...base, alarmOnDelaySeconds: 5, alarmDeadband: 0 };
    const values = Array.from({ length: 100 }, (_, i) => (i % 3 === 2 ? 9.4 : 9.7));
    const { events } = run(cfg, series(values));
    expect(events.filter((e) => e.condition === 'high_critical')).toEqual([]);
  });

  it('ignores fault and spike readings: they neither raise, cancel a pending raise nor clear', () => {
    const cfg = { ...base, alarmOnDelaySeconds: 3, alarmHighWarning: null };
    const readings: Reading[] = [
      { ts: 0, value: 12, quality: 'fault' },
      { ts: 1000, value: 9.8 },
      { ts: 2000, value: 5, quality: 'spike' },
      { ts: 3000, value: 9.8 },
      { ts: 4000, value: 9.8 },
      { ts: 5000, value: 0, quality: 'fault' },
      { ts: 6000, value: 9.7 },
    ];
    const { events } = run(cfg, readings);
    expect(summary(events)).toEqual(['raise:high_critical@4']);
  });

  it('clears an open alarm when its limit is removed from the configuration', () => {
    const first = run(base, series([9.8]));
    const cfg = { ...base, alarmHighCritical: null };
    const { events, state } = run(cfg, [{ ts: 5000, value: 9.8 }], first.state);
    expect(summary(events)).toEqual(['clear:high_critical@5']);
    expect(events[0].message).toBe('PT-101 high critical cleared: limit removed');
    expect(state.high_critical.active).toBe(false);
  });

  it('state survives a JSON checkpoint mid-episode', () => {
    const cfg = { ...base, alarmOnDelaySeconds: 5 };
    const values = [5, 9.8, 9.8, 9.8, 9.8, 9.8, 9.8, 9.8, 9.2, 5];
    const straight = run(cfg, series(values));
    const a = run(cfg, series(values).slice(0, 4));
    const restored = JSON.parse(JSON.stringify(a.state)) as RuleState;
    const b = run(cfg, series(values).slice(4), restored);
    expect([...a.events, ...b.events]).toEqual(straight.events);
  });

  it('property: per condition, raises and clears alternate, starting with a raise', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { maxLength: 200 }),
        fc.nat({ max: 5 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, delay, deadband) => {
          const cfg = { ...base, alarmOnDelaySeconds: delay, alarmDeadband: deadband };
          const { events, state } = run(cfg, series(values));
          for (const condition of ['low_critical', 'low_warning', 'high_warning', 'high_critical'] as const) {
            const kinds = events.filter((e) => e.condition === condition).map((e) => e.kind);
            kinds.forEach((k, i) => {
              expect(k).toBe(i % 2 === 0 ? 'raise' : 'clear');
            });
            expect(state[condition].active).toBe(kinds.length % 2 === 1);
          }
        },
      ),
    );
  });

  it('property: without delay and deadband, the alarm is active exactly while the value violates', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 1, maxLength: 100 }),
        (values) => {
          const cfg = { ...base, alarmOnDelaySeconds: 0, alarmDeadband: 0 };
          let state = initialRuleState();
          for (const [i, value] of values.entries()) {
            state = evaluateRules(state, cfg, { ts: i * 1000, value }).state;
            expect(state.high_critical.active).toBe(value > 9.5);
            expect(state.low_warning.active).toBe(value < 2);
          }
        },
      ),
    );
  });
});
