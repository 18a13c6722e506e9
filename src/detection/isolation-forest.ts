// Isolation Forest, our own implementation of Liu, Ting & Zhou (2008), "Isolation Forest", ICDM.
//
// - Each tree is grown on psi = min(256, n) rows drawn without replacement, to height limit
//   ceil(log2 psi). At a node a feature is drawn uniformly among those not constant at that node
//   (as scikit-learn does; the paper's algorithm would otherwise waste the split) and the split value
//   uniformly in [min, max) of that feature at the node; x < p goes left.
// - Path length h(x) = edges from the root to the external node + c(size), where size is the number
//   of training rows that reached that node (the paper's adjustment for unbuilt subtrees).
// - c(n) = 2 H(n-1) - 2 (n-1) / n with H(i) = ln(i) + 0.5772156649, c(1) = 0 and c(2) = 1 exactly
//   (the ln approximation of H(1) = 1 is poor; scikit-learn special-cases it the same way).
// - score s(x) = 2^(-E[h(x)] / c(psi)) in (0, 1]; ~1 anomalous, <= 0.5 normal.
// - threshold: the (1 - contamination) quantile of the training scores (linear interpolation, like
//   scikit-learn's offset_ = percentile(score_samples, 100 * contamination) with the sign flipped).
// The model is plain JSON (trees as parallel arrays in pre-order, left child = index + 1), so it can be
// stored in a database row and versioned; scoring compiles it once into typed arrays.

import { FEATURE_NAMES, FEATURE_SET_VERSION } from './features.ts';
import { mulberry32 } from './random.ts';

const EULER_GAMMA = 0.5772156649;

/** Pre-order tree: f = feature index (-1 for an external node), v = split value or external size, r = right child. */
export interface IsolationTree {
  f: number[];
  v: number[];
  r: number[];
}

export interface IsolationForestModel {
  algorithm: 'isolation-forest';
  version: 1;
  trees: IsolationTree[];
  /** psi: rows per tree. */
  sampleSize: number;
  heightLimit: number;
  nFeatures: number;
  featureNames: string[];
  featureSetVersion: number | null;
  /** Training-data statistics, for explanations. */
  featureMeans: number[];
  featureStds: number[];
  contamination: number;
  /** Scores above this are anomalous: the (1 - contamination) quantile of training scores. */
  threshold: number;
  seed: number;
  trainingRows: number;
}

export interface TrainOptions {
  trees?: number;
  sampleSize?: number;
  seed?: number;
  /** Expected share of anomalies in the training data, (0, 0.5]. */
  contamination: number;
  /** Defaults to FEATURE_NAMES when the rows have 10 columns, else feature_0, feature_1, ... */
  featureNames?: readonly string[];
}

