import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES, FEATURE_SET_VERSION } from './features.ts';
import {
  averagePathLength,
  explain,
  type IsolationForestModel,
  meanPathLength,
  quantile,
  scoreMany,
  scoreSample,
  trainIsolationForest,
} from './isolation-forest.ts';
import { mulberry32, normalSampler } from './random.ts';

function gaussianRows(n: number, d: number, seed: number, scale = 1, offset = 0): number[][] {
  const z = normalSampler(mulberry32(seed));
  return Array.from({ length: n }, () => Array.from({ length: d }, () => offset + scale * z()));
}

const inliers = gaussianRows(1000, 2, 1);
const model = trainIsolationForest(inliers, { contamination: 0.05, seed: 7 });

describe('averagePathLength c(n)', () => {
  it('follows Liu et al.: c(n) = 2H(n-1) - 2(n-1)/n with H(i) = ln i + 0.5772156649', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1); // exact, H(1) = 1
    expect(averagePathLength(256)).toBeCloseTo(2 * (Math.log(255) + 0.5772156649) - (2 * 255) / 256, 12);
    expect(averagePathLength(256)).toBeCloseTo(10.2448, 3);
    expect(averagePathLength(3)).toBeCloseTo(2 * (Math.log(2) + 0.5772156649) - 4 / 3, 12);
  });
});

