// Training: the request (checked at once, so a hopeless one is a 400, not a failed job) and the
// 'ml.train' job that trains in a worker thread and records the new active version.
import path from 'node:path';
import { inServiceRanges } from '../alerts/out-of-service.ts';
import type { Config } from '../config.ts';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/database.ts';
import { type PublicJob, runInWorker } from '../jobs/index.ts';
import type { JobInfo, JobTools } from '../jobs/job-runner.ts';
import { withAfterCommit } from '../notifications/after-commit.ts';
import { AppError, ConflictError } from '../shared/errors.ts';
import { baselinesOf, instrumentByTag, type MonitoredTarget } from './baseline-service.ts';
import { type NewModelVersion, registerModelVersion } from './model-service.ts';
import { windowAggregates } from './reading-windows.ts';
import type { TrainTaskInput, TrainTaskResult } from './training-task.ts';
import { minPointsPerWindow, type WindowGeometry, windowGeometry } from './windows.ts';

export const TRAIN_JOB = 'ml.train';
/** Seed of every forest: the same baseline gives the same model, bit for bit. */
export const TRAINING_SEED = 42;
const TASK = new URL('./training-task.ts', import.meta.url);

/**
 * Checks that the instrument has reference baselines holding at least ML_MIN_TRAINING_SECONDS of
 * good readings (readings x publish interval: the minimum is data, not a count of windows) and at
 * least ML_MIN_TRAINING_WINDOWS sliding windows (400 otherwise, naming what is missing), that no
 * training of it is already queued or running (409), and queues the job.
 */
export async function requestTraining(ctx: AppContext, tag: string, actorId: number): Promise<PublicJob> {
  const { db, config } = ctx;
  const target = await instrumentByTag(db, tag.trim());
  const baselines = await baselinesOf(db, target.id);
  const geometry = geometryOf(config, target.publish_interval_seconds);
  const minWindows = config.ml.minTrainingWindows;
  const minSeconds = config.ml.minTrainingSeconds;
  if (baselines.length === 0) {
    throw new AppError(
      'ml_no_baseline',
      `${target.tag} has no reference baseline: mark a clean time range with POST /api/ml/baselines first`,
      400,
      { tag: target.tag, windows: 0, required_windows: minWindows, required_seconds: minSeconds },
    );
  }
  const perWindow = minPointsPerWindow(geometry.windowSeconds, target.publish_interval_seconds);
  const { windows, readings } = await countSlidingWindows(
    db,
    target.id,
    await inServiceRanges(db, target.id, baselineRanges(baselines)),
    geometry,
    perWindow,
  );
  const seconds = readings * target.publish_interval_seconds;
  if (seconds < minSeconds || windows < minWindows) {
    throw new AppError(
      'ml_too_few_windows',
      `${target.tag}: the reference baselines hold ${readings} good readings (${Math.round(seconds)} s of data) ` +
        `and ${windows} usable ${geometry.windowSeconds} s windows (stride ${geometry.strideSeconds} s, each needs ` +
        `at least ${perWindow} good readings); training needs at least ${minSeconds} s of data and ${minWindows} windows. ` +
        'Mark a longer clean range with POST /api/ml/baselines.',
      400,
      {
        tag: target.tag,
        windows,
        readings,
        seconds: Math.round(seconds),
        required_windows: minWindows,
        required_seconds: minSeconds,
        min_readings_per_window: perWindow,
        window_seconds: geometry.windowSeconds,
        stride_seconds: geometry.strideSeconds,
      },
    );
  }
  const pending = await db
    .selectFrom('background_jobs')
    .select(['id', 'params'])
    .where('job_type', '=', TRAIN_JOB)
    .where('status', 'in', ['queued', 'running'])
    .execute();
  const busy = pending.find((j) => {
    const p = j.params ? (JSON.parse(j.params) as { instrument_id?: number }) : {};
    return p.instrument_id === target.id;
  });
  if (busy) {
    throw new ConflictError(
      'ml_training_in_progress',
      `${target.tag} is already being trained (job ${busy.id})`,
      {
        job_id: busy.id,
      },
    );
  }
  return ctx.jobs.enqueue({
    type: TRAIN_JOB,
    params: { instrument_id: target.id, tag: target.tag, windows },
    createdBy: actorId,
  });
}

/** The 'ml.train' job handler; registered once at start. */
export function registerTrainingJob(ctx: AppContext): void {
  ctx.jobs.register(TRAIN_JOB, (job, tools) => trainJob(ctx, job, tools));
}

