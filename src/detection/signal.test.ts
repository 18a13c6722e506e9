import { describe, expect, it } from 'vitest';
import { classifyReading, evaluateSignalFault, initialSignalFaultState, toMilliamps } from './signal.ts';
import type { DetectorEvent } from './types.ts';
import { monitorConfig } from './types.ts';

const cfg = monitorConfig({ tag: 'PT-101', unit: 'bar', rangeMin: 0, rangeMax: 10, maxRatePerSecond: 1 });

describe('toMilliamps', () => {
  it('maps the lower range value to 4 mA and the upper to 20 mA, linearly', () => {
    expect(toMilliamps(0, 0, 10)).toBe(4);
    expect(toMilliamps(10, 0, 10)).toBe(20);
    expect(toMilliamps(5, 0, 10)).toBe(12);
    expect(toMilliamps(-50, -50, 150)).toBe(4);
    expect(toMilliamps(100, -50, 150)).toBe(16);
  });

  it('extrapolates outside the range so faults are visible', () => {
    expect(toMilliamps(-1.25, 0, 10)).toBeCloseTo(2, 12);
    expect(toMilliamps(11.25, 0, 10)).toBeCloseTo(22, 12);
  });

  it('refuses an empty or inverted range', () => {
    expect(() => toMilliamps(1, 5, 5)).toThrow(RangeError);
    expect(() => toMilliamps(1, 10, 0)).toThrow(RangeError);
  });
});

describe('classifyReading', () => {
  // 3.8 mA <=> -0.125 bar, 20.5 mA <=> 10.3125 bar on a 0-10 bar range.
  it('flags readings below the NE43 low bound as signal_low faults', () => {
    const r = classifyReading(cfg, -0.2, 0);
    expect(r.quality).toBe('fault');
    expect(r.bound).toBe('signal_low');
    expect(r.milliamps).toBeCloseTo(3.68, 10);
  });

  it('flags readings above the high bound as signal_high faults', () => {
    const r = classifyReading(cfg, 10.4, 0);
    expect(r).toMatchObject({ quality: 'fault', bound: 'signal_high' });
  });

  it('accepts under- and over-range readings still inside the valid current window', () => {
    expect(classifyReading(cfg, -0.1, 0).quality).toBe('good');
    expect(classifyReading(cfg, 10.3, 0).quality).toBe('good');
    expect(classifyReading(cfg, -0.125, 0).quality).toBe('good'); // exactly 3.8 mA is valid
    expect(classifyReading(cfg, 10.3125, 0).quality).toBe('good'); // exactly 20.5 mA is valid
  });

  it('uses the configured current bounds', () => {
    const strict = { ...cfg, signalLowMa: 3.9, signalHighMa: 20.1 };
    expect(classifyReading(strict, -0.1, 0).bound).toBe('signal_low'); // 3.84 mA
    expect(classifyReading(strict, 10.1, 0).bound).toBe('signal_high'); // 20.16 mA
  });

  it('flags a rate of change above maxRatePerSecond as a spike', () => {
    const r = classifyReading(cfg, 7, 1000, { ts: 0, value: 5 });
    expect(r.quality).toBe('spike');
    expect(r.ratePerSecond).toBe(2);
    expect(classifyReading(cfg, 3, 1000, { ts: 0, value: 5 }).quality).toBe('spike'); // falling too
  });

  it('divides by the elapsed event time, not per reading', () => {
    const r = classifyReading(cfg, 7, 3000, { ts: 0, value: 5 });
    expect(r.quality).toBe('good');
    expect(r.ratePerSecond).toBeCloseTo(2 / 3, 12);
    expect(classifyReading(cfg, 6, 1000, { ts: 0, value: 5 }).quality).toBe('good'); // exactly at the limit
  });

  it('does not check rate without a previous reading, with no elapsed time, or with no limit', () => {
    expect(classifyReading(cfg, 9, 1000).quality).toBe('good');
    expect(classifyReading(cfg, 9, 1000, { ts: 1000, value: 1 }).quality).toBe('good');
    expect(classifyReading(cfg, 9, 500, { ts: 1000, value: 1 }).quality).toBe('good');
    const noLimit = { ...cfg, maxRatePerSecond: null };
    const r = classifyReading(noLimit, 9, 1000, { ts: 0, value: 1 });
    expect(r.quality).toBe('good');
    expect(r.ratePerSecond).toBe(8);
  });

  it('reports a fault rather than a spike when both apply', () => {
    expect(classifyReading(cfg, 12, 1000, { ts: 0, value: 5 })).toMatchObject({
      quality: 'fault',
      bound: 'signal_high',
    });
  });

  it('treats a non-finite value as an invalid signal', () => {
    expect(classifyReading(cfg, Number.NaN, 0)).toMatchObject({ quality: 'fault', bound: 'signal_invalid' });
  });
});

describe('evaluateSignalFault', () => {
  function run(values: number[]): DetectorEvent[] {
    let state = initialSignalFaultState();
    const events: DetectorEvent[] = [];
    values.forEach((v, i) => {
      const out = evaluateSignalFault(state, cfg, v, i * 1000, classifyReading(cfg, v, i * 1000));
      state = JSON.parse(JSON.stringify(out.state));
      events.push(...out.events);
    });
    return events;
  }

  it('raises one critical instrument_fault per episode and clears when the loop is back', () => {
    const events = run([5, -1, -1, -1, 5, 5]);
    expect(events.map((e) => [e.kind, e.condition, e.ts])).toEqual([
      ['raise', 'signal_low', 1000],
      ['clear', 'signal_low', 4000],
    ]);
    expect(events[0]).toMatchObject({ alertType: 'instrument_fault', severity: 'critical' });
    expect(events[0].message).toBe(
      'PT-101 signal fault: -1 bar maps to 2.4 mA, below 3.8 mA (hardware fault, not a process condition)',
    );
  });

  it('switching from low to high clears one condition and raises the other', () => {
    const events = run([-1, 11]);
    expect(events.map((e) => [e.kind, e.condition])).toEqual([
      ['raise', 'signal_low'],
      ['clear', 'signal_low'],
      ['raise', 'signal_high'],
    ]);
  });
});
