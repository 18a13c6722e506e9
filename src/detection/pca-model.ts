// Multivariate expected-value model: PCA on standardised variables (one row = one aligned window of
// the group's members, one column = one instrument).
//
// Maths (z = (x - mean) / std per column, C = Z'Z / (n - 1), eigenpairs (lambda_i, p_i) sorted desc):
//   retained P = [p_1 .. p_a], a = fewest components whose eigenvalues explain >= varianceKept of the
//   total, clamped to [1, min(maxComponents, m - 1)] so the residual space is never empty;
//   scores t = P'z, reconstruction z^ = P t, expected value x^ = mean + std * z^;
//   Hotelling T2 = sum_i t_i^2 / lambda_i (movement inside the model: a process change),
//   Q / SPE = |z - z^|^2 (movement off the model: the correlation broke, e.g. one sensor drifted).
// Control limits are the training rows' empirical quantiles (default 99 %), not the F / chi-square
// approximations: window means of plant data are neither Gaussian nor independent.
//
// For drift we need the expected value of ONE variable that its own reading does not pull along:
// plain reconstruction smears a sensor's offset d over all members (own residual (1 - h_jj) d, others
// -h_ij d, H = PP'). expectedFromOthers() estimates the scores from the other (non-excluded) variables
// only (least squares on their rows of P, the "missing variable" reconstruction) and predicts variable
// j from them: the drifting sensor sees its full offset, and once it is excluded (flagged) the other
// members' expected values no longer depend on it. Residual sigma per variable (engineering units) is
// measured on the training rows, for both the plain and the leave-one-out residual.
// Pure and JSON-serialisable (plain arrays only).

import { EigenvalueDecomposition, Matrix, solve } from 'ml-matrix';

export interface PcaModel {
  version: 1;
  kind: 'pca';
  variables: number;
  components: number;
  trainingRows: number;
  mean: number[];
  std: number[];
  /** Eigenvalues of the retained components (standardised units), descending. */
  eigenvalues: number[];
  /** All eigenvalues, descending (for the explained-variance figure). */
  allEigenvalues: number[];
  /** loadings[j][i] = p_i[j]: variable j's weight in component i (m x a). */
  loadings: number[][];
  explainedVariance: number;
  /** Empirical quantile of T2 and SPE over the training rows. */
  t2Limit: number;
  speLimit: number;
  limitQuantile: number;
  /** sigma of x - x^ per variable on the training rows (engineering units). */
  residualSigma: number[];
  /** sigma of x - expectedFromOthers(x)[j] per variable on the training rows. */
  looResidualSigma: number[];
  /** [j][k]: sigma of variable j's leave-one-out residual when variable k is excluded too (k != j). */
  looSigmaWithout: number[][];
  /**
   * Lag-1 autocorrelation of each variable's leave-one-out residual over the training rows (in time
   * order). A CUSUM on autocorrelated inputs alarms far more often than its i.i.d. ARL says, so the
   * residual CUSUM divides by sigma * sqrt((1 + rho) / (1 - rho)) (the long-run sd of an AR(1)).
   */
  looLag1: number[];
}

export interface PcaTrainOptions {
  /** Share of the standardised variance the retained components explain (default 0.9). */
  varianceKept?: number;
  /** Upper bound on components (default m - 1). */
  maxComponents?: number;
  /** Quantile of the training T2 / SPE used as control limit (default 0.99). */
  limitQuantile?: number;
}

export interface PcaScore {
  t2: number;
  spe: number;
  expected: number[];
  residuals: number[];
  residualZ: number[];
}

/** Column std floor (relative to |mean|, absolute 1e-9): a constant column must not divide by 0. */
const STD_FLOOR = 1e-9;

