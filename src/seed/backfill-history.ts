// Seven days of readings for the demo plant, so every chart has data the moment the demo starts.
// The values come from the live simulator's own signal and fault code (simulator/history.ts) on a
// 60 s grid; the downsampled tiers are filled from the same readings with the bucket semantics
// of the reading store (bucket = floor(ts / tier) * tier; avg, min, max, count over good readings,
// fault and spike readings counted apart in bad_count).
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { classifyReading } from '../detection/signal.ts';
import type { Quality } from '../detection/types.ts';
import { generateHistory, type ScheduledFault } from '../simulator/history.ts';
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
 * A frozen transmitter for three hours four days ago and a two-hour dropout two days ago, on
 * instruments that exist in the demo plant, and the drift of demoDrift() that the live simulator
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
  const drift = demoDrift(toMs);
  if (has(drift.tag) && drift.startMs > fromMs) out.push(drift);
  return out;
}

/** Writes the history of every simulated instrument in one transaction. */
export async function backfillHistory(
  db: Kysely<DB>,
  now: Date,
  opts: BackfillOptions = {},
): Promise<BackfillResult> {
  const days = opts.days ?? 7;
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
  function* history() {
    yield* generateHistory(instruments, fromMs, denseFrom, stepSeconds, seed, { faults });
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
      batch.push({ instrument_id: r.instrumentId, ts: r.ts, value: r.value, quality });
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
