import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DB } from '../db/schema.ts';
import { baselineFromReadings } from '../detection/cusum.ts';
import { storeReferenceBaseline } from '../instruments/reference-baseline.ts';
import type { AfterCommit } from '../notifications/after-commit.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';
import { windowAggregates } from './reading-windows.ts';
import { alignToWindows, minPointsPerWindow } from './windows.ts';

/**
 * Fewest CUSUM windows (CUSUM_WINDOW_MINUTES means) the reference baselines must cover before they
 * replace the CUSUM's own warm-up: sigma from n means has a relative error of ~1/sqrt(2(n-1)), and an
 * underestimated sigma shortens the in-control run length sharply (8 windows = 2 days at 6 h).
 */
export const MIN_CUSUM_REFERENCE_WINDOWS = 8;

export interface WindowSettings {
  /** AGGREGATION_WINDOW_SECONDS: the feature windows. */
  featureWindowSeconds: number;
  /** CUSUM_WINDOW_MINUTES x 60: the means the CUSUM consumes. */
  cusumWindowSeconds: number;
}

type BaselineRow = {
  id: number;
  instrument_id: number;
  tag: string;
  start_at: string;
  end_at: string;
  created_by: number | null;
  created_by_name: string | null;
  created_at: string;
};

function toPublic(r: BaselineRow) {
  return {
    id: r.id,
    instrument_id: r.instrument_id,
    tag: r.tag,
    start: r.start_at,
    end: r.end_at,
    created_by: r.created_by,
    created_by_name: r.created_by_name,
    created_at: r.created_at,
  };
}
export type PublicBaseline = ReturnType<typeof toPublic>;

const selectBaselines = (db: Kysely<DB>) =>
  db
    .selectFrom('ml_baselines')
    .innerJoin('instruments', 'instruments.id', 'ml_baselines.instrument_id')
    .leftJoin('users', 'users.id', 'ml_baselines.created_by')
    .select([
      'ml_baselines.id',
      'ml_baselines.instrument_id',
      'instruments.tag',
      'ml_baselines.start_at',
      'ml_baselines.end_at',
      'ml_baselines.created_by',
      'users.full_name as created_by_name',
      'ml_baselines.created_at',
    ])
    .where('ml_baselines.deleted_at', 'is', null);

export interface MonitoredTarget {
  id: number;
  tag: string;
  range_min: number;
  range_max: number;
  nominal_value: number | null;
  publish_interval_seconds: number;
  baseline_mean: number | null;
  baseline_std: number | null;
}

/** A live instrument by tag, with what windows and features need. */
export async function instrumentByTag(db: Kysely<DB>, tag: string): Promise<MonitoredTarget> {
  const row = await db
    .selectFrom('instruments')
    .select([
      'id',
      'tag',
      'range_min',
      'range_max',
      'nominal_value',
      'publish_interval_seconds',
      'baseline_mean',
      'baseline_std',
    ])
    .where('tag', '=', tag)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('instrument', tag);
  return row;
}

/** The live baselines of an instrument, oldest first. */
export async function baselinesOf(db: Kysely<DB>, instrumentId: number): Promise<PublicBaseline[]> {
  const rows = await selectBaselines(db)
    .where('ml_baselines.instrument_id', '=', instrumentId)
    .orderBy('ml_baselines.start_at')
    .execute();
  return rows.map(toPublic);
}

/** Baseline ranges shrunk to whole windows of the given length (epoch ms, half-open). */
export function alignedRanges(
  baselines: readonly Pick<PublicBaseline, 'start' | 'end'>[],
  windowSeconds: number,
) {
  const out: [number, number][] = [];
  for (const b of baselines) {
    const r = alignToWindows(Date.parse(b.start), Date.parse(b.end), windowSeconds);
    if (r) out.push(r);
  }
  return out;
}

/** Feature windows inside the ranges with enough good readings to be trained on. */
export async function countTrainingWindows(
  db: Kysely<DB>,
  target: MonitoredTarget,
  ranges: readonly [number, number][],
  windowSeconds: number,
): Promise<{ windows: number; readings: number }> {
  const min = minPointsPerWindow(windowSeconds, target.publish_interval_seconds);
  const agg = await windowAggregates(db, target.id, ranges, windowSeconds);
  let windows = 0;
  let readings = 0;
  for (const w of agg) {
    readings += w.n;
    if (w.n >= min) windows++;
  }
  return { windows, readings };
}

export interface BaselineInput {
  tag: string;
  start: string;
  end: string;
}

/**
 * Marks a time range of an instrument's data as clean. Refreshes the instrument's CUSUM reference
 * (baseline_mean / baseline_std) from all its baselines in the same transaction, and emits
 * 'instrument.changed' after commit so the live CUSUM adopts it.
 */
