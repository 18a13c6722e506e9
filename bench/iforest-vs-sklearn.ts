// Checks our Isolation Forest against scikit-learn's on the same labelled data and times training.
// Run: node --import tsx bench/iforest-vs-sklearn.ts
// Prints the Spearman rank correlation of the two score vectors, both ROC AUCs and our training time on
// 10,000 windows x 10 features. Acceptance: Spearman >= 0.9 and |AUC(ours) - AUC(sklearn)| <= 0.03.
// Needs python3 with scikit-learn (Debian: apt-get install -y python3-sklearn; installed here if missing
// and we are root).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scoreMany, trainIsolationForest } from '../src/detection/isolation-forest.ts';
import { mulberry32, normalSampler } from '../src/detection/random.ts';

const SEED = 2024;
const DIM = 10;
const CONTAMINATION = 0.05;

interface Dataset {
  X: number[][];
  labels: number[]; // 1 = outlier
}

/**
 * 2,000 inliers from a mixture of three 10-D Gaussians (weights 0.5 / 0.3 / 0.2, per-dimension scales
 * 0.5-1.5) and 100 outliers: 50 uniform in the inflated bounding box (easy) and 50 cluster points with
 * three coordinates pushed 3.5-5 sigma out (hard, close to the clusters).
 */
function makeDataset(seed: number): Dataset {
  const u = mulberry32(seed);
  const z = normalSampler(u);
  const clusters = [0.5, 0.3, 0.2].map((weight) => ({
    weight,
    centre: Array.from({ length: DIM }, () => -5 + 10 * u()),
    scale: Array.from({ length: DIM }, () => 0.5 + u()),
  }));
  const pick = () => {
    let r = u();
    for (const c of clusters) {
      if (r < c.weight) return c;
      r -= c.weight;
    }
    return clusters[clusters.length - 1];
  };
  const X: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const c = pick();
    X.push(c.centre.map((m, j) => m + c.scale[j] * z()));
    labels.push(0);
  }
  const lo = Array.from({ length: DIM }, (_, j) => Math.min(...X.map((r) => r[j])));
  const hi = Array.from({ length: DIM }, (_, j) => Math.max(...X.map((r) => r[j])));
  for (let i = 0; i < 50; i++) {
    X.push(lo.map((l, j) => l - 0.1 * (hi[j] - l) + 1.2 * (hi[j] - l) * u()));
    labels.push(1);
  }
  for (let i = 0; i < 50; i++) {
    const c = pick();
    const row = c.centre.map((m, j) => m + c.scale[j] * z());
    const dims = new Set<number>();
    while (dims.size < 3) dims.add(Math.floor(u() * DIM));
    for (const j of dims) row[j] = c.centre[j] + (u() < 0.5 ? -1 : 1) * c.scale[j] * (3.5 + 1.5 * u());
    X.push(row);
    labels.push(1);
  }
  return { X, labels };
}

