import { describe, expect, it } from 'vitest';
import { mulberry32, normalSampler, randomInt } from './random.ts';

describe('seeded PRNG', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const sa = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(sa);
    expect(Array.from({ length: 5 }, c)).not.toEqual(sa);
  });

  it('produces uniforms in [0, 1) with mean 1/2 and variance 1/12', () => {
    const u = mulberry32(1);
    let sum = 0;
    let sumSq = 0;
    let outside = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = u();
      if (!(x >= 0 && x < 1)) outside++;
      sum += x;
      sumSq += x * x;
    }
    expect(outside).toBe(0);
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sumSq / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 2);
  });

  it('produces standard normals (mean 0, variance 1, ~4.55% beyond 2 sigma)', () => {
    const z = normalSampler(mulberry32(7));
    let sum = 0;
    let sumSq = 0;
    let tail = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const x = z();
      sum += x;
      sumSq += x * x;
      if (Math.abs(x) > 2) tail++;
    }
    expect(sum / n).toBeCloseTo(0, 1.5);
    expect(sumSq / n).toBeCloseTo(1, 1.5);
    expect(tail / n).toBeGreaterThan(0.042);
    expect(tail / n).toBeLessThan(0.049);
  });

  it('randomInt stays in [0, n)', () => {
    const u = mulberry32(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(randomInt(u, 5));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
