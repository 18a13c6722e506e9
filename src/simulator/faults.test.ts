import { describe, expect, it } from 'vitest';
import { parseFaultSpec } from './fault-spec.ts';
import { InstrumentFaults, milliampsAt, valueAtMilliamps } from './faults.ts';
import { generateHistory, type HistoryReading } from './history.ts';
import { SAMPLE_INSTRUMENTS } from './sample-instruments.ts';
import type { SimInstrument } from './signals.ts';
import { autocorrelation, slope } from './test-stats.ts';

const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);
const DAY = 86_400_000;
const PT = SAMPLE_INSTRUMENTS.find((i) => i.tag === 'PT-101')!; // 0–10 bar, nominal 5.2
const TT = SAMPLE_INSTRUMENTS.find((i) => i.tag === 'TT-201')!; // 0–200 °C

function faultsOn(inst: SimInstrument, spec: unknown, startedAt = T0): InstrumentFaults {
  const f = new InstrumentFaults(inst);
  f.add(parseFaultSpec(spec), startedAt);
  return f;
}

/** History of one instrument with one fault from startMs. */
function history(
  inst: SimInstrument,
  spec: unknown,
  opts: { startMs?: number; days?: number; step?: number } = {},
) {
  return [
    ...generateHistory([inst], T0, T0 + (opts.days ?? 1) * DAY, opts.step ?? 60, 5, {
      faults: [{ tag: inst.tag, spec: parseFaultSpec(spec), startMs: opts.startMs ?? T0 }],
    }),
  ];
}

const values = (rs: readonly HistoryReading[]) => rs.map((r) => r.value);

describe('drift', () => {
  it('adds rate × elapsed time (% of span per day)', () => {
    const f = faultsOn(PT, { kind: 'drift', ratePctPerDay: 2 });
    expect(f.apply(5, T0)).toBe(5);
    expect(f.apply(5, T0 + DAY / 2)).toBeCloseTo(5.1, 6);
    expect(f.apply(5, T0 + DAY)).toBeCloseTo(5.2, 6);
  });

  it('accepts engineering units per day', () => {
    const f = faultsOn(TT, { kind: 'drift', ratePerDay: -3 });
    expect(f.apply(85, T0 + 2 * DAY)).toBeCloseTo(79, 6);
  });

  it('shows up as a regression slope ≈ the rate on the real signal', () => {
    const rs = history(PT, { kind: 'drift', ratePctPerDay: 5 }, { days: 3 });
    const perDay = slope(
      rs.map((r) => (r.ts - T0) / DAY),
      values(rs),
    );
    expect(perDay).toBeGreaterThan(0.5 * 0.9);
    expect(perDay).toBeLessThan(0.5 * 1.1);
  });
});

describe('bias', () => {
  it('steps the value by the offset from its start time', () => {
    const f = faultsOn(PT, { kind: 'bias', offset: 0.4 }, T0 + 1000);
    expect(f.apply(5, T0)).toBe(5);
    expect(f.apply(5, T0 + 1000)).toBe(5.4);
    expect(faultsOn(PT, { kind: 'bias', offsetPct: -5 }).apply(5, T0)).toBe(4.5);
  });
});

describe('stuck', () => {
  it('freezes at the last value shown, without noise', () => {
    const f = new InstrumentFaults(PT);
    f.apply(5.123, T0 - 1000);
    f.add({ kind: 'stuck' }, T0);
    for (let k = 0; k < 100; k++) expect(f.apply(5 + Math.sin(k), T0 + k * 5000)).toBe(5.123);
  });

  it('stays constant on the real signal for the whole fault', () => {
    const rs = history(PT, { kind: 'stuck', durationSeconds: 3600 }, { startMs: T0 + 3600_000, step: 5 });
    const during = rs.filter((r) => r.ts >= T0 + 3600_000 && r.ts < T0 + 7200_000);
    const before = rs.filter((r) => r.ts < T0 + 3600_000);
    const after = rs.filter((r) => r.ts >= T0 + 7200_000);
    expect(new Set(values(during)).size).toBe(1);
    expect(during[0].value).toBe(before.at(-1)!.value);
    expect(new Set(values(after.slice(0, 100))).size).toBeGreaterThan(10);
  });

  it('can freeze at a given value', () => {
    expect(faultsOn(PT, { kind: 'stuck', value: 7 }).apply(5, T0)).toBe(7);
  });
});

describe('spike', () => {
  it('fires once for a single spike', () => {
    const f = faultsOn(PT, { kind: 'spike', magnitude: 3 });
    const out = Array.from({ length: 10 }, (_, k) => f.apply(5, T0 + k * 5000));
    expect(out).toEqual([8, 5, 5, 5, 5, 5, 5, 5, 5, 5]);
    expect(f.list(T0 + 60_000)).toEqual([]);
  });

  it('repeats every intervalSeconds, towards the side with more room by default', () => {
    const f = faultsOn(PT, { kind: 'spike', intervalSeconds: 60 });
    const out = Array.from({ length: 60 }, (_, k) => f.apply(5, T0 + k * 5000)); // 5 min
    const spikes = out.filter((v) => v !== 5);
    // Nominal 5.2 bar is above mid-range, so the default 30 % spike points down.
    expect(spikes).toEqual([2, 2, 2, 2, 2]);
  });
});