describe('trainIsolationForest', () => {
  it('uses psi = min(256, n), 100 trees and height limit ceil(log2 psi) by default', () => {
    expect(model.trees).toHaveLength(100);
    expect(model.sampleSize).toBe(256);
    expect(model.heightLimit).toBe(8);
    const small = trainIsolationForest(inliers.slice(0, 100), { contamination: 0.1 });
    expect(small.sampleSize).toBe(100);
    expect(small.heightLimit).toBe(7);
  });

  it('grows valid trees: depth within the limit and external sizes summing to psi', () => {
    for (const tree of model.trees) {
      let leafTotal = 0;
      let maxDepth = 0;
      const walk = (node: number, depth: number): void => {
        maxDepth = Math.max(maxDepth, depth);
        if (tree.f[node] < 0) {
          leafTotal += tree.v[node];
          return;
        }
        walk(node + 1, depth + 1);
        walk(tree.r[node], depth + 1);
      };
      walk(0, 0);
      expect(maxDepth).toBeLessThanOrEqual(model.heightLimit);
      expect(leafTotal).toBe(model.sampleSize);
      expect(tree.f.length).toBe(tree.v.length);
      expect(tree.f.length).toBe(tree.r.length);
    }
  });

  it('scores are in (0, 1] and obvious outliers score higher than inliers', () => {
    const all = scoreMany(model, inliers);
    for (const s of all) expect(s > 0 && s <= 1).toBe(true);
    const centre = scoreSample(model, [0, 0]);
    const far = scoreSample(model, [8, -8]);
    expect(centre).toBeLessThan(0.5);
    expect(far).toBeGreaterThan(0.65);
    expect(far).toBeGreaterThan(quantile(all, 0.999));
  });

  it('separates a planted cluster of outliers (AUC > 0.95)', () => {
    const outliers = gaussianRows(50, 2, 99, 1, 5);
    const m = trainIsolationForest([...inliers, ...outliers], { contamination: 0.05, seed: 3 });
    const sIn = scoreMany(m, inliers);
    const sOut = scoreMany(m, outliers);
    let wins = 0;
    for (const o of sOut) for (const i of sIn) wins += o > i ? 1 : o === i ? 0.5 : 0;
    expect(wins / (sOut.length * sIn.length)).toBeGreaterThan(0.95);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = trainIsolationForest(inliers, { contamination: 0.05, seed: 11 });
    const b = trainIsolationForest(inliers, { contamination: 0.05, seed: 11 });
    const c = trainIsolationForest(inliers, { contamination: 0.05, seed: 12 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a.trees)).not.toBe(JSON.stringify(c.trees));
  });

  it('is plain JSON: a round-tripped model scores identically', () => {
    const copy = JSON.parse(JSON.stringify(model)) as IsolationForestModel;
    const X = gaussianRows(20, 2, 5, 3);
    expect(Array.from(scoreMany(copy, X))).toEqual(Array.from(scoreMany(model, X)));
  });

  it('sets the threshold so that a share `contamination` of training scores lies above it', () => {
    for (const contamination of [0.01, 0.05, 0.1, 0.25]) {
      const m = trainIsolationForest(inliers, { contamination, seed: 1 });
      const scores = scoreMany(m, inliers);
      const above = Array.from(scores).filter((s) => s > m.threshold).length / scores.length;
      expect(Math.abs(above - contamination)).toBeLessThanOrEqual(0.002);
    }
    const loose = trainIsolationForest(inliers, { contamination: 0.2, seed: 1 });
    const strict = trainIsolationForest(inliers, { contamination: 0.02, seed: 1 });
    expect(strict.threshold).toBeGreaterThan(loose.threshold);
  });

  it('scores exactly 0.5 for the two-point forest (h = 1, c(2) = 1)', () => {
    const m = trainIsolationForest([[0], [1]], { contamination: 0.5, trees: 10 });
    expect(meanPathLength(m, [0])).toBe(1);
    expect(scoreSample(m, [0])).toBe(0.5);
    expect(scoreSample(m, [42])).toBe(0.5);
  });

  it('leaves identical rows unsplit: path = c(size), score exactly 0.5', () => {
    const m = trainIsolationForest(Array(4).fill([3, 3]), { contamination: 0.1, trees: 5 });
    expect(m.trees.every((t) => t.f.length === 1 && t.v[0] === 4)).toBe(true);
    expect(meanPathLength(m, [3, 3])).toBeCloseTo(averagePathLength(4), 12);
    expect(scoreSample(m, [100, -100])).toBeCloseTo(0.5, 12);
  });

  it('stores training statistics and defaults the names to the feature set for 10 columns', () => {
    const col = inliers.map((r) => r[1]);
    const mean = col.reduce((a, b) => a + b, 0) / col.length;
    const std = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
    expect(model.featureMeans[1]).toBeCloseTo(mean, 12);
    expect(model.featureStds[1]).toBeCloseTo(std, 12);
    expect(model.featureNames).toEqual(['feature_0', 'feature_1']);
    expect(model.featureSetVersion).toBeNull();
    const ten = trainIsolationForest(gaussianRows(300, 10, 4), { contamination: 0.05, trees: 10 });
    expect(ten.featureNames).toEqual([...FEATURE_NAMES]);
    expect(ten.featureSetVersion).toBe(FEATURE_SET_VERSION);
  });

  it('rejects bad input', () => {
    expect(() => trainIsolationForest([[1]], { contamination: 0.1 })).toThrow(RangeError);
    expect(() => trainIsolationForest(inliers, { contamination: 0 })).toThrow(RangeError);
    expect(() => trainIsolationForest(inliers, { contamination: 0.6 })).toThrow(RangeError);
    expect(() => trainIsolationForest([[1, 2], [3]], { contamination: 0.1 })).toThrow(RangeError);
    expect(() => trainIsolationForest([[1], [Number.NaN]], { contamination: 0.1 })).toThrow(RangeError);
    expect(() => scoreSample(model, [1, 2, 3])).toThrow(RangeError);
  });
});

describe('explain', () => {
  it('names the features furthest from the training data, largest |z| first', () => {
    const X = gaussianRows(500, 10, 21);
    const m = trainIsolationForest(X, { contamination: 0.05, trees: 20 });
    const x = Array(10).fill(0);
    x[6] = 9; // trend_slope
    x[2] = -4; // min
    x[8] = 0.5;
    const top = explain(m, x);
    expect(top.map((t) => t.feature)).toEqual(['trend_slope', 'min', 'coeff_of_variation']);
    expect(top[0].z).toBeCloseTo((9 - m.featureMeans[6]) / m.featureStds[6], 12);
    expect(top[1].z).toBeLessThan(0);
  });

  it('keeps z finite for a feature that was constant in training', () => {
    const X = gaussianRows(100, 2, 2).map(([a]) => [a, 5]);
    const m = trainIsolationForest(X, { contamination: 0.05, trees: 5 });
    const [first] = explain(m, [0, 6], 1);
    expect(first.index).toBe(1);
    expect(Number.isFinite(first.z)).toBe(true);
  });
});

describe('quantile', () => {
  it('interpolates linearly like numpy', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([4, 1, 3, 2], 0.95)).toBeCloseTo(3.85, 12);
    expect(quantile([7], 0.3)).toBe(7);
  });
});
