// Thirty days of readings for the demo plant, so every chart has data the moment the demo starts:
// raw readings for the last RAW_DAYS (the raw retention), the hourly and daily tiers for all of it,
// the 1-minute tier for the days before the raw ones (the downsampler makes it from raw for the rest,
// as it does for any plant's readings, see the watermarks below).
// The values come from the live simulator's own signal and fault code (simulator/history.ts); the
// tiers use the bucket semantics of the reading store (bucket = floor(ts / tier) * tier; avg, min,
// max, count over good readings, fault and spike readings counted apart in bad_count).
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { analyzeTables } from '../db/analyze.ts';
import type { DB } from '../db/schema.ts';
import { classifyReading } from '../detection/signal.ts';
import type { Quality } from '../detection/types.ts';
import { AGGREGATE_TIERS, type AggregateTable, floorTo, STATE } from '../readings/tiers.ts';
import { generateHistory, type ScheduledFault } from '../simulator/history.ts';
import { loadSimInstruments } from '../simulator/runtime.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface BackfillOptions {
  /** End of the history (exclusive); default `now` rounded down to the minute. */
  toMs?: number;
  days?: number;
  /** Raw readings are written for the most recent days only (default 7, the raw retention). */
  rawDays?: number;
  /**
   * The grid, as steps from given times on (each a multiple of the next one's start, like the whole
   * minutes here); default 600 s before the raw days (it only feeds the tiers), 60 s in them.
   */
  steps?: readonly { fromMs: number; stepSeconds: number }[];
  /**
   * From `fromMs` on, the instruments tagged are kept at their own publish interval (the others stay
   * on the step): an Isolation Forest's feature windows need readings as dense as live ones.
   */
  dense?: { fromMs: number; tags: readonly string[] };
  seed?: number;
  /** Episodes that make the history look like a real plant's (demo-story.ts demoEpisodes). */
  faults?: (instruments: readonly { tag: string }[], fromMs: number, toMs: number) => ScheduledFault[];
}

export interface HistoryReading {
  instrumentId: number;
  ts: number;
  value: number;
  quality: Quality;
}

export interface BackfillResult {
  readings: number;
  instruments: number;
  from: string;
  to: string;
  /**
   * The raw readings again, in event-time order, for the replay through the detectors: kept from the
   * one pass that wrote them (the coarse part before them is too sparse for the stuck detector).
   */
  replay: Iterable<HistoryReading>;
}

interface Agg {
  sum: number;
  min: number;
  max: number;
  count: number;
  bad: number;
}

const QUALITIES: readonly Quality[] = ['good', 'fault', 'spike'];

