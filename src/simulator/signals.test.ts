import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInstrumentError } from './errors.ts';
import { SAMPLE_INSTRUMENTS } from './sample-instruments.ts';
import { mixSeed } from './seeded-random.ts';
import {
  createSignal,
  operatingPoint,
  quantise,
  resolutionOf,
  SIGNAL_PROFILES,
  type SignalProfile,
  type SimInstrument,
  spanOf,
} from './signals.ts';
import { autocorrelation, mean, std } from './test-stats.ts';

const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);
const DAY = 86_400_000;

function series(
  inst: SimInstrument,
  seed: number,
  opts: { stepMs?: number; durationMs?: number; overrides?: Partial<SignalProfile> } = {},
): number[] {
  const step = opts.stepMs ?? inst.publishIntervalSeconds * 1000;
  const g = createSignal(inst, seed, opts.overrides);
  const out: number[] = [];
  for (let t = T0; t < T0 + (opts.durationMs ?? DAY); t += step) out.push(g.next(t));
  return out;
}

const byTag = (tag: string): SimInstrument => SAMPLE_INSTRUMENTS.find((i) => i.tag === tag)!;
const noiseOnly: Partial<SignalProfile> = { wanderPct: 0, cyclePct: 0 };

describe.each(SAMPLE_INSTRUMENTS)('clean signal of $tag ($type)', (inst) => {
  const span = spanOf(inst);
  const nominal = inst.nominalValue!;
  const day = series(inst, 7);

  it('stays near nominal on average over a day', () => {
    expect(Math.abs(mean(day) - nominal)).toBeLessThan(0.015 * span);
  });

  it('varies by a realistic amount (0.5–4 % of span)', () => {
    expect(std(day)).toBeGreaterThan(0.005 * span);
    expect(std(day)).toBeLessThan(0.04 * span);
  });

  it('is strongly autocorrelated from one reading to the next', () => {
    expect(autocorrelation(day, 1)).toBeGreaterThan(0.9);
  });

  it('stays inside the range and within ±15 % of span of nominal for a day', () => {
    const lo = Math.min(...day);
    const hi = Math.max(...day);
    expect(lo).toBeGreaterThan(inst.rangeMin);
    expect(hi).toBeLessThan(inst.rangeMax);
    expect(Math.max(hi - nominal, nominal - lo)).toBeLessThan(0.15 * span);
  });

  it('has AR(1) noise with the profile σ and φ at the publish interval', () => {
    const noise = series(inst, 11, { overrides: noiseOnly });
    const p = SIGNAL_PROFILES[inst.type];
    expect(std(noise) / ((p.noisePct / 100) * span)).toBeGreaterThan(0.9);
    expect(std(noise) / ((p.noisePct / 100) * span)).toBeLessThan(1.1);
    expect(Math.abs(autocorrelation(noise, 1) - p.noisePhi)).toBeLessThan(0.05);
  });

  it('keeps the same noise level when sampled at a different step (history at 60 s)', () => {
    const coarse = series(inst, 12, { overrides: noiseOnly, stepMs: 60_000, durationMs: 3 * DAY });
    const p = SIGNAL_PROFILES[inst.type];
    expect(std(coarse) / ((p.noisePct / 100) * span)).toBeGreaterThan(0.9);
    expect(std(coarse) / ((p.noisePct / 100) * span)).toBeLessThan(1.1);
  });

  it('is quantised to the instrument resolution', () => {
    const step = resolutionOf(span);
    for (const v of day.slice(0, 500)) expect(Math.abs(v / step - Math.round(v / step))).toBeLessThan(1e-6);
    expect(new Set(day).size).toBeGreaterThan(50);
  });
});

describe('signal profiles', () => {
  it('make flow the noisiest and temperature the smoothest', () => {
    const noise = (t: SimInstrument['type']) => SIGNAL_PROFILES[t].noisePct;
    expect(noise('flow')).toBeGreaterThan(noise('pressure'));
    expect(noise('temperature')).toBeLessThan(noise('pressure'));
    expect(SIGNAL_PROFILES.temperature.noisePhi).toBeGreaterThan(SIGNAL_PROFILES.flow.noisePhi);
  });
});

