import { describe, expect, it } from 'vitest';
import { empiricalQuantile, expectedFromOthers, looResidualZ, scorePca, trainPcaModel } from './pca-model.ts';
import { mulberry32, normalSampler } from './random.ts';

/** Three sensors of one process (a wandering level) plus independent noise, different scales. */
function plant(n: number, seed = 7): number[][] {
  const z = normalSampler(mulberry32(seed));
  const rows: number[][] = [];
  let p = 0;
  for (let i = 0; i < n; i++) {
    p = 0.95 * p + z();
    rows.push([5 + 0.2 * p + 0.01 * z(), 5.1 + 0.2 * p + 0.01 * z(), 40 + 3 * p + 0.2 * z()]);
  }
  return rows;
}

describe('trainPcaModel', () => {
  it('keeps the one process component of three correlated sensors and is plain JSON', () => {
    const model = trainPcaModel(plant(500));
    expect(model.components).toBe(1);
    expect(model.explainedVariance).toBeGreaterThan(0.99);
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
    // Eigenvalues of a correlation matrix sum to the number of variables.
    expect(model.allEigenvalues.reduce((a, b) => a + b, 0)).toBeCloseTo(3, 6);
  });

  it('sets T2 and SPE limits at the training quantile (about 1 % of training rows above)', () => {
    const rows = plant(1000);
    const model = trainPcaModel(rows, { limitQuantile: 0.99 });
    const aboveSpe = rows.filter((r) => scorePca(model, r).spe > model.speLimit).length;
    const aboveT2 = rows.filter((r) => scorePca(model, r).t2 > model.t2Limit).length;
    expect(aboveSpe).toBeGreaterThanOrEqual(5);
    expect(aboveSpe).toBeLessThanOrEqual(15);
    expect(aboveT2).toBeGreaterThanOrEqual(5);
    expect(aboveT2).toBeLessThanOrEqual(15);
  });

  it('respects maxComponents and varianceKept, and rejects too little data', () => {
    const rows = plant(200);
    expect(trainPcaModel(rows, { varianceKept: 0.9999999 }).components).toBe(2);
    expect(trainPcaModel(rows, { varianceKept: 1, maxComponents: 1 }).components).toBe(1);
    expect(() => trainPcaModel(rows.map((r) => [r[0]]))).toThrow(RangeError);
    expect(() => trainPcaModel(rows.slice(0, 3))).toThrow(RangeError);
  });
});

describe('scorePca', () => {
  it('a process move stays on the model (T2 up, SPE low); a sensor offset leaves it (SPE up)', () => {
    const model = trainPcaModel(plant(1000));
    const processMove = scorePca(model, [5 + 0.2 * 12, 5.1 + 0.2 * 12, 40 + 3 * 12]);
    expect(processMove.t2).toBeGreaterThan(model.t2Limit);
    expect(processMove.spe).toBeLessThan(model.speLimit);
    const offset = scorePca(model, [5.3, 5.1, 40]);
    expect(offset.spe).toBeGreaterThan(10 * model.speLimit);
    expect(offset.residuals[0]).toBeGreaterThan(0);
    // expected + residual = reading, residualZ = residual / residual sigma
    for (let j = 0; j < 3; j++) {
      expect(offset.expected[j] + offset.residuals[j]).toBeCloseTo([5.3, 5.1, 40][j], 9);
      expect(offset.residualZ[j]).toBeCloseTo(offset.residuals[j] / model.residualSigma[j], 9);
    }
  });

  it('the leave-one-out expected value gives the drifting sensor its full offset, in residual sigma', () => {
    const rows = plant(1000);
    const model = trainPcaModel(rows);
    const base = rows[500];
    const drifted = [base[0] + 0.1, base[1], base[2]];
    const e = expectedFromOthers(model, drifted);
    // Sensor 0 is predicted from sensors 1 and 2 only: its residual moves by the whole offset.
    const e0 = expectedFromOthers(model, base);
    expect(drifted[0] - e[0] - (base[0] - e0[0])).toBeCloseTo(0.1, 12);
    // Plain reconstruction smears it: sensor 0 sees only part of the offset.
    const plain = scorePca(model, drifted).residuals[0] - scorePca(model, base).residuals[0];
    expect(plain).toBeLessThan(0.09);
    // Excluding the drifting sensor, its twin's expected value no longer moves with it.
    const twin = expectedFromOthers(model, drifted, [true, false, false]);
    const twinClean = expectedFromOthers(model, base, [true, false, false]);
    expect(twin[1]).toBeCloseTo(twinClean[1], 12);
    // In control the leave-one-out residuals are ~N(0, 1) in their own sigma.
    const zs = rows.map((r) => looResidualZ(model, r)[1]);
    const sd = Math.sqrt(zs.reduce((a, v) => a + v * v, 0) / zs.length);
    expect(sd).toBeGreaterThan(0.9);
    expect(sd).toBeLessThan(1.1);
  });
});

describe('empiricalQuantile', () => {
  it('interpolates between order statistics', () => {
    expect(empiricalQuantile([3, 1, 2, 4], 0.5)).toBe(2.5);
    expect(empiricalQuantile([1, 2, 3], 1)).toBe(3);
    expect(Number.isNaN(empiricalQuantile([], 0.5))).toBe(true);
  });
});