export function trainPcaModel(rows: number[][], opts: PcaTrainOptions = {}): PcaModel {
  const n = rows.length;
  const m = rows[0]?.length ?? 0;
  if (m < 2) throw new RangeError('a PCA model needs at least two variables');
  if (n < m + 2) throw new RangeError(`a PCA model on ${m} variables needs at least ${m + 2} rows`);
  for (const r of rows) {
    if (r.length !== m || !r.every(Number.isFinite))
      throw new RangeError('rows must be finite and equal length');
  }
  const varianceKept = opts.varianceKept ?? 0.9;
  const limitQuantile = opts.limitQuantile ?? 0.99;
  const mean = new Array<number>(m).fill(0);
  for (const r of rows) for (let j = 0; j < m; j++) mean[j] += r[j] / n;
  const std = mean.map((mu, j) => {
    let s = 0;
    for (const r of rows) s += (r[j] - mu) ** 2;
    return Math.max(Math.sqrt(s / (n - 1)), STD_FLOOR * Math.max(1, Math.abs(mu)));
  });
  const z = new Matrix(rows.map((r) => r.map((v, j) => (v - mean[j]) / std[j])));
  const cov = z
    .transpose()
    .mmul(z)
    .div(n - 1);
  const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
  const order = evd.realEigenvalues.map((v, i) => ({ v: Math.max(v, 0), i })).sort((a, b) => b.v - a.v);
  const total = order.reduce((s, e) => s + e.v, 0) || 1;
  const cap = Math.max(1, Math.min(opts.maxComponents ?? m - 1, m - 1));
  let a = 0;
  let cum = 0;
  while (a < cap && cum / total < varianceKept) cum += order[a++].v;
  a = Math.max(1, a);
  const vectors = evd.eigenvectorMatrix;
  const loadings = Array.from({ length: m }, (_, j) => order.slice(0, a).map((e) => vectors.get(j, e.i)));
  // A zero eigenvalue (perfectly collinear columns) would make T2 infinite: floor it.
  const eigenvalues = order.slice(0, a).map((e) => Math.max(e.v, 1e-12));
  const model: PcaModel = {
    version: 1,
    kind: 'pca',
    variables: m,
    components: a,
    trainingRows: n,
    mean,
    std,
    eigenvalues,
    allEigenvalues: order.map((e) => e.v),
    loadings,
    explainedVariance: order.slice(0, a).reduce((s, e) => s + e.v, 0) / total,
    t2Limit: 0,
    speLimit: 0,
    limitQuantile,
    residualSigma: new Array<number>(m).fill(0),
    looResidualSigma: new Array<number>(m).fill(0),
    looSigmaWithout: [],
    looLag1: new Array<number>(m).fill(0),
  };
  const t2s: number[] = [];
  const spes: number[] = [];
  const res2 = new Array<number>(m).fill(0);
  const loo2 = new Array<number>(m).fill(0);
  const without2 = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  const lag = new Array<number>(m).fill(0);
  let prev: number[] | null = null;
  for (const r of rows) {
    const s = scorePca(model, r);
    t2s.push(s.t2);
    spes.push(s.spe);
    const loo = expectedFromOthers(model, r);
    const looRes = r.map((v, j) => v - loo[j]);
    for (let j = 0; j < m; j++) {
      res2[j] += s.residuals[j] ** 2;
      loo2[j] += looRes[j] ** 2;
      if (prev) lag[j] += looRes[j] * prev[j];
    }
    prev = looRes;
    for (let k = 0; k < m; k++) {
      const ex = new Array<boolean>(m).fill(false);
      ex[k] = true;
      const e = expectedFromOthers(model, r, ex);
      for (let j = 0; j < m; j++) if (j !== k) without2[j][k] += (r[j] - e[j]) ** 2;
    }
  }
  // Residual sigma floored at 1e-6 of the column's std so a perfect twin cannot give z = inf.
  model.residualSigma = res2.map((v, j) => Math.max(Math.sqrt(v / (n - 1)), 1e-6 * std[j]));
  model.looResidualSigma = loo2.map((v, j) => Math.max(Math.sqrt(v / (n - 1)), 1e-6 * std[j]));
  model.looSigmaWithout = without2.map((row, j) =>
    row.map((v, k) =>
      k === j ? model.looResidualSigma[j] : Math.max(Math.sqrt(v / (n - 1)), 1e-6 * std[j]),
    ),
  );
  model.looLag1 = lag.map((v, j) => Math.min(0.9, Math.max(0, v / Math.max(loo2[j], Number.MIN_VALUE))));
  model.t2Limit = empiricalQuantile(t2s, limitQuantile);
  model.speLimit = empiricalQuantile(spes, limitQuantile);
  return model;
}