describe('determinism', () => {
  const pt = byTag('PT-101');
  it('gives the same series for the same seed and event times', () => {
    expect(series(pt, 42, { durationMs: 3_600_000 })).toEqual(series(pt, 42, { durationMs: 3_600_000 }));
  });
  it('gives a different series for another seed', () => {
    expect(series(pt, 42, { durationMs: 3_600_000 })).not.toEqual(series(pt, 43, { durationMs: 3_600_000 }));
  });
  it('derives independent per-instrument seeds', () => {
    expect(mixSeed(1, 1)).not.toBe(mixSeed(1, 2));
    expect(mixSeed(1, 1)).not.toBe(mixSeed(2, 1));
    expect(mixSeed(5, 9)).toBe(mixSeed(5, 9));
  });
});

describe('operating point and edge cases', () => {
  const base: SimInstrument = {
    id: 9,
    tag: 'X-1',
    type: 'level',
    unit: '%',
    rangeMin: 0,
    rangeMax: 100,
    nominalValue: null,
    publishIntervalSeconds: 10,
  };

  it('uses mid-range when there is no nominal value', () => {
    expect(operatingPoint(base)).toBe(50);
    expect(Math.abs(mean(series(base, 3)) - 50)).toBeLessThan(1.5);
  });

  it('stays in range when the nominal sits near a range end', () => {
    const nearTop = { ...base, nominalValue: 98 };
    for (const v of series(nearTop, 3)) {
      expect(v).toBeLessThanOrEqual(99);
      expect(v).toBeGreaterThan(85);
    }
  });

  it('returns the same value when asked twice for the same instant', () => {
    const g = createSignal(base, 1);
    g.next(T0);
    const a = g.next(T0 + 10_000);
    expect(g.next(T0 + 10_000)).toBe(a);
  });

  it('stays inside any valid range (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1000, max: 1000, noNaN: true }),
        fc.double({ min: 0.01, max: 5000, noNaN: true }),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
        fc.constantFrom('pressure', 'temperature', 'flow', 'level' as const),
        fc.integer(),
        (min, span, nominalFraction, type, seed) => {
          const inst: SimInstrument = {
            ...base,
            type,
            rangeMin: min,
            rangeMax: min + span,
            nominalValue: nominalFraction === null ? null : min + nominalFraction * span,
          };
          const g = createSignal(inst, seed);
          for (let k = 0; k < 200; k++) {
            const v = g.next(T0 + k * 60_000);
            if (!(v >= inst.rangeMin - resolutionOf(span) && v <= inst.rangeMax + resolutionOf(span)))
              return false;
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects unusable definitions, naming the field', () => {
    expect(() => createSignal({ ...base, rangeMax: 0 }, 1)).toThrow(InvalidInstrumentError);
    expect(() => createSignal({ ...base, rangeMax: 0 }, 1)).toThrow(/rangeMax/);
    expect(() => createSignal({ ...base, publishIntervalSeconds: 0 }, 1)).toThrow(/publishIntervalSeconds/);
    expect(() => createSignal({ ...base, tag: 'a/b' }, 1)).toThrow(/tag/);
    expect(() => createSignal({ ...base, type: 'ph' as SimInstrument['type'] }, 1)).toThrow(/type/);
  });
});

describe('quantise', () => {
  it('rounds to a decade step without floating-point tails', () => {
    expect(resolutionOf(10)).toBe(0.001);
    expect(resolutionOf(200)).toBeCloseTo(0.01, 12);
    expect(quantise(5.12345, 10)).toBe(5.123);
    expect(quantise(0.1 + 0.2, 10)).toBe(0.3);
    expect(quantise(85.126, 200)).toBe(85.13);
    expect(String(quantise(1.005 * 3, 10))).toMatch(/^\d+\.\d{1,3}$/);
  });
});
