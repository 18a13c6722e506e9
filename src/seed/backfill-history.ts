// Thirty days of readings for the demo plant, so every chart has data the moment the demo starts:
// raw readings for the last RAW_DAYS (the raw tier's retention), the downsampled tiers for all of it.
// The values come from the live simulator's own signal and fault code (simulator/history.ts) on a
// 60 s grid; the downsampled tiers are filled from the same readings with the bucket semantics
// of the reading store (bucket = floor(ts / tier) * tier; avg, min, max, count over good readings,
// fault and spike readings counted apart in bad_count).
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { classifyReading } from '../detection/signal.ts';
import type { Quality } from '../detection/types.ts';
import { generateHistory, type HistoryReading, type ScheduledFault } from '../simulator/history.ts';
import { loadSimInstruments } from '../simulator/runtime.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const TIERS = [
  { table: 'readings_1m', ms: MINUTE },
  { table: 'readings_1h', ms: HOUR },
  { table: 'readings_1d', ms: DAY },
] as const;

export interface BackfillOptions {
  days?: number;
  /** Raw readings are written for the most recent days only (default 7, the raw retention). */
  rawDays?: number;
  /** Step of the history before the raw days (default 600 s): it only feeds the downsampled tiers. */
  coarseStepSeconds?: number;
  stepSeconds?: number;
  /**
   * The most recent hours are written at this finer step (default 3 h at 2 s), so feature windows
   * are full and an admin can mark a baseline and train a model on the demo at once.
   */
  denseHours?: number;
  denseStepSeconds?: number;
  seed?: number;
  /** Episodes that make the history look like a real plant's; default: a few, see demoEpisodes. */
  faults?: (instruments: readonly { tag: string }[], fromMs: number, toMs: number) => ScheduledFault[];
}

export interface BackfillResult {
  readings: number;
  instruments: number;
  from: string;
  to: string;
  /** Start of the fine-grained tail. */
  denseFrom: string;
  /**
   * The readings of the raw days again, in the same order (the generator is deterministic): for
   * replays through the detectors. The coarse part before them is too sparse for the stuck detector.
   */
  replay: () => Generator<HistoryReading, void, undefined>;
}

interface Agg {
  sum: number;
  min: number;
  max: number;
  count: number;
  bad: number;
}

/**
 * The demo's drifting transmitter: PT-202 (feedwater pump discharge) drifts 4 % of span a day from
 * 40 h before the seed (about 2 bar by then). It runs up to "now" and on: the seed schedules it for
 * the live simulator (system_state 'simulator.scheduled_faults') with the same start, so the live
 * readings continue the history without a jump, and the Boiler House model group, trained on the
 * days before, flags it against its twins at its first complete 10-minute window of live data.
 */
export function demoDrift(toMs: number): ScheduledFault {
  return { tag: 'PT-202', spec: { kind: 'drift', ratePctPerDay: 4 }, startMs: toMs - 40 * 3_600_000 };
}

/**
 * The drifts the live simulator continues: PT-202 (caught by its model group) and PT-401, the tank
 * farm's header pressure, drifting 3 % of span a day from four days before the seed: its own CUSUM
 * finds it in the history, with the drift rate the calibration interval prediction uses.
 */
export function demoDrifts(toMs: number): ScheduledFault[] {
  return [
    demoDrift(toMs),
    { tag: 'PT-401', spec: { kind: 'drift', ratePctPerDay: 3 }, startMs: toMs - 4 * DAY },
  ];
}

/**
 * A frozen transmitter for three hours four days ago, a two-hour dropout two days ago and a
 * burn-out nine days ago, on instruments that exist in the demo plant, and the drift of demoDrift() that the live simulator
 * continues.
 */
