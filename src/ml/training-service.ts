// Training: the request (checked at once, so a hopeless one is a 400, not a failed job) and the
// 'ml.train' job that trains in a worker thread and records the new active version.
import path from 'node:path';
import type { AppContext } from '../context.ts';
import { type PublicJob, runInWorker } from '../jobs/index.ts';
import type { JobInfo, JobTools } from '../jobs/job-runner.ts';
import { AppError, ConflictError } from '../shared/errors.ts';
import { alignedRanges, baselinesOf, countTrainingWindows, instrumentByTag } from './baseline-service.ts';
import { registerModelVersion } from './model-service.ts';
import type { TrainTaskInput, TrainTaskResult } from './training-task.ts';
import { minPointsPerWindow } from './windows.ts';

export const TRAIN_JOB = 'ml.train';
/** Seed of every forest: the same baseline gives the same model, bit for bit. */
export const TRAINING_SEED = 42;
const TASK = new URL('./training-task.ts', import.meta.url);

/**
 * Checks that the instrument has reference baselines with at least ML_MIN_TRAINING_WINDOWS usable
 * windows (400 otherwise, naming what is missing), that no training of it is already queued or
 * running (409), and queues the job.
 */
export async function requestTraining(ctx: AppContext, tag: string, actorId: number): Promise<PublicJob> {
  const { db, config } = ctx;
  const target = await instrumentByTag(db, tag.trim());
  const baselines = await baselinesOf(db, target.id);
  const windowSeconds = config.aggregationWindowSeconds;
  const minWindows = config.ml.minTrainingWindows;
  if (baselines.length === 0) {
    throw new AppError(
      'ml_no_baseline',
      `${target.tag} has no reference baseline: mark a clean time range with POST /api/ml/baselines first`,
      400,
      { tag: target.tag, windows: 0, required_windows: minWindows },
    );
  }
  const { windows, readings } = await countTrainingWindows(
    db,
    target,
    alignedRanges(baselines, windowSeconds),
    windowSeconds,
  );
  if (windows < minWindows) {
    const perWindow = minPointsPerWindow(windowSeconds, target.publish_interval_seconds);
    throw new AppError(
      'ml_too_few_windows',
      `${target.tag}: the reference baselines hold ${windows} usable ${windowSeconds} s windows ` +
        `(each needs at least ${perWindow} good readings); training needs at least ${minWindows}. ` +
        'Mark a longer clean range with POST /api/ml/baselines.',
      400,
      {
        tag: target.tag,
        windows,
        readings,
        required_windows: minWindows,
        min_readings_per_window: perWindow,
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
  const windowSeconds = config.aggregationWindowSeconds;
  const staged = path.join(config.dataDir, 'models', target.tag, `.job-${job.id}.json`);
  const input: TrainTaskInput = {
    database: config.database,
    instrumentId: target.id,
    tag: target.tag,
    ranges: alignedRanges(await baselinesOf(db, target.id), windowSeconds),
    windowSeconds,
    minPoints: minPointsPerWindow(windowSeconds, target.publish_interval_seconds),
    minWindows: config.ml.minTrainingWindows,
    scale: { rangeMin: target.range_min, rangeMax: target.range_max, nominalValue: target.nominal_value },
    contamination: config.anomaly.contamination,
    trees: config.ml.trees,
    seed: TRAINING_SEED,
    outFile: staged,
  };
  tools.log.info({ tag: target.tag, ranges: input.ranges.length }, 'training Isolation Forest');
  const out = await runInWorker<TrainTaskResult>(TASK, 'trainModelTask', input, {
    onProgress: tools.progress,
    signal: tools.signal,
  });
  const version = await registerModelVersion(db, config.dataDir, {
    instrumentId: target.id,
    tag: target.tag,
    trainedBy: job.createdBy,
    trainedAt: ctx.clock.now().toISOString(),
    windowsUsed: out.windowsUsed,
    contamination: input.contamination,
    threshold: out.threshold,
    featureSetVersion: out.featureSetVersion,
    stagedFile: staged,
    metrics: {
      job_id: job.id,
      readings_used: out.readingsUsed,
      windows_skipped: out.windowsSkipped,
      window_seconds: windowSeconds,
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
    },
  });
  ctx.events.emit('model.activated', target.id);
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