/** Writes the history of every simulated instrument in one transaction. */
export async function backfillHistory(
  db: Kysely<DB>,
  now: Date,
  opts: BackfillOptions = {},
): Promise<BackfillResult> {
  const days = opts.days ?? 30;
  const toMs = opts.toMs ?? floorTo(now.getTime(), MINUTE);
  const fromMs = toMs - days * DAY;
  const rawFrom = Math.max(fromMs, toMs - (opts.rawDays ?? 7) * DAY);
  const steps = [
    ...(opts.steps ?? [
      { fromMs, stepSeconds: 600 },
      { fromMs: rawFrom, stepSeconds: 60 },
    ]),
  ].sort((a, b) => a.fromMs - b.fromMs);
  const instruments = await loadSimInstruments(db);
  const settings = new Map(
    (
      await db
        .selectFrom('instruments')
        .select(['id', 'range_min', 'range_max', 'signal_low_ma', 'signal_high_ma', 'max_rate_per_second'])
        .execute()
    ).map((r) => [r.id, r]),
  );
  const faults = opts.faults?.(instruments, fromMs, toMs) ?? [];
  const seed = opts.seed ?? 2026;
  const denseFrom = Math.max(fromMs, Math.min(toMs, opts.dense?.fromMs ?? toMs));
  const grid = [...steps.filter((s) => s.fromMs < denseFrom), { fromMs: denseFrom, stepSeconds: 0 }];
  function* history() {
    for (let k = 0; k + 1 < grid.length; k++) {
      const from = Math.max(fromMs, grid[k].fromMs);
      if (grid[k + 1].fromMs > from)
        yield* generateHistory(instruments, from, grid[k + 1].fromMs, grid[k].stepSeconds, seed, { faults });
    }
    if (denseFrom >= toMs) return;
    // In the dense tail every instrument is evaluated on a grid its publish interval and the step
    // both divide (a unit's members share one process: they must see the same instants); each keeps
    // its own readings.
    const stepMs = (grid.at(-2)?.stepSeconds ?? 60) * 1000;
    const keepEvery = new Map(
      instruments.map((i) => [
        i.id,
        opts.dense?.tags.includes(i.tag) ? Math.round(i.publishIntervalSeconds * 1000) : stepMs,
      ]),
    );
    const denseStep = [...keepEvery.values()].reduce(gcd, stepMs);
    for (const r of generateHistory(instruments, denseFrom, toMs, denseStep / 1000, seed, { faults })) {
      if ((r.ts - denseFrom) % (keepEvery.get(r.instrumentId) ?? stepMs) === 0) yield r;
    }
  }
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const batchSize = 20_000;
  const kept = { id: [] as number[], ts: [] as number[], value: [] as number[], q: [] as number[] };

  let readings = 0;
  await db.transaction().execute(async (trx) => {
    // The 1-minute tier before the raw days; hours and days throughout.
    const tiers = AGGREGATE_TIERS.map(() => new Map<number, Map<number, Agg>>());
    const lastGood = new Map<number, { ts: number; value: number }>();
    let batch: HistoryReading[] = [];
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
      const raw = r.ts >= rawFrom;
      if (raw) {
        batch.push({ instrumentId: r.instrumentId, ts: r.ts, value: r.value, quality });
        kept.id.push(r.instrumentId);
        kept.ts.push(r.ts);
        kept.value.push(r.value);
        kept.q.push(QUALITIES.indexOf(quality));
      }
      for (const [k, tier] of AGGREGATE_TIERS.entries()) {
        if (raw && tier.name === '1m') continue;
        let byBucket = tiers[k].get(r.instrumentId);
        if (!byBucket) {
          byBucket = new Map();
          tiers[k].set(r.instrumentId, byBucket);
        }
        const bucket = floorTo(r.ts, tier.bucketMs);
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

    for (const [k, tier] of AGGREGATE_TIERS.entries()) {
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
    // Where each tier holds complete buckets (the downsampler's watermarks): minutes up to the raw
    // days, which it aggregates from raw on its first pass (trend charts read raw past a watermark,
    // so they are whole meanwhile); hours and days up to the last whole one of the history.
    const at = new Date(toMs).toISOString();
    const marks = { '1m': rawFrom, '1h': floorTo(toMs, 60 * MINUTE), '1d': floorTo(toMs, DAY) };
    await trx
      .insertInto('system_state')
      .values(
        AGGREGATE_TIERS.map((t) => ({
          key: STATE.watermark(t.name),
          value: String(marks[t.name]),
          updated_at: at,
        })),
      )
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  });
  // Days of history in one go: statistics now, not when autovacuum next looks (db/analyze.ts).
  await analyzeTables(db, ['raw_readings', ...AGGREGATE_TIERS.map((t) => t.table)]);
  return {
    readings,
    instruments: instruments.length,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    replay: {
      *[Symbol.iterator]() {
        for (let i = 0; i < kept.id.length; i++) {
          yield {
            instrumentId: kept.id[i],
            ts: kept.ts[i],
            value: kept.value[i],
            quality: QUALITIES[kept.q[i]],
          };
        }
      },
    },
  };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

interface TierRow {
  instrument_id: number;
  bucket: number;
  avg: number;
  min: number;
  max: number;
  count: number;
  bad_count: number;
}

// Bulk inserts as one statement per batch with the rows as parameters (PostgreSQL: four arrays,
// unnest; SQLite: one JSON text, json_each): far fewer bytes, statements and query compilations
// than VALUES lists of thousands of parameters.

async function insertRaw(trx: Kysely<DB>, rows: HistoryReading[], pg: boolean): Promise<number> {
  if (rows.length === 0) return 0;
  if (pg) {
    await sql`insert into raw_readings (instrument_id, ts, value, quality)
      select * from unnest(${rows.map((r) => r.instrumentId)}::integer[], ${rows.map((r) => r.ts)}::bigint[],
        ${rows.map((r) => r.value)}::double precision[], ${rows.map((r) => r.quality)}::text[])
      on conflict do nothing`.execute(trx);
  } else {
    const json = JSON.stringify(rows.map((r) => [r.instrumentId, r.ts, r.value, r.quality]));
    // "where true": SQLite's parser needs it before ON CONFLICT in an INSERT ... SELECT.
    await sql`insert into raw_readings (instrument_id, ts, value, quality)
      select value ->> 0, value ->> 1, value ->> 2, value ->> 3 from json_each(${json}) where true
      on conflict do nothing`.execute(trx);
  }
  return rows.length;
}

async function insertTier(trx: Kysely<DB>, table: AggregateTable, rows: TierRow[], pg: boolean) {
  if (rows.length === 0) return;
  if (pg) {
    await sql`insert into ${sql.table(table)} (instrument_id, bucket, avg, min, max, count, bad_count)
      select * from unnest(${rows.map((r) => r.instrument_id)}::integer[], ${rows.map((r) => r.bucket)}::bigint[],
        ${rows.map((r) => r.avg)}::double precision[], ${rows.map((r) => r.min)}::double precision[],
        ${rows.map((r) => r.max)}::double precision[], ${rows.map((r) => r.count)}::integer[],
        ${rows.map((r) => r.bad_count)}::integer[])
      on conflict do nothing`.execute(trx);
  } else {
    const json = JSON.stringify(
      rows.map((r) => [r.instrument_id, r.bucket, r.avg, r.min, r.max, r.count, r.bad_count]),
    );
    await sql`insert into ${sql.table(table)} (instrument_id, bucket, avg, min, max, count, bad_count)
      select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6
      from json_each(${json}) where true on conflict do nothing`.execute(trx);
  }
}