export function demoEpisodes(
  instruments: readonly { tag: string }[],
  fromMs: number,
  toMs: number,
): ScheduledFault[] {
  const has = (tag: string) => instruments.some((i) => i.tag === tag);
  const out: ScheduledFault[] = [];
  if (has('TT-203') && toMs - 4 * DAY > fromMs) {
    out.push({ tag: 'TT-203', spec: { kind: 'stuck', durationSeconds: 3 * 3600 }, startMs: toMs - 4 * DAY });
  }
  if (has('FT-302') && toMs - 2 * DAY > fromMs) {
    out.push({
      tag: 'FT-302',
      spec: { kind: 'dropout', durationSeconds: 2 * 3600 },
      startMs: toMs - 2 * DAY,
    });
  }
  // A level transmitter burns out (loop current 3.5 mA) for 40 minutes six days ago.
  if (has('LT-402') && toMs - 6 * DAY > fromMs) {
    out.push({
      tag: 'LT-402',
      spec: { kind: 'out_of_range', direction: 'low', durationSeconds: 40 * 60 },
      startMs: toMs - 6 * DAY,
    });
  }
  for (const drift of demoDrifts(toMs)) if (has(drift.tag) && drift.startMs > fromMs) out.push(drift);
  return out;
}

/** Writes the history of every simulated instrument in one transaction. */
export async function backfillHistory(
  db: Kysely<DB>,
  now: Date,
  opts: BackfillOptions = {},
): Promise<BackfillResult> {
  const days = opts.days ?? 30;
  const stepSeconds = opts.stepSeconds ?? 60;
  const stepMs = stepSeconds * 1000;
  const toMs = Math.floor(now.getTime() / stepMs) * stepMs;
  const fromMs = toMs - days * DAY;
  const instruments = await loadSimInstruments(db);
  const settings = new Map(
    (
      await db
        .selectFrom('instruments')
        .select(['id', 'range_min', 'range_max', 'signal_low_ma', 'signal_high_ma', 'max_rate_per_second'])
        .execute()
    ).map((r) => [r.id, r]),
  );
  const faults = (opts.faults ?? demoEpisodes)(instruments, fromMs, toMs);
  const denseFrom = Math.max(fromMs, toMs - (opts.denseHours ?? 3) * HOUR);
  const seed = opts.seed ?? 2026;
  const rawFrom = toMs - (opts.rawDays ?? 7) * DAY;
  // Before the raw days, a reading every 10 minutes is plenty for the hourly and daily tiers.
  const coarseTo = Math.max(fromMs, Math.min(rawFrom, denseFrom));
  const coarseStep = opts.coarseStepSeconds ?? 600;
  function* history() {
    if (coarseTo > fromMs)
      yield* generateHistory(instruments, fromMs, coarseTo, coarseStep, seed, { faults });
    yield* generateHistory(instruments, coarseTo, denseFrom, stepSeconds, seed, { faults });
    yield* generateHistory(instruments, denseFrom, toMs, opts.denseStepSeconds ?? 2, seed, { faults });
  }
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const batchSize = pg ? 20_000 : 1_000;

  let readings = 0;
  await db.transaction().execute(async (trx) => {
    const tiers = TIERS.map(() => new Map<number, Map<number, Agg>>());
    const lastGood = new Map<number, { ts: number; value: number }>();
    let batch: { instrument_id: number; ts: number; value: number; quality: Quality }[] = [];
    for (const r of history()) {
      const s = settings.get(r.instrumentId);
      const quality: Quality = s
        ? classifyReading(
            {
              rangeMin: s.range_min,
              rangeMax: s.range_max,
              signalLowMa: s.signal_low_ma,
              signalHighMa: s.signal_high_ma,
              maxRatePerSecond: s.max_rate_per_second,
            },
            r.value,
            r.ts,
            lastGood.get(r.instrumentId),
          ).quality
        : 'good';
      if (quality === 'good') lastGood.set(r.instrumentId, { ts: r.ts, value: r.value });
      if (r.ts >= rawFrom) batch.push({ instrument_id: r.instrumentId, ts: r.ts, value: r.value, quality });
      for (const [k, tier] of TIERS.entries()) {
        let byBucket = tiers[k].get(r.instrumentId);
        if (!byBucket) {
          byBucket = new Map();
          tiers[k].set(r.instrumentId, byBucket);
        }
        const bucket = Math.floor(r.ts / tier.ms) * tier.ms;
        let a = byBucket.get(bucket);
        if (!a) {
          a = { sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, count: 0, bad: 0 };
          byBucket.set(bucket, a);
        }
        if (quality !== 'good') a.bad++;
        else {
          a.sum += r.value;
          if (r.value < a.min) a.min = r.value;
          if (r.value > a.max) a.max = r.value;
          a.count++;
        }
      }
      if (batch.length >= batchSize) {
        readings += await insertRaw(trx, batch, pg);
        batch = [];
      }
    }
    readings += await insertRaw(trx, batch, pg);

    for (const [k, tier] of TIERS.entries()) {
      let rows: TierRow[] = [];
      for (const [instrumentId, byBucket] of tiers[k]) {
        for (const [bucket, a] of byBucket) {
          rows.push({
            instrument_id: instrumentId,
            bucket,
            // Only bad readings: count 0 and avg/min/max 0 (meaningless), like the downsampler.
            avg: a.count > 0 ? a.sum / a.count : 0,
            min: a.count > 0 ? a.min : 0,
            max: a.count > 0 ? a.max : 0,
            count: a.count,
            bad_count: a.bad,
          });
          if (rows.length >= batchSize) {
            await insertTier(trx, tier.table, rows, pg);
            rows = [];
          }
        }
      }
      await insertTier(trx, tier.table, rows, pg);
    }
  });
  return {
    readings,
    instruments: instruments.length,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    denseFrom: new Date(denseFrom).toISOString(),
    replay: function* () {
      yield* generateHistory(instruments, coarseTo, denseFrom, stepSeconds, seed, { faults });
      yield* generateHistory(instruments, denseFrom, toMs, opts.denseStepSeconds ?? 2, seed, { faults });
    },
  };
}

