import { describe, expect, it } from 'vitest';
import type { CachedInstrument } from './instrument-cache.ts';
import { partitionOf, StandbyBuffer } from './partitions.ts';

const inst = { id: 1, tag: 'PT-101' } as CachedInstrument;

describe('tag partitions', () => {
  it('puts a tag in the same partition whatever its case, and spreads tags evenly', () => {
    expect(partitionOf('pt-101', 16)).toBe(partitionOf('PT-101', 16));
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 1600; i++) counts[partitionOf(`TT-${i}`, 16)]++;
    expect(Math.min(...counts)).toBeGreaterThan(60);
    expect(Math.max(...counts)).toBeLessThan(140);
  });

  it('keeps standby readings for its window, under its cap, and hands them over oldest first', () => {
    const buf = new StandbyBuffer(1000, 3);
    buf.hold(0, { instrument: inst, ts: 30, value: 1, at: 0 });
    buf.hold(0, { instrument: inst, ts: 10, value: 2, at: 500 });
    buf.hold(1, { instrument: inst, ts: 20, value: 3, at: 900 });
    buf.evict(1200); // the first arrived 1200 ms ago: gone
    expect(buf.count).toBe(2);
    buf.hold(1, { instrument: inst, ts: 25, value: 4, at: 1300 });
    buf.hold(1, { instrument: inst, ts: 26, value: 5, at: 1300 }); // over the cap of 3: the oldest of the largest list goes
    expect(buf.count).toBe(3);
    expect(buf.dropped).toBe(1);
    expect(buf.take(1).map((r) => r.ts)).toEqual([25, 26]);
    expect(buf.take(0).map((r) => r.ts)).toEqual([10]);
    expect(buf.count).toBe(0);
  });
});
