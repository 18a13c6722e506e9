// Runs in a worker thread (jobs/worker-thread.ts): reads the baseline's good readings from the
// database, builds the feature windows, trains the Isolation Forest and writes the model file. Both
// the reading and the training are heavy enough to stall the HTTP server, so neither happens on the
// main thread. Returns plain data only; the main thread records the version. (trainModel is the same
// work on a given connection: the demo seed trains its models with it before the server listens.)
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseTarget } from '../config.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { FEATURE_SET_VERSION } from '../detection/features.ts';
import { quantile, scoreMany, trainIsolationForest } from '../detection/isolation-forest.ts';
import type { WorkerTools } from '../jobs/worker-thread.ts';
import { type FeatureScale, featureWindows, type WindowGeometry } from './windows.ts';

export interface TrainTaskInput extends TrainInput {
  database: DatabaseTarget;
}

export interface TrainInput {
  instrumentId: number;
  tag: string;
  /** Baseline ranges, epoch ms [start, end]: a window is trained on when it lies inside one. */
  ranges: [number, number][];
  geometry: WindowGeometry;
  minPoints: number;
  minWindows: number;
  scale: FeatureScale;
  contamination: number;
  trees: number;
  seed: number;
  /** Where to write the model JSON (absolute). */
  outFile: string;
}

export interface TrainTaskResult {
  windowsUsed: number;
  windowsSkipped: number;
  readingsUsed: number;
  threshold: number;
  featureSetVersion: number;
  loadMs: number;
  trainMs: number;
  trainingScores: { min: number; p50: number; p95: number; max: number };
  featureMeans: Record<string, number>;
  featureStds: Record<string, number>;
}

/** Model file format, stable across versions of this code (the forest itself is detection/ JSON). */
export const MODEL_FILE_FORMAT = 'cbu-cmms/isolation-forest@1';

const DAY_MS = 86_400_000;

export async function trainModelTask(input: TrainTaskInput, tools: WorkerTools): Promise<TrainTaskResult> {
  const handle = openDatabase(input.database);
  let loaded: Loaded;
  try {
    loaded = await loadFeatures(handle.db, input, tools.progress);
  } finally {
    await handle.close();
  }
  return fitModel(input, loaded, tools.progress);
}

/** Trains on `db` in the calling thread (the demo seed, before anything else runs). */
export async function trainModel(
  db: Database,
  input: TrainInput,
  progress: (fraction: number) => void = () => {},
): Promise<TrainTaskResult> {
  return fitModel(input, await loadFeatures(db, input, progress), progress);
}

interface Loaded {
  features: number[][];
  readingsUsed: number;
  skipped: number;
  loadMs: number;
}

async function loadFeatures(
  db: Database,
  input: TrainInput,
  progress: (fraction: number) => void,
): Promise<Loaded> {
  const t0 = performance.now();
  const features: number[][] = [];
  let readingsUsed = 0;
  let skipped = 0;
  const total = input.ranges.reduce((a, [s, e]) => a + (e - s), 0) || 1;
  let done = 0;
  const w = input.geometry.windowSeconds * 1000;
  // A day at a time, so memory stays flat whatever the baseline's length; each chunk also reads the
  // window length before it, so the windows that straddle chunks are built whole.
  for (const [s, e] of input.ranges) {
    for (let from = s; from < e; from += DAY_MS) {
      const to = Math.min(e, from + DAY_MS);
      const rows = await db
        .selectFrom('raw_readings')
        .select(['ts', 'value'])
        .where('instrument_id', '=', input.instrumentId)
        .where('quality', '=', 'good')
        .where('ts', '>=', Math.max(s, from - w))
        .where('ts', '<', to)
        .orderBy('ts')
        .execute();
      const points = rows.map((r) => ({ ts: Number(r.ts), value: r.value }));
      readingsUsed += points.filter((p) => p.ts >= from).length;
      const all = featureWindows(points, input.geometry, 1, input.scale, s, to);
      for (const win of all) {
        if (win.end <= from) continue; // the previous chunk had it
        if (win.points < input.minPoints) skipped++;
        else features.push(win.features);
      }
      done += to - from;
      progress(0.6 * (done / total));
    }
  }
  return { features, readingsUsed, skipped, loadMs: performance.now() - t0 };
}

function fitModel(
  input: TrainInput,
  { features, readingsUsed, skipped, loadMs }: Loaded,
  progress: (fraction: number) => void,
): TrainTaskResult {
  if (features.length < input.minWindows) {
    throw new Error(
      `${input.tag}: only ${features.length} usable ${input.geometry.windowSeconds} s windows in the reference baselines; training needs at least ${input.minWindows}`,
    );
  }
  const t1 = performance.now();
  const model = trainIsolationForest(features, {
    contamination: input.contamination,
    trees: input.trees,
    seed: input.seed,
  });
  const trainMs = performance.now() - t1;
  progress(0.9);
  const scores = scoreMany(model, features);
  mkdirSync(path.dirname(input.outFile), { recursive: true });
  const tmp = `${input.outFile}.partial`;
  writeFileSync(
    tmp,
    JSON.stringify({
      format: MODEL_FILE_FORMAT,
      instrument_id: input.instrumentId,
      tag: input.tag,
      feature_set_version: FEATURE_SET_VERSION,
      window_seconds: input.geometry.windowSeconds,
      stride_seconds: input.geometry.strideSeconds,
      score_p50: quantile(scores, 0.5),
      min_points: input.minPoints,
      trained_on: input.ranges.map(([s, e]) => ({
        start: new Date(s).toISOString(),
        end: new Date(e).toISOString(),
      })),
      model,
    }),
  );
  // A reader never sees a half-written model.
  renameSync(tmp, input.outFile);
  progress(0.95);
  const named = (xs: number[]) => Object.fromEntries(model.featureNames.map((n, i) => [n, xs[i]]));
  return {
    windowsUsed: features.length,
    windowsSkipped: skipped,
    readingsUsed,
    threshold: model.threshold,
    featureSetVersion: FEATURE_SET_VERSION,
    loadMs,
    trainMs,
    trainingScores: {
      min: quantile(scores, 0),
      p50: quantile(scores, 0.5),
      p95: quantile(scores, 0.95),
      max: quantile(scores, 1),
    },
    featureMeans: named(model.featureMeans),
    featureStds: named(model.featureStds),
  };
}