interface TierRow {
  instrument_id: number;
  bucket: number;
  avg: number;
  min: number;
  max: number;
  count: number;
  bad_count: number;
}

async function insertRaw(
  trx: Kysely<DB>,
  rows: { instrument_id: number; ts: number; value: number; quality: Quality }[],
  pg: boolean,
): Promise<number> {
  if (rows.length === 0) return 0;
  if (pg) {
    // One statement with four array parameters: far fewer bytes and round trips than VALUES lists.
    await sql`insert into raw_readings (instrument_id, ts, value, quality)
      select * from unnest(${rows.map((r) => r.instrument_id)}::integer[], ${rows.map((r) => r.ts)}::bigint[],
        ${rows.map((r) => r.value)}::double precision[], ${rows.map((r) => r.quality)}::text[])
      on conflict do nothing`.execute(trx);
  } else {
    await trx
      .insertInto('raw_readings')
      .values(rows)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  return rows.length;
}

async function insertTier(
  trx: Kysely<DB>,
  table: (typeof TIERS)[number]['table'],
  rows: TierRow[],
  pg: boolean,
) {
  if (rows.length === 0) return;
  if (pg) {
    await sql`insert into ${sql.table(table)} (instrument_id, bucket, avg, min, max, count, bad_count)
      select * from unnest(${rows.map((r) => r.instrument_id)}::integer[], ${rows.map((r) => r.bucket)}::bigint[],
        ${rows.map((r) => r.avg)}::double precision[], ${rows.map((r) => r.min)}::double precision[],
        ${rows.map((r) => r.max)}::double precision[], ${rows.map((r) => r.count)}::integer[],
        ${rows.map((r) => r.bad_count)}::integer[])
      on conflict do nothing`.execute(trx);
  } else {
    await trx
      .insertInto(table)
      .values(rows)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