/** Average path length of an unsuccessful BST search among n points (Liu et al., eq. 1). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

export function trainIsolationForest(
  X: readonly (readonly number[])[],
  options: TrainOptions,
): IsolationForestModel {
  const n = X.length;
  if (n < 2) throw new RangeError('trainIsolationForest needs at least 2 rows');
  const d = X[0].length;
  if (d < 1) throw new RangeError('rows need at least one feature');
  const { contamination } = options;
  if (!(contamination > 0 && contamination <= 0.5)) throw new RangeError('contamination must be in (0, 0.5]');
  const nTrees = options.trees ?? 100;
  if (!(Number.isInteger(nTrees) && nTrees >= 1)) throw new RangeError('trees must be a positive integer');
  const psi = Math.min(options.sampleSize ?? 256, n);
  if (!(Number.isInteger(psi) && psi >= 2)) throw new RangeError('sampleSize must be an integer >= 2');
  const seed = options.seed ?? 42;
  const featureNames = options.featureNames
    ? [...options.featureNames]
    : d === FEATURE_NAMES.length
      ? [...FEATURE_NAMES]
      : Array.from({ length: d }, (_, i) => `feature_${i}`);
  if (featureNames.length !== d)
    throw new RangeError(`featureNames has ${featureNames.length} names for ${d} features`);

  // Row-major copy: one allocation, cache-friendly, and validates the input once.
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = X[i];
    if (row.length !== d) throw new RangeError(`row ${i} has ${row.length} features, expected ${d}`);
    for (let j = 0; j < d; j++) {
      const x = row[j];
      if (!Number.isFinite(x)) throw new RangeError(`row ${i} feature ${j} is not finite`);
      data[i * d + j] = x;
    }
  }

  const rng = mulberry32(seed);
  const heightLimit = Math.ceil(Math.log2(psi));
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const sample = new Int32Array(psi);
  const trees: IsolationTree[] = [];
  for (let t = 0; t < nTrees; t++) {
    // Partial Fisher-Yates: the first psi entries are a uniform sample without replacement. The array
    // stays a permutation, so it is reused for the next tree without re-initialising.
    for (let i = 0; i < psi; i++) {
      const j = i + Math.floor(rng() * (n - i));
      const tmp = perm[i];
      perm[i] = perm[j];
      perm[j] = tmp;
      sample[i] = perm[i];
    }
    trees.push(growTree(data, d, sample, heightLimit, rng));
  }

  const { means, stds } = columnStats(data, n, d);
  const model: IsolationForestModel = {
    algorithm: 'isolation-forest',
    version: 1,
    trees,
    sampleSize: psi,
    heightLimit,
    nFeatures: d,
    featureNames,
    featureSetVersion:
      options.featureNames === undefined && d === FEATURE_NAMES.length ? FEATURE_SET_VERSION : null,
    featureMeans: means,
    featureStds: stds,
    contamination,
    threshold: 0,
    seed,
    trainingRows: n,
  };
  const scores = scoreRows(compile(model), data, n, d);
  model.threshold = quantile(scores, 1 - contamination);
  return model;
}

function growTree(
  data: Float64Array,
  d: number,
  sample: Int32Array,
  heightLimit: number,
  rng: () => number,
): IsolationTree {
  const f: number[] = [];
  const v: number[] = [];
  const r: number[] = [];
  const idx = Int32Array.from(sample);
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);
  const candidates = new Int32Array(d);

  const build = (start: number, end: number, depth: number): void => {
    const node = f.length;
    const size = end - start;
    f.push(-1);
    v.push(size);
    r.push(-1);
    if (depth >= heightLimit || size <= 1) return;
    for (let j = 0; j < d; j++) {
      lo[j] = Number.POSITIVE_INFINITY;
      hi[j] = Number.NEGATIVE_INFINITY;
    }
    for (let i = start; i < end; i++) {
      const base = idx[i] * d;
      for (let j = 0; j < d; j++) {
        const x = data[base + j];
        if (x < lo[j]) lo[j] = x;
        if (x > hi[j]) hi[j] = x;
      }
    }
    let nc = 0;
    for (let j = 0; j < d; j++) if (hi[j] > lo[j]) candidates[nc++] = j;
    if (nc === 0) return; // all rows identical: cannot be isolated further
    const q = candidates[Math.floor(rng() * nc)];
    const p = lo[q] + rng() * (hi[q] - lo[q]);
    // In-place partition of idx[start, end) on x_q < p.
    let mid = start;
    for (let i = start; i < end; i++) {
      if (data[idx[i] * d + q] < p) {
        const tmp = idx[i];
        idx[i] = idx[mid];
        idx[mid] = tmp;
        mid++;
      }
    }
    f[node] = q;
    v[node] = p;
    build(start, mid, depth + 1);
    r[node] = f.length;
    build(mid, end, depth + 1);
  };
  build(0, idx.length, 0);
  return { f, v, r };
}

interface CompiledForest {
  feature: Int32Array;
  value: Float64Array;
  right: Int32Array;
  /** depth-independent part of the path length at external nodes: c(size). */
  leafAdjust: Float64Array;
  roots: Int32Array;
  cPsi: number;
  d: number;
}

// Compile once per model object; models are immutable after training or loading.
const compiled = new WeakMap<IsolationForestModel, CompiledForest>();