async function trainJob(ctx: AppContext, job: JobInfo, tools: JobTools) {
  const { db, config } = ctx;
  const instrumentId = Number(job.params.instrument_id);
  const row = await db
    .selectFrom('instruments')
    .select('tag')
    .where('id', '=', instrumentId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new Error(`instrument ${instrumentId} no longer exists`);
  const target = await instrumentByTag(db, row.tag);
  const staged = path.join(config.dataDir, 'models', target.tag, `.job-${job.id}.json`);
  const input = await trainingInput(db, config, target, staged);
  tools.log.info({ tag: target.tag, ranges: input.ranges.length }, 'training Isolation Forest');
  const out = await runInWorker<TrainTaskResult>(TASK, 'trainModelTask', input, {
    onProgress: tools.progress,
    signal: tools.signal,
  });
  const newVersion = modelVersionOf(target, input, out, {
    trainedBy: job.createdBy,
    trainedAt: ctx.clock.now().toISOString(),
    jobId: job.id,
  });
  const version = await withAfterCommit(ctx, (after) =>
    registerModelVersion(db, config.dataDir, newVersion, after),
  );
  return {
    summary: {
      tag: target.tag,
      instrument_id: target.id,
      version: version.version,
      windows_used: version.windows_used,
      threshold: version.threshold,
      train_ms: Math.round(out.trainMs),
    },
  };
}

type TrainingConfig = Pick<Config, 'database' | 'aggregationWindowSeconds' | 'ml' | 'anomaly'>;

/** What a training of `target` reads and writes: its in-service baseline ranges, under the current settings. */
export async function trainingInput(
  db: Database,
  config: TrainingConfig,
  target: MonitoredTarget,
  outFile: string,
): Promise<TrainTaskInput> {
  const geometry = geometryOf(config, target.publish_interval_seconds);
  return {
    database: config.database,
    instrumentId: target.id,
    tag: target.tag,
    // Out-of-service periods (alarm management, src/alerts/out-of-service.ts) are not training data.
    ranges: await inServiceRanges(db, target.id, baselineRanges(await baselinesOf(db, target.id))),
    geometry,
    minPoints: minPointsPerWindow(geometry.windowSeconds, target.publish_interval_seconds),
    minWindows: config.ml.minTrainingWindows,
    scale: { rangeMin: target.range_min, rangeMax: target.range_max, nominalValue: target.nominal_value },
    contamination: config.anomaly.contamination,
    trees: config.ml.trees,
    seed: TRAINING_SEED,
    outFile,
  };
}

/** The version a finished training records (registerModelVersion), with its figures. */
export function modelVersionOf(
  target: MonitoredTarget,
  input: TrainTaskInput,
  out: TrainTaskResult,
  by: { trainedBy: number | null; trainedAt: string; jobId: number | null },
): NewModelVersion {
  const metrics = {
    job_id: by.jobId,
    readings_used: out.readingsUsed,
    windows_skipped: out.windowsSkipped,
    window_seconds: input.geometry.windowSeconds,
    stride_seconds: input.geometry.strideSeconds,
    min_points_per_window: input.minPoints,
    trees: input.trees,
    sample_size: Math.min(256, out.windowsUsed),
    seed: input.seed,
    load_ms: Math.round(out.loadMs),
    train_ms: Math.round(out.trainMs),
    training_scores: out.trainingScores,
    feature_means: out.featureMeans,
    feature_stds: out.featureStds,
    baselines: input.ranges.map(([s, e]) => ({
      start: new Date(s).toISOString(),
      end: new Date(e).toISOString(),
    })),
  };
  return {
    instrumentId: target.id,
    tag: target.tag,
    trainedBy: by.trainedBy,
    trainedAt: by.trainedAt,
    windowsUsed: out.windowsUsed,
    contamination: input.contamination,
    threshold: out.threshold,
    featureSetVersion: out.featureSetVersion,
    stagedFile: input.outFile,
    metrics,
  };
}

/** The instrument's sliding-window geometry under the current settings. */
export function geometryOf(
  config: Pick<Config, 'aggregationWindowSeconds' | 'ml'>,
  publishIntervalSeconds: number,
): WindowGeometry {
  return windowGeometry(
    config.aggregationWindowSeconds,
    config.ml.windowStrideSeconds > 0 ? config.ml.windowStrideSeconds : null,
    publishIntervalSeconds,
  );
}

function baselineRanges(baselines: readonly { start: string; end: string }[]): [number, number][] {
  return baselines.map((b) => [Date.parse(b.start), Date.parse(b.end)]);
}

/**
 * Good readings in the ranges and the sliding windows they fill, from per-stride counts computed by
 * the database (no raw readings on the event loop). A window is counted when the strides it covers
 * hold minPoints readings; the worker recounts exactly from the readings.
 */
async function countSlidingWindows(
  db: Database,
  instrumentId: number,
  ranges: [number, number][],
  g: WindowGeometry,
  minPoints: number,
): Promise<{ windows: number; readings: number }> {
  const stride = g.strideSeconds * 1000;
  const per = Math.max(1, Math.floor(g.windowSeconds / g.strideSeconds));
  let windows = 0;
  let readings = 0;
  for (const [s, e] of ranges) {
    const counts = new Map<number, number>();
    for (const a of await windowAggregates(db, instrumentId, [[s, e]], g.strideSeconds)) {
      counts.set(a.bucket, a.n);
      readings += a.n;
    }
    // Window ending at boundary b covers buckets b/stride - per .. b/stride - 1, all inside [s, e].
    for (let b = Math.ceil(s / stride) + per; b * stride <= e; b++) {
      let n = 0;
      for (let k = b - per; k < b; k++) n += counts.get(k) ?? 0;
      if (n >= minPoints) windows++;
    }
  }
  return { windows, readings };
}
