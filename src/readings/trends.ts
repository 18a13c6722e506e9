// Trend queries for charts: pick the tier by span, and return at most `maxPoints` points with min
// and max per point, so a one-second spike still shows in a month-long chart.
//
// Tier by span (and by what retention still holds at `from`):
//   span <= 6 h  -> raw        (then bucketed in SQL only if there are more than maxPoints readings)
//   span <= 7 d  -> readings_1m
//   span <= 1 y  -> readings_1h
//   longer       -> readings_1d
// A tier is only as fresh as its watermark; the part of the range after it is read from the next
// finer tier (down to raw), so the last minutes of a 24-hour chart are never missing.

import { CompiledQuery } from 'kysely';
import type { Database, Dialect } from '../db/database.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';
import {
  AGGREGATE_TIERS,
  type AggregateTier,
  BAD_QUALITIES,
  BAD_QUALITIES_SQL,
  DAY_MS,
  HOUR_MS,
  RAW_RETENTION_MS,
  STATE,
  type TierName,
} from './tiers.ts';

export const DEFAULT_TREND_SPAN_MS = HOUR_MS;
export const DEFAULT_MAX_POINTS = 1000;
const MAX_SPAN_MS = 50 * 366 * DAY_MS;

const SPAN_LIMITS: { tier: TierName; maxSpanMs: number }[] = [
  { tier: 'raw', maxSpanMs: 6 * HOUR_MS },
  { tier: '1m', maxSpanMs: 7 * DAY_MS },
  { tier: '1h', maxSpanMs: 366 * DAY_MS },
  { tier: '1d', maxSpanMs: Number.POSITIVE_INFINITY },
];

export interface TrendPoint {
  /** The start of the point's bucket (the reading's own time for raw points). */
  timestamp: string;
  /** Mean, min and max of the good readings only. */
  value: number;
  min: number;
  max: number;
  /** Fault and spike readings in the bucket, left out of value/min/max. */
  bad_count: number;
}

export interface Trend {
  tag: string;
  unit: string;
  tier: TierName;
  from: string;
  to: string;
  /** Width of each point in seconds; null when the points are the raw readings themselves. */
  bucket_seconds: number | null;
  points: TrendPoint[];
  /** Fault and spike readings in the range, left out of the points. */
  bad_count: number;
  range_min: number;
  range_max: number;
  nominal_value: number | null;
  limits: {
    low_critical: number | null;
    low_warning: number | null;
    high_warning: number | null;
    high_critical: number | null;
  };
}

const retentionOf = (tier: TierName): number | null =>
  tier === 'raw' ? RAW_RETENTION_MS : (AGGREGATE_TIERS.find((t) => t.name === tier)?.retentionMs ?? null);

/** The tier for a span starting at `from`, given what retention still keeps at `now`. */
export function chooseTier(fromMs: number, toMs: number, nowMs: number): TierName {
  const span = toMs - fromMs;
  for (const { tier, maxSpanMs } of SPAN_LIMITS) {
    if (span > maxSpanMs) continue;
    const keep = retentionOf(tier);
    if (keep === null || fromMs >= nowMs - keep) return tier;
  }
  return '1d';
}

interface Bucket {
  b: number;
  sum: number;
  count: number;
  min: number;
  max: number;
  bad: number;
}

const num = (v: unknown) => Number(v);

async function readWatermark(db: Database, tier: AggregateTier['name']): Promise<number | null> {
  const row = await db
    .selectFrom('system_state')
    .select('value')
    .where('key', '=', STATE.watermark(tier))
    .executeTakeFirst();
  return row ? Number(row.value) : null;
}

/** Epoch-aligned buckets of width `width` over [from, to), from one source table, good readings only. */
async function bucketsFrom(
  db: Database,
  dialect: Dialect,
  source: 'raw' | AggregateTier,
  instrumentId: number,
  from: number,
  to: number,
  width: number,
): Promise<Bucket[]> {
  if (to <= from) return [];
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
  // width is an integer computed here (never request text), inlined so both dialects do integer
  // arithmetic (better-sqlite3 binds numbers as REAL). Buckets are aligned to the epoch, like the
  // tiers, so each point is stamped at its bucket's start whatever `from` the client asked for.
  const w = Math.trunc(width);
  const col = source === 'raw' ? 'ts' : 'bucket';
  const table = source === 'raw' ? 'raw_readings' : source.table;
  const good = `quality not in ${BAD_QUALITIES_SQL}`;
  const agg =
    source === 'raw'
      ? `sum(case when ${good} then value else 0 end) as s, sum(case when ${good} then 1 else 0 end) as c, ` +
        `min(case when ${good} then value end) as mn, max(case when ${good} then value end) as mx, ` +
        `sum(case when ${good} then 0 else 1 end) as bad`
      : 'sum(avg * count) as s, sum(count) as c, min(case when count > 0 then min end) as mn, ' +
        'max(case when count > 0 then max end) as mx, sum(bad_count) as bad';
  const text =
    `select (${col} / ${w}) * ${w} as b, ${agg} from ${table} ` +
    `where instrument_id = ${p(1)} and ${col} >= ${p(2)} and ${col} < ${p(3)} ` +
    `group by ${col} / ${w} order by b`;
  const res = await db.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(text, [instrumentId, from, to]),
  );
  return res.rows.map((r) => ({
    b: num(r.b),
    sum: num(r.s),
    count: num(r.c),
    min: num(r.mn),
    max: num(r.mx),
    bad: num(r.bad),
  }));
}

