import { describe, expect, it } from 'vitest';
import { UnknownTagError } from './errors.ts';
import { generateHistory } from './history.ts';
import { SAMPLE_INSTRUMENTS } from './sample-instruments.ts';
import { mixSeed } from './seeded-random.ts';
import { createSignal } from './signals.ts';

const T0 = Date.UTC(2026, 10, 17, 0, 0, 0);
const DAY = 86_400_000;

describe('generateHistory', () => {
  it('yields one reading per instrument per step, half-open [from, to), time-major', () => {
    const rs = [...generateHistory(SAMPLE_INSTRUMENTS, T0, T0 + 3600_000, 60, 1)];
    expect(rs).toHaveLength(4 * 60);
    expect(rs[0]).toMatchObject({ instrumentId: 1, tag: 'PT-101', ts: T0 });
    expect(rs.slice(0, 4).map((r) => r.tag)).toEqual(['PT-101', 'TT-201', 'FT-301', 'LT-401']);
    expect(rs.at(-1)!.ts).toBe(T0 + 3600_000 - 60_000);
    for (const r of rs) expect(Number.isFinite(r.value)).toBe(true);
  });

  it('is deterministic for a seed and uses the same per-instrument signal as the live simulator', () => {
    const a = [...generateHistory(SAMPLE_INSTRUMENTS, T0, T0 + DAY, 300, 99)];
    const b = [...generateHistory(SAMPLE_INSTRUMENTS, T0, T0 + DAY, 300, 99)];
    expect(a).toEqual(b);
    const tt = SAMPLE_INSTRUMENTS[1];
    const g = createSignal(tt, mixSeed(99, tt.id));
    const expected = a.filter((r) => r.tag === tt.tag).map((r) => g.next(r.ts));
    expect(a.filter((r) => r.tag === tt.tag).map((r) => r.value)).toEqual(expected);
  });

  it('does not depend on which other instruments are generated', () => {
    const alone = [...generateHistory([SAMPLE_INSTRUMENTS[2]], T0, T0 + DAY, 600, 7)];
    const all = [...generateHistory(SAMPLE_INSTRUMENTS, T0, T0 + DAY, 600, 7)].filter(
      (r) => r.tag === 'FT-301',
    );
    expect(all).toEqual(alone);
  });

  it('is lazy: a week for many instruments streams without being built in memory', () => {
    const many = Array.from({ length: 500 }, (_, k) => ({
      ...SAMPLE_INSTRUMENTS[k % 4],
      id: k + 1,
      tag: `X-${k}`,
    }));
    const it = generateHistory(many, T0, T0 + 7 * DAY, 60, 3);
    let n = 0;
    for (const r of it) {
      expect(r.ts).toBe(T0);
      if (++n === 500) break;
    }
    expect(n).toBe(500);
  });

  it('rejects bad arguments and unknown fault tags', () => {
    expect(() => [...generateHistory(SAMPLE_INSTRUMENTS, T0, T0 - 1, 60, 1)]).toThrow(RangeError);
    expect(() => [...generateHistory(SAMPLE_INSTRUMENTS, T0, T0 + DAY, 0, 1)]).toThrow(/stepSeconds/);
    expect(() => [
      ...generateHistory(SAMPLE_INSTRUMENTS, T0, T0 + DAY, 60, 1, {
        faults: [{ tag: 'NOPE-1', spec: { kind: 'stuck' }, startMs: T0 }],
      }),
    ]).toThrow(UnknownTagError);
  });

  it('yields nothing for an empty span', () => {
    expect([...generateHistory(SAMPLE_INSTRUMENTS, T0, T0, 60, 1)]).toEqual([]);
  });
});

describe('process units (issue 11)', () => {
  const inst = (id: number, type: 'pressure' | 'flow', unit: string | null) => ({
    id,
    tag: `X-${id}`,
    type,
    unit: type === 'pressure' ? 'bar' : 'm³/h',
    rangeMin: 0,
    rangeMax: type === 'pressure' ? 10 : 100,
    nominalValue: type === 'pressure' ? 5 : 50,
    publishIntervalSeconds: 10,
    processUnit: unit,
  });

  function tenMinuteMeans(list: ReturnType<typeof inst>[]): Map<number, number[]> {
    const out = new Map<number, number[]>(list.map((i) => [i.id, []]));
    const acc = new Map<string, { n: number; s: number }>();
    for (const r of generateHistory(list, 0, 2 * 86_400_000, 10, 3)) {
      const key = `${r.instrumentId}|${Math.floor(r.ts / 600_000)}`;
      const a = acc.get(key) ?? { n: 0, s: 0 };
      a.n++;
      a.s += r.value;
      acc.set(key, a);
    }
    for (const [key, a] of acc) out.get(Number(key.split('|')[0]))!.push(a.s / a.n);
    return out;
  }

  const corr = (x: number[], y: number[]) => {
    const mx = x.reduce((a, b) => a + b) / x.length;
    const my = y.reduce((a, b) => a + b) / y.length;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < x.length; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) ** 2;
      syy += (y[i] - my) ** 2;
    }
    return sxy / Math.sqrt(sxx * syy);
  };

  it('instruments of one unit share its process state; instruments alone do not', () => {
    const m = tenMinuteMeans([inst(1, 'pressure', 'U1'), inst(2, 'flow', 'U1'), inst(3, 'pressure', null)]);
    expect(corr(m.get(1)!, m.get(2)!)).toBeGreaterThan(0.9);
    expect(Math.abs(corr(m.get(1)!, m.get(3)!))).toBeLessThan(0.5);
  });
});