export function scorePca(model: PcaModel, x: number[]): PcaScore {
  const { mean, std, loadings, eigenvalues, components: a, variables: m } = model;
  if (x.length !== m) throw new RangeError(`expected ${m} values, got ${x.length}`);
  const z = x.map((v, j) => (v - mean[j]) / std[j]);
  const t = new Array<number>(a).fill(0);
  for (let i = 0; i < a; i++) for (let j = 0; j < m; j++) t[i] += loadings[j][i] * z[j];
  let t2 = 0;
  for (let i = 0; i < a; i++) t2 += (t[i] * t[i]) / eigenvalues[i];
  let spe = 0;
  const expected = new Array<number>(m);
  const residuals = new Array<number>(m);
  const residualZ = new Array<number>(m);
  for (let j = 0; j < m; j++) {
    let zh = 0;
    for (let i = 0; i < a; i++) zh += loadings[j][i] * t[i];
    spe += (z[j] - zh) ** 2;
    expected[j] = mean[j] + std[j] * zh;
    residuals[j] = x[j] - expected[j];
    residualZ[j] = model.residualSigma[j] > 0 ? residuals[j] / model.residualSigma[j] : 0;
  }
  return { t2, spe, expected, residuals, residualZ };
}

/**
 * Expected value of each variable j from the other variables that are not excluded: scores by least
 * squares on the rows of P of the usable variables (ridge 1e-6 for a near-singular system), then
 * x^_j = mean_j + std_j * p_(j) . t. With no usable other variable, x^_j = mean_j.
 */
export function expectedFromOthers(model: PcaModel, x: number[], exclude?: readonly boolean[]): number[] {
  const { mean, std, loadings, components: a, variables: m } = model;
  const z = x.map((v, j) => (v - mean[j]) / std[j]);
  const out = new Array<number>(m);
  for (let j = 0; j < m; j++) {
    const use: number[] = [];
    for (let k = 0; k < m; k++) if (k !== j && !exclude?.[k] && Number.isFinite(z[k])) use.push(k);
    if (use.length === 0) {
      out[j] = mean[j];
      continue;
    }
    // Normal equations (P_o' P_o + ridge I) t = P_o' z_o, a x a with a small.
    const A = Matrix.zeros(a, a);
    const b = Matrix.zeros(a, 1);
    for (const k of use) {
      for (let p = 0; p < a; p++) {
        b.set(p, 0, b.get(p, 0) + loadings[k][p] * z[k]);
        for (let q = 0; q < a; q++) A.set(p, q, A.get(p, q) + loadings[k][p] * loadings[k][q]);
      }
    }
    for (let p = 0; p < a; p++) A.set(p, p, A.get(p, p) + 1e-6);
    const t = solveSmall(A, b);
    let zh = 0;
    for (let i = 0; i < a; i++) zh += loadings[j][i] * t[i];
    out[j] = mean[j] + std[j] * zh;
  }
  return out;
}

/**
 * sigma for variable j's leave-one-out residual with `exclude` excluded: the largest of the measured
 * single-exclusion sigmas (with two or more excluded, a conservative approximation), times the AR(1)
 * long-run factor sqrt((1 + rho) / (1 - rho)) when `autocorrelation` is set.
 */
export function looSigma(
  model: PcaModel,
  j: number,
  exclude?: readonly boolean[],
  autocorrelation = false,
): number {
  let sigma = model.looResidualSigma[j];
  if (exclude) {
    for (let k = 0; k < model.variables; k++) {
      if (k !== j && exclude[k]) sigma = Math.max(sigma, model.looSigmaWithout[j]?.[k] ?? sigma);
    }
  }
  const rho = autocorrelation ? (model.looLag1?.[j] ?? 0) : 0;
  return sigma * Math.sqrt((1 + rho) / (1 - rho));
}

/** Leave-one-out residual of each variable in its training residual sigma. */
export function looResidualZ(model: PcaModel, x: number[], exclude?: readonly boolean[]): number[] {
  const e = expectedFromOthers(model, x, exclude);
  return x.map((v, j) => (v - e[j]) / model.looResidualSigma[j]);
}

function solveSmall(A: Matrix, b: Matrix): number[] {
  // ml-matrix's solve (LU for a square system) on an a x a system.
  return solve(A, b).getColumn(0);
}

/** Linear-interpolated empirical quantile (type 7), q in [0, 1]. */
export function empiricalQuantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((x, y) => x - y);
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
