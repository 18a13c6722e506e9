import { describe, expect, it } from 'vitest';
import { alignToWindows, featureWindows, minPointsPerWindow } from './windows.ts';

describe('feature windows', () => {
  it('needs half the readings the publish interval promises, at least 2', () => {
    expect(minPointsPerWindow(60, 5)).toBe(6);
    expect(minPointsPerWindow(60, 1)).toBe(30);
    expect(minPointsPerWindow(60, 60)).toBe(2);
    expect(minPointsPerWindow(60, 7)).toBe(4);
  });

  it('shrinks a range to whole windows, or null when none fits', () => {
    const m = 60_000;
    expect(alignToWindows(10 * m + 1, 20 * m - 1, 60)).toEqual([11 * m, 19 * m]);
    expect(alignToWindows(10 * m, 20 * m, 60)).toEqual([10 * m, 20 * m]);
    expect(alignToWindows(10 * m + 1, 11 * m + 5, 60)).toBeNull();
  });

  it('skips windows with too few readings and computes the 10 features of the others', () => {
    const points = [
      // window [0, 60 s): four readings
      { ts: 0, value: 1 },
      { ts: 15_000, value: 3 },
      { ts: 30_000, value: 2 },
      { ts: 45_000, value: 6 },
      // window [60 s, 120 s): one reading only
      { ts: 60_000, value: 9 },
    ];
    const out = featureWindows(points, { windowSeconds: 60, strideSeconds: 60 }, 2, {
      rangeMin: 0,
      rangeMax: 10,
      nominalValue: 2,
    });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ start: 0, end: 60_000, points: 4 });
    expect(out[0].features).toHaveLength(10);
    expect(out[0].features[0]).toBe(3); // mean
    expect(out[0].features[5]).toBe(1); // deviation from nominal
  });
});
