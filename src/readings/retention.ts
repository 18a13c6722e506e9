// Downsampling and retention, on a schedule: raw -> readings_1m -> readings_1h -> readings_1d, then
// each tier is trimmed to its retention, never below what the next tier already holds.
//
// Safe with several processes: buckets are recomputed from the finer tier and upserted (running a
// step twice, or in two processes at once, writes the same numbers: no double counting), and the
// watermarks in system_state only ever move forward. Late readings (a gateway's backfill, a broker
// queue drained after an outage) are flagged by the writer ('dirty from') and their buckets are
// recomputed on the next pass. Each statement covers an adaptively sized slice of time so that a
// catch-up never blocks the event loop (SQLite is synchronous) for long.

import { CompiledQuery } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Dialect } from '../db/database.ts';
import type { Clock } from '../shared/clock.ts';
import {
  AGGREGATE_TIERS,
  type AggregateTier,
  BAD_QUALITIES_SQL,
  DAY_MS,
  floorTo,
  HOUR_MS,
  MINUTE_MS,
  RAW_RETENTION_MS,
  SETTLE_MS,
  STATE,
  type TierName,
} from './tiers.ts';

export interface RetentionDeps {
  db: Database;
  dialect: Dialect;
  log: Logger;
}

export interface PassResult {
  /** Watermark of each aggregate tier after the pass (exclusive end of complete buckets). */
  watermarks: Record<AggregateTier['name'], number | null>;
  /** Delete floor of each tier after the pass. */
  floors: Record<Exclude<TierName, '1d'>, number | null>;
  recomputedFrom: number | null;
  statements: number;
}

/** Target time per statement; slices grow or shrink to stay near it. */
const TARGET_STATEMENT_MS = 40;
const MAX_SLICE_MS = 7 * DAY_MS;

// ── system_state helpers ─────────────────────────────────────────────────────────────────────────

async function readState(db: Database, key: string): Promise<number | null> {
  const row = await db.selectFrom('system_state').select('value').where('key', '=', key).executeTakeFirst();
  if (!row) return null;
  const v = Number(row.value);
  return Number.isFinite(v) ? v : null;
}

/** Sets key to value unless it already holds a larger one (watermarks never move back). */
async function advanceState(deps: RetentionDeps, key: string, value: number, at: string): Promise<void> {
  const pg = deps.dialect === 'postgres';
  const int = pg ? 'bigint' : 'integer';
  await deps.db.executeQuery(
    CompiledQuery.raw(
      `insert into system_state (key, value, updated_at) values (${pg ? '$1, $2, $3' : '?, ?, ?'}) ` +
        'on conflict (key) do update set ' +
        `value = case when cast(excluded.value as ${int}) > cast(system_state.value as ${int}) then excluded.value else system_state.value end, ` +
        'updated_at = excluded.updated_at',
      [key, String(value), at],
    ),
  );
}

// ── aggregation ──────────────────────────────────────────────────────────────────────────────────

function upsertSql(deps: RetentionDeps, target: AggregateTier, source: 'raw' | AggregateTier): string {
  const p = (n: number) => (deps.dialect === 'postgres' ? `$${n}` : '?');
  const b = target.bucketMs;
  // Clean history: fault and spike readings stay out of avg/min/max and are counted in bad_count.
  // A bucket with only bad readings keeps count 0 and avg/min/max 0; coarser tiers skip such rows
  // (weights of 0, min/max only over rows with count > 0).
  const good = `quality not in ${BAD_QUALITIES_SQL}`;
  const select =
    source === 'raw'
      ? `select instrument_id, (ts / ${b}) * ${b} as b, ` +
        `coalesce(avg(case when ${good} then value end), 0), coalesce(min(case when ${good} then value end), 0), ` +
        `coalesce(max(case when ${good} then value end), 0), ` +
        `sum(case when ${good} then 1 else 0 end), sum(case when ${good} then 0 else 1 end) ` +
        `from raw_readings where ts >= ${p(1)} and ts < ${p(2)} group by instrument_id, (ts / ${b})`
      : `select instrument_id, (bucket / ${b}) * ${b} as b, ` +
        'coalesce(sum(avg * count) / nullif(sum(count), 0), 0), ' +
        'coalesce(min(case when count > 0 then min end), 0), coalesce(max(case when count > 0 then max end), 0), ' +
        'sum(count), sum(bad_count) ' +
        `from ${source.table} where bucket >= ${p(1)} and bucket < ${p(2)} group by instrument_id, (bucket / ${b})`;
  return (
    `insert into ${target.table} (instrument_id, bucket, avg, min, max, count, bad_count) ${select} ` +
    'on conflict (instrument_id, bucket) do update set ' +
    'avg = excluded.avg, min = excluded.min, max = excluded.max, count = excluded.count, ' +
    'bad_count = excluded.bad_count'
  );
}

