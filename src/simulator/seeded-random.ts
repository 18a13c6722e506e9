// A tiny seeded PRNG so simulated signals (live, history backfill and tests) are reproducible.

/** mulberry32: 32-bit state, fast, statistically fine for simulation (not for cryptography). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform and standard-normal deviates from one seeded stream. */
export class SeededRandom {
  private readonly uniformFn: () => number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.uniformFn = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.uniformFn();
  }

  /** Standard normal by Box–Muller; each pair of uniforms gives two deviates. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    // 1 - u keeps log's argument in (0, 1].
    const r = Math.sqrt(-2 * Math.log(1 - this.uniformFn()));
    const theta = 2 * Math.PI * this.uniformFn();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}

/**
 * Combines a run seed with an instrument id into an independent 32-bit seed, so an instrument's
 * signal depends only on (seed, id), not on its position in the list or on what else is simulated.
 */
export function mixSeed(seed: number, id: number): number {
  // splitmix32-style finaliser over the combined words.
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul((id >>> 0) + 0x632be5ab, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
  return (h ^ (h >>> 15)) >>> 0;
}
