import { describe, expect, it } from 'vitest';
import { InvalidFaultError } from './errors.ts';
import { faultParams, parseFaultRequest, parseFaultSpec } from './fault-spec.ts';

/** The field an InvalidFaultError names, or a failure if something else happened. */
function badField(input: unknown): string {
  try {
    parseFaultSpec(input);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidFaultError);
    const err = e as InvalidFaultError;
    expect(err.message).toContain(err.field);
    expect(err.status).toBe(400);
    return err.field;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('parseFaultSpec', () => {
  it('accepts every kind with its parameters and returns a clean copy', () => {
    expect(parseFaultSpec({ kind: 'drift', ratePctPerDay: 2 })).toEqual({ kind: 'drift', ratePctPerDay: 2 });
    expect(parseFaultSpec({ kind: 'drift', ratePerDay: -0.3, durationSeconds: 60 })).toEqual({
      kind: 'drift',
      ratePerDay: -0.3,
      durationSeconds: 60,
    });
    expect(parseFaultSpec({ kind: 'bias', offset: 0.4 })).toEqual({ kind: 'bias', offset: 0.4 });
    expect(parseFaultSpec({ kind: 'stuck' })).toEqual({ kind: 'stuck' });
    expect(parseFaultSpec({ kind: 'stuck', value: 3 })).toEqual({ kind: 'stuck', value: 3 });
    expect(parseFaultSpec({ kind: 'spike', magnitudePct: -40, intervalSeconds: 30 })).toEqual({
      kind: 'spike',
      magnitudePct: -40,
      intervalSeconds: 30,
    });
    expect(parseFaultSpec({ kind: 'out_of_range' })).toEqual({ kind: 'out_of_range' });
    expect(parseFaultSpec({ kind: 'out_of_range', direction: 'low', mA: 2 })).toEqual({
      kind: 'out_of_range',
      direction: 'low',
      mA: 2,
    });
    expect(parseFaultSpec({ kind: 'dropout', durationSeconds: 120 })).toEqual({
      kind: 'dropout',
      durationSeconds: 120,
    });
    expect(parseFaultSpec({ kind: 'oscillation', periodSeconds: 30, amplitude: 0.2 })).toEqual({
      kind: 'oscillation',
      periodSeconds: 30,
      amplitude: 0.2,
    });
  });

  it('ignores the tag of an API body', () => {
    expect(parseFaultSpec({ tag: 'PT-101', kind: 'stuck' })).toEqual({ kind: 'stuck' });
  });

  it('names the bad field', () => {
    expect(badField(null)).toBe('body');
    expect(badField('drift')).toBe('body');
    expect(badField({})).toBe('kind');
    expect(badField({ kind: 'melt' })).toBe('kind');
    expect(badField({ kind: 'drift' })).toBe('ratePctPerDay');
    expect(badField({ kind: 'drift', ratePctPerDay: '5' })).toBe('ratePctPerDay');
    expect(badField({ kind: 'drift', ratePctPerDay: Number.NaN })).toBe('ratePctPerDay');
    expect(badField({ kind: 'drift', ratePctPerDay: 1, ratePerDay: 1 })).toBe('ratePctPerDay');
    expect(badField({ kind: 'drift', ratePctPerday: 5 })).toBe('ratePctPerday');
    expect(badField({ kind: 'bias' })).toBe('offset');
    expect(badField({ kind: 'stuck', durationSeconds: 0 })).toBe('durationSeconds');
    expect(badField({ kind: 'stuck', durationSeconds: -5 })).toBe('durationSeconds');
    expect(badField({ kind: 'spike', intervalSeconds: 0 })).toBe('intervalSeconds');
    expect(badField({ kind: 'spike', magnitude: 0 })).toBe('magnitude');
    expect(badField({ kind: 'out_of_range', direction: 'up' })).toBe('direction');
    expect(badField({ kind: 'out_of_range', mA: 12 })).toBe('mA');
    expect(badField({ kind: 'out_of_range', mA: 30 })).toBe('mA');
    expect(badField({ kind: 'out_of_range', mA: 2, direction: 'high' })).toBe('direction');
    expect(badField({ kind: 'dropout', offset: 1 })).toBe('offset');
    expect(badField({ kind: 'oscillation' })).toBe('periodSeconds');
    expect(badField({ kind: 'oscillation', periodSeconds: 10, amplitude: -1 })).toBe('amplitude');
  });

  it('lists the accepted parameters when one is unknown', () => {
    expect(() => parseFaultSpec({ kind: 'drift', rate: 5 })).toThrow(/ratePctPerDay, ratePerDay/);
  });
});

describe('parseFaultRequest', () => {
  it('splits an admin API body into tag and spec', () => {
    expect(parseFaultRequest({ tag: ' PT-101 ', kind: 'bias', offsetPct: 2 })).toEqual({
      tag: 'PT-101',
      spec: { kind: 'bias', offsetPct: 2 },
    });
  });
  it('requires the tag', () => {
    expect(() => parseFaultRequest({ kind: 'stuck' })).toThrow(InvalidFaultError);
    expect(() => parseFaultRequest({ kind: 'stuck', tag: '' })).toThrow(/tag/);
  });
});

describe('faultParams', () => {
  it('drops the kind', () => {
    expect(faultParams({ kind: 'drift', ratePctPerDay: 2, durationSeconds: 5 })).toEqual({
      ratePctPerDay: 2,
      durationSeconds: 5,
    });
  });
});