export async function createBaseline(
  db: Kysely<DB>,
  actorId: number,
  input: BaselineInput,
  now: Date,
  windows: WindowSettings,
  after: AfterCommit,
) {
  const start = Date.parse(input.start);
  const end = Date.parse(input.end);
  if (!(end > start)) throw new ValidationError('end', 'end must be after start');
  if (end > now.getTime()) {
    throw new ValidationError('end', 'end is in the future: a baseline marks data already recorded as clean');
  }
  if (!alignToWindows(start, end, windows.featureWindowSeconds)) {
    throw new ValidationError(
      'end',
      `the range must contain at least one whole ${windows.featureWindowSeconds} s window (AGGREGATION_WINDOW_SECONDS)`,
    );
  }
  const at = now.toISOString();
  const target = await instrumentByTag(db, input.tag.trim());
  const result = await db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('ml_baselines')
      .values({
        instrument_id: target.id,
        start_at: new Date(start).toISOString(),
        end_at: new Date(end).toISOString(),
        created_by: actorId,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const row = await selectBaselines(trx).where('ml_baselines.id', '=', id).executeTakeFirstOrThrow();
    const baseline = toPublic(row);
    await recordAudit(trx, {
      userId: actorId,
      action: 'create',
      entityType: 'ml_baseline',
      entityId: id,
      newValue: baseline,
      at,
    });
    const reference = await refreshCusumReference(trx, actorId, target, windows.cusumWindowSeconds, at);
    return { baseline, reference };
  });
  after.emit('instrument.changed', target.id);
  const counts = await countTrainingWindows(
    db,
    target,
    alignedRanges([result.baseline], windows.featureWindowSeconds),
    windows.featureWindowSeconds,
  );
  return { ...result.baseline, ...counts, cusum_reference: result.reference };
}

export async function listBaselines(db: Kysely<DB>, q: { tag?: string; limit: number; offset: number }) {
  let query = selectBaselines(db);
  if (q.tag) query = query.where('instruments.tag', '=', q.tag);
  const { n } = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await query
    .orderBy('ml_baselines.start_at', 'desc')
    .orderBy('ml_baselines.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return { items: rows.map(toPublic), total: Number(n), limit: q.limit, offset: q.offset };
}

/** Soft delete: the record stays for the audit trail; models trained on it keep their metrics. */
export async function deleteBaseline(
  db: Kysely<DB>,
  actorId: number,
  id: number,
  now: Date,
  windows: WindowSettings,
  after: AfterCommit,
): Promise<void> {
  const at = now.toISOString();
  const instrumentId = await db.transaction().execute(async (trx) => {
    const row = await selectBaselines(trx).where('ml_baselines.id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('ml_baseline', id);
    await trx
      .updateTable('ml_baselines')
      .set({ deleted_at: at, updated_at: at })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      userId: actorId,
      action: 'delete',
      entityType: 'ml_baseline',
      entityId: id,
      oldValue: toPublic(row),
      newValue: { deleted_at: at },
      at,
    });
    const target = await trx
      .selectFrom('instruments')
      .select([
        'id',
        'tag',
        'range_min',
        'range_max',
        'nominal_value',
        'publish_interval_seconds',
        'baseline_mean',
        'baseline_std',
      ])
      .where('id', '=', row.instrument_id)
      .executeTakeFirstOrThrow();
    await refreshCusumReference(trx, actorId, target, windows.cusumWindowSeconds, at);
    return row.instrument_id;
  });
  after.emit('instrument.changed', instrumentId);
}

/**
 * The CUSUM reference of an instrument from its baselines: mean and standard deviation of the
 * CUSUM-window means of good readings inside them (baselineFromReadings, the same statistic the
 * CUSUM's own warm-up learns), or null (the CUSUM warms up) below MIN_CUSUM_REFERENCE_WINDOWS.
 * Writes the instrument's baseline_mean / baseline_std when they change, audited.
 */
export async function refreshCusumReference(
  trx: Kysely<DB>,
  actorId: number | null,
  target: MonitoredTarget,
  cusumWindowSeconds: number,
  at: string,
): Promise<{ mean: number; sigma: number; windows: number } | null> {
  const baselines = await baselinesOf(trx, target.id);
  const agg = await windowAggregates(
    trx,
    target.id,
    alignedRanges(baselines, cusumWindowSeconds),
    cusumWindowSeconds,
  );
  // The CUSUM skips windows with under half the readings the publish interval promises; so do we.
  const min = Math.max(
    1,
    Math.floor((0.5 * cusumWindowSeconds) / Math.max(target.publish_interval_seconds, 1e-9)),
  );
  const w = cusumWindowSeconds * 1000;
  const means = agg.filter((a) => a.n >= min).map((a) => ({ ts: a.bucket * w, value: a.avg }));
  const reference =
    means.length >= MIN_CUSUM_REFERENCE_WINDOWS ? baselineFromReadings(means, cusumWindowSeconds, 1) : null;
  const mean = reference?.mean ?? null;
  const sigma = reference?.sigma ?? null;
  if (mean !== target.baseline_mean || sigma !== target.baseline_std)
    await storeReferenceBaseline(trx, actorId, target, { mean, sigma }, at);
  return reference;
}