describe('out_of_range (burn-out)', () => {
  const maOf = (v: number | null) => milliampsAt(PT, v!);

  it('maps outside the valid 3.8–20.5 mA window, high by default', () => {
    const high = faultsOn(PT, { kind: 'out_of_range' }).apply(5, T0);
    expect(maOf(high)).toBeGreaterThan(21);
    expect(high).toBeGreaterThan(PT.rangeMax + 0.0625 * 10);
    const low = faultsOn(PT, { kind: 'out_of_range', direction: 'low' }).apply(5, T0);
    expect(maOf(low)).toBeLessThan(3.6);
    expect(low).toBeLessThan(PT.rangeMin - 0.025 * 10);
  });

  it('uses a given loop current', () => {
    expect(faultsOn(PT, { kind: 'out_of_range', mA: 2 }).apply(5, T0)).toBe(valueAtMilliamps(PT, 2));
    expect(valueAtMilliamps(PT, 4)).toBe(0);
    expect(valueAtMilliamps(PT, 20)).toBe(10);
  });

  it('keeps every reading of the real signal outside 3.8–20.5 mA', () => {
    for (const direction of ['low', 'high']) {
      const rs = history(TT, { kind: 'out_of_range', direction }, { days: 0.1 });
      for (const r of rs) {
        const mA = milliampsAt(TT, r.value);
        expect(mA < 3.8 || mA > 20.5).toBe(true);
      }
    }
  });
});

describe('dropout', () => {
  it('yields no readings during the dropout and resumes after it', () => {
    const start = T0 + 3600_000;
    const rs = history(PT, { kind: 'dropout', durationSeconds: 600 }, { startMs: start, step: 5, days: 0.1 });
    expect(rs.filter((r) => r.ts >= start && r.ts < start + 600_000)).toEqual([]);
    expect(rs.filter((r) => r.ts < start)).toHaveLength(720);
    expect(rs.some((r) => r.ts >= start + 600_000)).toBe(true);
  });

  it('returns null from apply', () => {
    expect(faultsOn(PT, { kind: 'dropout' }).apply(5, T0)).toBeNull();
  });
});

describe('oscillation', () => {
  it('adds a sinusoid of the given amplitude and period', () => {
    const f = faultsOn(PT, { kind: 'oscillation', periodSeconds: 40, amplitude: 0.5 });
    expect(f.apply(5, T0)).toBe(5);
    expect(f.apply(5, T0 + 10_000)).toBeCloseTo(5.5, 6);
    expect(f.apply(5, T0 + 30_000)).toBeCloseTo(4.5, 6);
    expect(f.apply(5, T0 + 40_000)).toBeCloseTo(5, 6);
  });

  it('makes the real signal periodic: correlated at one period, anti-correlated at half', () => {
    const rs = history(
      PT,
      { kind: 'oscillation', periodSeconds: 120, amplitudePct: 5 },
      { step: 5, days: 1 / 24 },
    );
    const xs = values(rs);
    expect(autocorrelation(xs, 24)).toBeGreaterThan(0.7); // 24 × 5 s = one period
    expect(autocorrelation(xs, 12)).toBeLessThan(-0.5); // half a period
  });
});

describe('fault lifecycle', () => {
  it('expires after durationSeconds', () => {
    const f = faultsOn(PT, { kind: 'bias', offset: 1, durationSeconds: 60 });
    expect(f.apply(5, T0 + 59_000)).toBe(6);
    expect(f.apply(5, T0 + 60_000)).toBe(5);
    expect(f.list(T0 + 60_000)).toEqual([]);
  });

  it('does not apply before its start time', () => {
    const f = faultsOn(PT, { kind: 'bias', offset: 1 }, T0 + 60_000);
    expect(f.apply(5, T0)).toBe(5);
    expect(f.list(T0)).toHaveLength(1);
  });

  it('replaces a fault of the same kind and stacks different kinds', () => {
    const f = faultsOn(PT, { kind: 'bias', offset: 1 });
    f.add({ kind: 'bias', offset: 2 }, T0);
    f.add({ kind: 'drift', ratePerDay: 1 }, T0);
    expect(f.list(T0)).toHaveLength(2);
    expect(f.apply(5, T0 + DAY)).toBe(8);
  });

  it('clears by kind or all', () => {
    const f = faultsOn(PT, { kind: 'bias', offset: 1 });
    f.add({ kind: 'stuck' }, T0);
    expect(f.clear('stuck')).toBe(1);
    expect(f.apply(5, T0)).toBe(6);
    expect(f.clear()).toBe(1);
    expect(f.apply(5, T0)).toBe(5);
  });

  it('lets dropout win over everything, and burn-out over a stuck value', () => {
    const f = faultsOn(PT, { kind: 'stuck', value: 4 });
    f.add({ kind: 'out_of_range' }, T0);
    expect(milliampsAt(PT, f.apply(5, T0)!)).toBeGreaterThan(21);
    f.add({ kind: 'dropout' }, T0);
    expect(f.apply(5, T0)).toBeNull();
  });
});
