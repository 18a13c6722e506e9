import { describe, expect, it } from 'vitest';
import { mulberry32 } from './random.ts';
import { evaluateStuck, initialStuckState, type StuckState } from './stuck.ts';
import type { DetectorEvent, Reading } from './types.ts';
import { monitorConfig } from './types.ts';

const cfg = monitorConfig({
  tag: 'TT-201',
  unit: 'degC',
  rangeMin: 0,
  rangeMax: 200,
  stuckDeadband: 0.01,
  stuckWindowMinutes: 15,
});

function run(readings: Reading[], start: StuckState = initialStuckState()) {
  let state = start;
  const events: DetectorEvent[] = [];
  for (const r of readings) {
    const out = evaluateStuck(state, cfg, r);
    state = out.state;
    events.push(...out.events);
  }
  return { state, events };
}

const perSecond = (n: number, f: (i: number) => number, t0 = 0): Reading[] =>
  Array.from({ length: n }, (_, i) => ({ ts: t0 + i * 1000, value: f(i) }));

describe('stuck sensor', () => {
  it('raises once when the value has not moved for the whole window of event time', () => {
    const { events } = run(perSecond(1800, () => 85.2));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'raise',
      alertType: 'instrument_fault',
      condition: 'stuck',
      severity: 'warning',
      ts: 900_000, // 15 min after the first reading, not one reading earlier
    });
    expect(events[0].message).toContain('TT-201 signal frozen at 85.2 degC');
    expect(events[0].message).toContain('in 15 min');
    expect(events[0].details).toMatchObject({ frozen_since: 0, band: 0, window_minutes: 15 });
  });

  it('does not raise one reading before the window is complete', () => {
    expect(run(perSecond(900, () => 85.2)).events).toEqual([]);
  });

  it('counts noise inside the deadband as frozen', () => {
    const u = mulberry32(5);
    const { events } = run(perSecond(1000, () => 85.2 + (u() - 0.5) * 0.0099));
    expect(events.map((e) => e.kind)).toEqual(['raise']);
  });

  it('a live signal (noise larger than the deadband) never raises', () => {
    const u = mulberry32(6);
    expect(run(perSecond(7200, () => 85.2 + (u() - 0.5) * 0.1)).events).toEqual([]);
  });

  it('a slow ramp that leaves the deadband re-anchors and never raises', () => {
    // 0.0001 degC/s leaves a 0.01 deadband every ~100 s, far inside 15 min.
    expect(run(perSecond(7200, (i) => 50 + i * 0.0001)).events).toEqual([]);
  });

  it('clears when the value moves beyond the deadband, and can raise again a full window later', () => {
    const frozen = perSecond(1000, () => 85.2);
    const moved = perSecond(1000, () => 86, 1_000_000);
    const { events } = run([...frozen, ...moved]);
    expect(events.map((e) => `${e.kind}@${e.ts / 1000}`)).toEqual(['raise@900', 'clear@1000', 'raise@1900']);
    expect(events[1].message).toBe(
      'TT-201 signal moving again: 86 degC (moved 0.8 degC, deadband 0.01 degC)',
    );
  });

  it('only good readings count: faults and spikes neither move nor freeze the signal', () => {
    const readings: Reading[] = perSecond(1000, (i) => (i % 10 === 5 ? 0 : 85.2)).map((r, i) => ({
      ...r,
      quality: i % 10 === 5 ? (i % 20 === 5 ? 'fault' : 'spike') : 'good',
    }));
    const { events } = run(readings);
    expect(events.map((e) => `${e.kind}@${e.ts / 1000}`)).toEqual(['raise@900']);
  });

  it('a silence longer than the window restarts it instead of raising on the next reading', () => {
    const before = perSecond(60, () => 85.2);
    const after = perSecond(1000, () => 85.2, 3_600_000); // one hour later, same value
    const { events } = run([...before, ...after]);
    expect(events.map((e) => e.ts)).toEqual([3_600_000 + 900_000]);
  });

  it('state survives a JSON checkpoint', () => {
    const readings = perSecond(1200, () => 85.2);
    const a = run(readings.slice(0, 500));
    const b = run(readings.slice(500), JSON.parse(JSON.stringify(a.state)));
    expect(b.events.map((e) => e.ts)).toEqual([900_000]);
  });

  it('a deadband of 0 treats any change as movement', () => {
    const zero = { ...cfg, stuckDeadband: 0 };
    let state = initialStuckState();
    const events: DetectorEvent[] = [];
    for (const r of perSecond(1000, (i) => (i === 500 ? 85.2000001 : 85.2))) {
      const out = evaluateStuck(state, zero, r);
      state = out.state;
      events.push(...out.events);
    }
    expect(events).toEqual([]); // the tiny move at 500 s and back at 501 s re-anchor the window
  });
});