function compile(model: IsolationForestModel): CompiledForest {
  const cached = compiled.get(model);
  if (cached) return cached;
  let total = 0;
  for (const t of model.trees) total += t.f.length;
  const feature = new Int32Array(total);
  const value = new Float64Array(total);
  const right = new Int32Array(total);
  const leafAdjust = new Float64Array(total);
  const roots = new Int32Array(model.trees.length);
  let offset = 0;
  model.trees.forEach((t, ti) => {
    roots[ti] = offset;
    for (let i = 0; i < t.f.length; i++) {
      feature[offset + i] = t.f[i];
      value[offset + i] = t.v[i];
      right[offset + i] = t.r[i] + offset;
      leafAdjust[offset + i] = t.f[i] < 0 ? averagePathLength(t.v[i]) : 0;
    }
    offset += t.f.length;
  });
  const c: CompiledForest = {
    feature,
    value,
    right,
    leafAdjust,
    roots,
    cPsi: averagePathLength(model.sampleSize),
    d: model.nFeatures,
  };
  compiled.set(model, c);
  return c;
}

function pathSum(c: CompiledForest, data: ArrayLike<number>, base: number): number {
  let total = 0;
  for (let t = 0; t < c.roots.length; t++) {
    let node = c.roots[t];
    let depth = 0;
    while (c.feature[node] >= 0) {
      node = data[base + c.feature[node]] < c.value[node] ? node + 1 : c.right[node];
      depth++;
    }
    total += depth + c.leafAdjust[node];
  }
  return total;
}

function scoreRows(c: CompiledForest, data: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  const denom = c.roots.length * c.cPsi;
  for (let i = 0; i < n; i++) out[i] = 2 ** (-pathSum(c, data, i * d) / denom);
  return out;
}

/** Mean path length E[h(x)] over the trees (exposed for tests and explanations). */
export function meanPathLength(model: IsolationForestModel, x: readonly number[]): number {
  const c = compile(model);
  checkRow(model, x);
  return pathSum(c, x, 0) / c.roots.length;
}

/** Anomaly score s(x) = 2^(-E[h(x)] / c(psi)). */
export function scoreSample(model: IsolationForestModel, x: readonly number[]): number {
  const c = compile(model);
  checkRow(model, x);
  return 2 ** (-pathSum(c, x, 0) / (c.roots.length * c.cPsi));
}

export function scoreMany(model: IsolationForestModel, X: readonly (readonly number[])[]): Float64Array {
  const c = compile(model);
  const out = new Float64Array(X.length);
  const denom = c.roots.length * c.cPsi;
  for (let i = 0; i < X.length; i++) {
    checkRow(model, X[i]);
    out[i] = 2 ** (-pathSum(c, X[i], 0) / denom);
  }
  return out;
}

export interface FeatureDeviation {
  feature: string;
  index: number;
  value: number;
  mean: number;
  std: number;
  /** (value - mean) / std of the training data. */
  z: number;
}

/**
 * Why a window looks unusual: the features furthest from the training data in z-score terms, largest
 * |z| first. Not the forest's own attribution, but what an engineer can check on a trend.
 */
export function explain(model: IsolationForestModel, x: readonly number[], top = 3): FeatureDeviation[] {
  checkRow(model, x);
  return x
    .map((value, index) => {
      const mean = model.featureMeans[index];
      const std = model.featureStds[index];
      // A feature constant in training has std 0: any departure is remarkable, but keep z finite (JSON).
      const scale = Math.max(std, 1e-9 * Math.max(1, Math.abs(mean)));
      return { feature: model.featureNames[index], index, value, mean, std, z: (value - mean) / scale };
    })
    .sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.index - b.index)
    .slice(0, top);
}

function checkRow(model: IsolationForestModel, x: readonly number[]): void {
  if (x.length !== model.nFeatures) {
    throw new RangeError(`expected ${model.nFeatures} features, got ${x.length}`);
  }
}

function columnStats(data: Float64Array, n: number, d: number): { means: number[]; stds: number[] } {
  const means = new Array<number>(d).fill(0);
  const stds = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) means[j] += data[i * d + j];
  for (let j = 0; j < d; j++) means[j] /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const dx = data[i * d + j] - means[j];
      stds[j] += dx * dx;
    }
  }
  for (let j = 0; j < d; j++) stds[j] = Math.sqrt(stds[j] / n);
  return { means, stds };
}

/** Linear-interpolation quantile (numpy's default), q in [0, 1]. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) throw new RangeError('quantile of an empty set');
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