/** Ranks 1..n, ties get their average rank. */
function ranks(values: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const r = new Float64Array(values.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && values[idx[j + 1]] === values[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const mean = (n + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i] - mean) * (rb[i] - mean);
    saa += (ra[i] - mean) ** 2;
    sbb += (rb[i] - mean) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** ROC AUC by the Mann-Whitney rank sum (ties count half). */
function rocAuc(scores: ArrayLike<number>, labels: number[]): number {
  const r = ranks(scores);
  let pos = 0;
  let rankSum = 0;
  labels.forEach((l, i) => {
    if (l === 1) {
      pos++;
      rankSum += r[i];
    }
  });
  const neg = labels.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

function findPython(): string {
  const candidates = ['/usr/bin/python3', 'python3'];
  const works = (py: string) => spawnSync(py, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0;
  for (const py of candidates) if (works(py)) return py;
  if (process.getuid?.() === 0) {
    console.log('scikit-learn missing: apt-get install -y python3-sklearn ...');
    const r = spawnSync('apt-get', ['install', '-y', 'python3-sklearn'], { stdio: 'inherit' });
    if (r.status === 0 && works('/usr/bin/python3')) return '/usr/bin/python3';
  }
  throw new Error('python3 with scikit-learn not found; install it with: apt-get install -y python3-sklearn');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const { X, labels } = makeDataset(SEED);
  const dir = mkdtempSync(join(tmpdir(), 'iforest-bench-'));
  try {
    const csv = join(dir, 'data.csv');
    const out = join(dir, 'sklearn-scores.txt');
    const header = ['label', ...Array.from({ length: DIM }, (_, j) => `f${j}`)].join(',');
    writeFileSync(csv, `${header}\n${X.map((row, i) => [labels[i], ...row].join(',')).join('\n')}\n`);
    console.log(
      `dataset: ${X.length} rows x ${DIM} features (${labels.filter((l) => l === 1).length} outliers), ${csv}`,
    );

    const model = trainIsolationForest(X, { contamination: CONTAMINATION, seed: 1 });
    const ours = scoreMany(model, X);
    const ours2 = scoreMany(trainIsolationForest(X, { contamination: CONTAMINATION, seed: 2 }), X);

    const python = findPython();
    const script = join(here, 'iforest-vs-sklearn.py');
    if (!existsSync(script)) throw new Error(`missing ${script}`);
    const py = spawnSync(
      python,
      [
        script,
        csv,
        out,
        '--seed',
        '0',
        '--contamination',
        String(CONTAMINATION),
        '--time-rows',
        '10000',
        '--extra',
        join(dir, 'extra'),
      ],
      {
        encoding: 'utf8',
      },
    );
    if (py.status !== 0) throw new Error(`sklearn script failed:\n${py.stderr}`);
    process.stdout.write(py.stdout);
    const readScores = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map(Number);
    const theirs = readScores(out);
    const theirs2 = readScores(join(dir, 'extra.seed2.txt'));
    const theirsAvg = readScores(join(dir, 'extra.avg10.txt'));
    const oursAvg = new Float64Array(X.length);
    for (let s = 1; s <= 10; s++) {
      scoreMany(trainIsolationForest(X, { contamination: CONTAMINATION, seed: s }), X).forEach((v, i) => {
        oursAvg[i] += v / 10;
      });
    }
    if (theirs.length !== X.length)
      throw new Error(`sklearn returned ${theirs.length} scores for ${X.length} rows`);

    const rho = spearman(ours, theirs);
    const aucOurs = rocAuc(ours, labels);
    const aucTheirs = rocAuc(theirs, labels);
    const flaggedOurs = new Set(labels.map((_, i) => i).filter((i) => ours[i] > model.threshold));
    const sorted = [...theirs].sort((a, b) => a - b);
    const theirThreshold = sorted[Math.floor((1 - CONTAMINATION) * (sorted.length - 1))];
    const flaggedBoth = [...flaggedOurs].filter((i) => theirs[i] > theirThreshold).length;

    // Training time on 10,000 windows x 10 features (what a 1-week baseline of 60 s windows is).
    const z = normalSampler(mulberry32(7));
    const big = Array.from({ length: 10_000 }, () => Array.from({ length: DIM }, () => z()));
    trainIsolationForest(big, { contamination: CONTAMINATION, seed: 0 }); // warm up the JIT
    const trainMs: number[] = [];
    const scoreMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      let t0 = performance.now();
      const m = trainIsolationForest(big, { contamination: CONTAMINATION, seed: i });
      trainMs.push(performance.now() - t0);
      t0 = performance.now();
      scoreMany(m, big);
      scoreMs.push(performance.now() - t0);
    }

    console.log(
      `ours: threshold ${model.threshold.toFixed(4)}, flagged ${flaggedOurs.size}, flagged by both ${flaggedBoth}`,
    );
    console.log(`Spearman rank correlation ours vs sklearn: ${rho.toFixed(4)}`);
    console.log(
      `  noise floor, same library, next seed: ours ${spearman(ours, ours2).toFixed(4)}, sklearn ${spearman(theirs, theirs2).toFixed(4)}`,
    );
    console.log(`  means of 10 forests each, ours vs sklearn: ${spearman(oursAvg, theirsAvg).toFixed(4)}`);
    console.log(
      `ROC AUC ours: ${aucOurs.toFixed(4)}  sklearn: ${aucTheirs.toFixed(4)}  |diff| ${Math.abs(aucOurs - aucTheirs).toFixed(4)}`,
    );
    console.log(
      `our training on 10,000 x ${DIM} (100 trees, psi 256, incl. threshold scoring): median ${median(trainMs).toFixed(0)} ms` +
        ` (min ${Math.min(...trainMs).toFixed(0)}, max ${Math.max(...trainMs).toFixed(0)}); scoring 10,000 rows: median ${median(scoreMs).toFixed(0)} ms`,
    );
    const ok = rho >= 0.9 && Math.abs(aucOurs - aucTheirs) <= 0.03;
    console.log(ok ? 'PASS: Spearman >= 0.9 and AUC within 0.03' : 'FAIL: acceptance not met');
    process.exitCode = ok ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