/** Recomputes target buckets in [from, to) from the source tier, slice by slice. */
async function aggregate(
  deps: RetentionDeps,
  target: AggregateTier,
  source: 'raw' | AggregateTier,
  from: number,
  to: number,
  onSlice: (sliceEnd: number) => Promise<void>,
  counter: { statements: number },
): Promise<void> {
  const text = upsertSql(deps, target, source);
  let slice = Math.max(target.bucketMs, floorTo(HOUR_MS, target.bucketMs));
  let t = from;
  while (t < to) {
    const end = Math.min(to, t + slice);
    const started = performance.now();
    await deps.db.executeQuery(CompiledQuery.raw(text, [t, end]));
    counter.statements++;
    const took = performance.now() - started;
    await onSlice(end);
    t = end;
    // Keep each statement near the target: a dense plant gets thin slices, a quiet one wide ones.
    if (took > TARGET_STATEMENT_MS * 2)
      slice = Math.max(target.bucketMs, floorTo(slice / 2, target.bucketMs));
    else if (took < TARGET_STATEMENT_MS / 2) slice = Math.min(MAX_SLICE_MS, slice * 2);
    // Let ingestion and the API run between statements.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function minOf(
  deps: RetentionDeps,
  table: 'raw_readings' | AggregateTier['table'],
): Promise<number | null> {
  const col = table === 'raw_readings' ? 'ts' : 'bucket';
  const res = await deps.db.executeQuery<{ m: number | string | null }>(
    CompiledQuery.raw(`select min(${col}) as m from ${table}`, []),
  );
  const m = res.rows[0]?.m;
  return m === null || m === undefined ? null : Number(m);
}

/**
 * One downsampling pass at `now`: recompute what late readings touched, then extend each tier up
 * to the last complete bucket (minutes settle SETTLE_MS behind the clock).
 */
export async function downsample(deps: RetentionDeps, now: number): Promise<PassResult> {
  const at = new Date(now).toISOString();
  const counter = { statements: 0 };
  const [t1m, t1h, t1d] = AGGREGATE_TIERS;
  const dirty = await readState(deps.db, STATE.dirtyFrom);
  const rawFloor = await readState(deps.db, STATE.floor('raw'));

  // A tier's first pass starts where its source's data starts (e.g. a seeded week of history);
  // with no watermark and no data there is nothing to do yet.
  const startOf = async (tier: AggregateTier, sourceTable: 'raw_readings' | AggregateTier['table']) => {
    const existing = await readState(deps.db, STATE.watermark(tier.name));
    if (existing !== null) return existing;
    const first = await minOf(deps, sourceTable);
    return first === null ? null : floorTo(first, tier.bucketMs);
  };
  const extend = async (tier: AggregateTier, source: 'raw' | AggregateTier, start: number, end: number) => {
    if (end <= start) return start;
    const key = STATE.watermark(tier.name);
    await aggregate(deps, tier, source, start, end, (e) => advanceState(deps, key, e, at), counter);
    return (await readState(deps.db, key)) ?? end;
  };
  const watermarks: PassResult['watermarks'] = { '1m': null, '1h': null, '1d': null };

  let recomputedFrom: number | null = null;
  const start1m = await startOf(t1m, 'raw_readings');
  if (start1m !== null) {
    if (dirty !== null) {
      const from = Math.max(floorTo(dirty, MINUTE_MS), rawFloor ?? Number.NEGATIVE_INFINITY);
      if (from < start1m) {
        recomputedFrom = from;
        await aggregate(deps, t1m, 'raw', from, start1m, async () => {}, counter);
      }
    }
    watermarks['1m'] = await extend(t1m, 'raw', start1m, floorTo(now - SETTLE_MS, MINUTE_MS));
  }

  // Hours from minutes, days from hours: only buckets whose source is complete.
  for (const [tier, source] of [
    [t1h, t1m],
    [t1d, t1h],
  ] as const) {
    const upper = watermarks[source.name];
    if (upper === null) break;
    const start = await startOf(tier, source.table);
    if (start === null) break;
    const end = floorTo(upper, tier.bucketMs);
    if (recomputedFrom !== null) {
      const from = floorTo(recomputedFrom, tier.bucketMs);
      const until = Math.min(start, end);
      if (from < until) await aggregate(deps, tier, source, from, until, async () => {}, counter);
    }
    watermarks[tier.name] = await extend(tier, source, start, end);
  }

  // Clear the late mark only if no newer late reading lowered it meanwhile.
  if (dirty !== null) {
    await deps.db
      .deleteFrom('system_state')
      .where('key', '=', STATE.dirtyFrom)
      .where('value', '=', String(dirty))
      .execute();
  }
  return {
    watermarks,
    floors: { raw: rawFloor, '1m': null, '1h': null },
    recomputedFrom,
    statements: counter.statements,
  };
}

/**
 * Deletes what each tier no longer keeps: raw older than 7 days, minutes older than 90 days, hours
 * older than 2 years, and never anything the next tier does not hold yet. Deletes go instrument by
 * instrument along the clustered primary key, at most once an hour per tier (cutoffs are hour- or
 * day-aligned).
 */
export async function applyRetention(deps: RetentionDeps, now: number): Promise<PassResult['floors']> {
  const at = new Date(now).toISOString();
  const w1m = await readState(deps.db, STATE.watermark('1m'));
  const w1h = await readState(deps.db, STATE.watermark('1h'));
  const w1d = await readState(deps.db, STATE.watermark('1d'));
  const [t1m, t1h] = AGGREGATE_TIERS;
  const plans: { tier: Exclude<TierName, '1d'>; table: string; col: string; cut: number | null }[] = [
    {
      tier: 'raw',
      table: 'raw_readings',
      col: 'ts',
      cut: w1m === null ? null : floorTo(Math.min(now - RAW_RETENTION_MS, w1m), HOUR_MS),
    },
    {
      tier: '1m',
      table: t1m.table,
      col: 'bucket',
      cut: w1h === null ? null : floorTo(Math.min(now - (t1m.retentionMs ?? 0), w1h), HOUR_MS),
    },
    {
      tier: '1h',
      table: t1h.table,
      col: 'bucket',
      cut: w1d === null ? null : floorTo(Math.min(now - (t1h.retentionMs ?? 0), w1d), DAY_MS),
    },
  ];
  const floors: PassResult['floors'] = { raw: null, '1m': null, '1h': null };
  let ids: number[] | null = null;
  for (const plan of plans) {
    const floor = await readState(deps.db, STATE.floor(plan.tier));
    floors[plan.tier] = floor;
    if (plan.cut === null || (floor !== null && plan.cut <= floor)) continue;
    ids ??= (await deps.db.selectFrom('instruments').select('id').execute()).map((r) => r.id);
    const p = (n: number) => (deps.dialect === 'postgres' ? `$${n}` : '?');
    const text = `delete from ${plan.table} where instrument_id = ${p(1)} and ${plan.col} < ${p(2)}`;
    for (const id of ids) {
      await deps.db.executeQuery(CompiledQuery.raw(text, [id, plan.cut]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await advanceState(deps, STATE.floor(plan.tier), plan.cut, at);
    floors[plan.tier] = plan.cut;
  }
  return floors;
}

export interface RetentionStatus {
  last_run: string | null;
  last_error: string | null;
  watermarks: PassResult['watermarks'] | null;
}

/** Runs downsampling and retention every minute (and once shortly after start). */
export class RetentionScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<PassResult> | null = null;
  private lastRun: string | null = null;
  private lastError: string | null = null;
  private lastWatermarks: PassResult['watermarks'] | null = null;

  constructor(
    private readonly deps: RetentionDeps,
    private readonly clock: Clock,
    private readonly intervalMs = 60_000,
    /** Runs a timed pass only where this process holds the lease (several processes, one pass). */
    private readonly gate: (pass: () => Promise<unknown>) => Promise<unknown> = (pass) => pass(),
  ) {}

  start(firstDelayMs = 5_000): void {
    const tick = () => {
      this.gate(() => this.runOnce()).catch(() => {});
      this.timer = setTimeout(tick, this.intervalMs);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, firstDelayMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running.catch(() => {});
  }

  /** One pass now (or the one already running). Errors are logged and rethrown. */
  runOnce(): Promise<PassResult> {
    if (this.running) return this.running;
    const now = this.clock.now().getTime();
    this.running = (async () => {
      try {
        const result = await downsample(this.deps, now);
        result.floors = await applyRetention(this.deps, now);
        this.lastRun = new Date(now).toISOString();
        this.lastError = null;
        this.lastWatermarks = result.watermarks;
        return result;
      } catch (e) {
        this.lastError = (e as Error).message;
        this.deps.log.error({ err: e }, 'downsampling / retention pass failed');
        throw e;
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  status(): RetentionStatus {
    return { last_run: this.lastRun, last_error: this.lastError, watermarks: this.lastWatermarks };
  }
}