export interface TrendQuery {
  tag: string;
  from?: string;
  to?: string;
  maxPoints?: number;
}

export async function getTrend(db: Database, dialect: Dialect, q: TrendQuery, now: Date): Promise<Trend> {
  const instrument = await db
    .selectFrom('instruments')
    .selectAll()
    .where('tag', '=', q.tag)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!instrument) throw new NotFoundError('instrument', q.tag);

  const nowMs = now.getTime();
  const toMs = q.to !== undefined ? Date.parse(q.to) : nowMs;
  if (Number.isNaN(toMs)) throw new ValidationError('to', 'to must be an ISO 8601 date-time');
  const fromMs = q.from !== undefined ? Date.parse(q.from) : toMs - DEFAULT_TREND_SPAN_MS;
  if (Number.isNaN(fromMs)) throw new ValidationError('from', 'from must be an ISO 8601 date-time');
  if (fromMs >= toMs) throw new ValidationError('from', 'from must be before to', { from: q.from, to: q.to });
  if (toMs - fromMs > MAX_SPAN_MS) throw new ValidationError('from', 'the range may span at most 50 years');
  const maxPoints = q.maxPoints ?? DEFAULT_MAX_POINTS;
  const tier = chooseTier(fromMs, toMs, nowMs);
  const span = toMs - fromMs;

  let points: TrendPoint[] | null = null;
  let bucketSeconds: number | null = null;
  let badCount = 0;
  if (tier === 'raw') {
    // Few enough good readings: return them as they are.
    const rows = await db
      .selectFrom('raw_readings')
      .select(['ts', 'value'])
      .where('instrument_id', '=', instrument.id)
      .where('ts', '>=', fromMs)
      .where('ts', '<', toMs)
      .where('quality', 'not in', BAD_QUALITIES)
      .orderBy('ts')
      .limit(maxPoints + 1)
      .execute();
    if (rows.length <= maxPoints) {
      points = rows.map((r) => ({
        timestamp: new Date(r.ts).toISOString(),
        value: r.value,
        min: r.value,
        max: r.value,
        bad_count: 0,
      }));
      const bad = await db
        .selectFrom('raw_readings')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('instrument_id', '=', instrument.id)
        .where('ts', '>=', fromMs)
        .where('ts', '<', toMs)
        .where('quality', 'in', BAD_QUALITIES)
        .executeTakeFirstOrThrow();
      badCount = Number(bad.n);
    }
  }
  if (!points) {
    const resolution =
      tier === 'raw' ? 1000 : (AGGREGATE_TIERS.find((t) => t.name === tier)?.bucketMs ?? 1000);
    const width = Math.max(resolution, Math.ceil(span / maxPoints / resolution) * resolution);
    bucketSeconds = width / 1000;
    // Sources from the chosen tier down to raw, each covering the part its coarser tier lacks yet.
    const order: ('raw' | AggregateTier)[] = ['raw', ...AGGREGATE_TIERS];
    const chain = order
      .slice(0, order.findIndex((s) => (s === 'raw' ? 'raw' : s.name) === tier) + 1)
      .reverse();
    const merged = new Map<number, Bucket>();
    let cursor = fromMs;
    for (const source of chain) {
      if (cursor >= toMs) break;
      let until = toMs;
      if (source !== 'raw') {
        const w = await readWatermark(db, source.name);
        until = w === null ? cursor : Math.min(toMs, Math.max(cursor, w));
      }
      for (const bk of await bucketsFrom(db, dialect, source, instrument.id, cursor, until, width)) {
        const m = merged.get(bk.b);
        if (!m) merged.set(bk.b, bk);
        else {
          // min/max mean nothing in a part with no good reading: skip it.
          if (bk.count > 0) {
            m.min = m.count > 0 ? Math.min(m.min, bk.min) : bk.min;
            m.max = m.count > 0 ? Math.max(m.max, bk.max) : bk.max;
          }
          m.sum += bk.sum;
          m.count += bk.count;
          m.bad += bk.bad;
        }
      }
      cursor = until;
    }
    for (const bk of merged.values()) badCount += bk.bad;
    // A bucket with only bad readings has no value to draw; its readings are in bad_count.
    points = [...merged.values()]
      .sort((x, y) => x.b - y.b)
      .filter((bk) => bk.count > 0)
      .map((bk) => ({
        timestamp: new Date(bk.b).toISOString(),
        value: bk.sum / bk.count,
        min: bk.min,
        max: bk.max,
        bad_count: bk.bad,
      }));
  }

  return {
    tag: instrument.tag,
    unit: instrument.unit,
    tier,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    bucket_seconds: bucketSeconds,
    points,
    bad_count: badCount,
    range_min: instrument.range_min,
    range_max: instrument.range_max,
    nominal_value: instrument.nominal_value,
    limits: {
      low_critical: instrument.alarm_low_critical,
      low_warning: instrument.alarm_low_warning,
      high_warning: instrument.alarm_high_warning,
      high_critical: instrument.alarm_high_critical,
    },
  };
}
