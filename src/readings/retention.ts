// Downsampling and retention, on a schedule: raw -> readings_1m -> readings_1h -> readings_1d, then
// each tier is trimmed to its retention, never below what the next tier already holds.
//
// Safe with several processes: buckets are recomputed from the finer tier and upserted (running a
// step twice, or in two processes at once, writes the same numbers: no double counting), and the
// watermarks in system_state only ever move forward. Late readings (a gateway's backfill, a broker
// queue drained after an outage) are flagged by the writer ('dirty from') and their buckets are
// recomputed on the next pass. A catch-up after an outage goes in bounded chunks, the watermark
// moving with each window (src/readings/tier-aggregation.ts), so it never blocks the event loop
// (SQLite is synchronous) for long and a stopped pass resumes where it was.

import { CompiledQuery } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Dialect } from '../db/database.ts';
import type { Clock } from '../shared/clock.ts';
import {
  advanceState,
  type ChunkSizing,
  DEFAULT_SIZING,
  readState,
  TierAggregation,
} from './tier-aggregation.ts';
import {
  AGGREGATE_TIERS,
  type AggregateTier,
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
  /** How catch-up statements are sized (default: DEFAULT_SIZING of the dialect). */
  sizing?: Partial<ChunkSizing>;
  /** Checked between statements: false ends the pass early (shutdown, lease lost). */
  keepGoing?: () => boolean;
  /** Hears each tier's watermark as it moves (the scheduler's live status). */
  onWatermark?: (tier: AggregateTier['name'], value: number) => void;
}

export interface PassResult {
  /** Watermark of each aggregate tier after the pass (exclusive end of complete buckets). */
  watermarks: Record<AggregateTier['name'], number | null>;
  /** Delete floor of each tier after the pass. */
  floors: Record<Exclude<TierName, '1d'>, number | null>;
  recomputedFrom: number | null;
  statements: number;
  /** The longest of those statements (ms): on SQLite, how long the event loop was held at most. */
  longestStatementMs: number;
  /** False when keepGoing() ended the pass before it was done: the next resumes at the watermarks. */
  complete: boolean;
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
  const keepGoing = deps.keepGoing ?? (() => true);
  const work = new TierAggregation(deps, { ...DEFAULT_SIZING[deps.dialect], ...deps.sizing }, keepGoing);
  const [t1m, t1h, t1d] = AGGREGATE_TIERS;
  const dirty = await readState(deps.db, STATE.dirtyFrom);
  const rawFloor = await readState(deps.db, STATE.floor('raw'));
  let complete = true;

  // A tier's first pass starts where its source's data starts (e.g. a seeded week of history);
  // with no watermark and no data there is nothing to do yet.
  const startOf = async (tier: AggregateTier, sourceTable: 'raw_readings' | AggregateTier['table']) => {
    const existing = await readState(deps.db, STATE.watermark(tier.name));
    if (existing !== null) return existing;
    const first = await minOf(deps, sourceTable);
    return first === null ? null : floorTo(first, tier.bucketMs);
  };
  /** Recomputes [from, to) of a tier; with `advance`, moves its watermark along. */
  const recompute = async (
    tier: AggregateTier,
    source: 'raw' | AggregateTier,
    from: number,
    to: number,
    advance: boolean,
  ) => {
    const key = STATE.watermark(tier.name);
    const reached = await work.run(
      tier,
      source,
      from,
      to,
      advance ? { key, at, moved: (w) => deps.onWatermark?.(tier.name, w) } : null,
    );
    if (reached < to) complete = false;
    return advance ? ((await readState(deps.db, key)) ?? reached) : reached;
  };
  const watermarks: PassResult['watermarks'] = { '1m': null, '1h': null, '1d': null };

  let recomputedFrom: number | null = null;
  const start1m = await startOf(t1m, 'raw_readings');
  if (start1m !== null) {
    if (dirty !== null) {
      const from = Math.max(floorTo(dirty, MINUTE_MS), rawFloor ?? Number.NEGATIVE_INFINITY);
      if (from < start1m) {
        recomputedFrom = from;
        await recompute(t1m, 'raw', from, start1m, false);
      }
    }
    const end = floorTo(now - SETTLE_MS, MINUTE_MS);
    watermarks['1m'] = complete && end > start1m ? await recompute(t1m, 'raw', start1m, end, true) : start1m;
  }

  // Hours from minutes, days from hours: only buckets whose source is complete.
  for (const [tier, source] of [
    [t1h, t1m],
    [t1d, t1h],
  ] as const) {
    const upper = watermarks[source.name];
    if (upper === null || !complete) break;
    const start = await startOf(tier, source.table);
    if (start === null) break;
    const end = floorTo(upper, tier.bucketMs);
    if (recomputedFrom !== null) {
      const from = floorTo(recomputedFrom, tier.bucketMs);
      const until = Math.min(start, end);
      if (from < until) await recompute(tier, source, from, until, false);
    }
    watermarks[tier.name] = complete && end > start ? await recompute(tier, source, start, end, true) : start;
  }

  // Clear the late mark only if its buckets were all recomputed and no newer late reading lowered
  // it meanwhile.
  if (dirty !== null && complete) {
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
    statements: work.statements,
    longestStatementMs: work.longestMs,
    complete,
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
      // Stopped (shutdown, lease lost): the floor stays, the next pass deletes again from there.
      if (deps.keepGoing && !deps.keepGoing()) return floors;
      await deps.db.executeQuery(CompiledQuery.raw(text, [id, plan.cut]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await advanceState(deps.db, deps.dialect, STATE.floor(plan.tier), plan.cut, at);
    floors[plan.tier] = plan.cut;
  }
  return floors;
}

export interface RetentionStatus {
  last_run: string | null;
  last_error: string | null;
  /** Moves with each completed window while a pass runs (a catch-up shows its progress here). */
  watermarks: PassResult['watermarks'] | null;
  /** Start of the pass under way, if any (a catch-up after an outage can take minutes). */
  running_since: string | null;
}

/** Runs downsampling and retention every minute (and once shortly after start). */
export class RetentionScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<PassResult> | null = null;
  private runningSince: string | null = null;
  private stopping = false;
  private lastRun: string | null = null;
  private lastError: string | null = null;
  private lastWatermarks: PassResult['watermarks'] | null = null;

  constructor(
    private readonly deps: RetentionDeps,
    private readonly clock: Clock,
    private readonly intervalMs = 60_000,
    /** Runs a timed pass only where this process holds the lease (several processes, one pass). */
    private readonly gate: (pass: () => Promise<unknown>) => Promise<unknown> = (pass) => pass(),
    /** Whether this process still holds that lease: a pass that lost it stops between statements. */
    private readonly holds: () => boolean = () => true,
  ) {}

  start(firstDelayMs = 5_000): void {
    this.stopping = false;
    const tick = () => {
      this.gate(() => this.runOnce(true)).catch(() => {});
      this.timer = setTimeout(tick, this.intervalMs);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, firstDelayMs);
    this.timer.unref();
  }

  /** Ends the schedule; a pass under way stops after its current statement (the next resumes it). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running.catch(() => {});
  }

  /**
   * One pass now (or the one already running). Errors are logged and rethrown. `leased`: started
   * under the lease, so the pass stops if this process loses it.
   */
  runOnce(leased = false): Promise<PassResult> {
    if (this.running) return this.running;
    const now = this.clock.now().getTime();
    const keepGoing = () => !this.stopping && (!leased || this.holds());
    const deps: RetentionDeps = {
      ...this.deps,
      keepGoing,
      onWatermark: (tier, value) => {
        this.lastWatermarks = { '1m': null, '1h': null, '1d': null, ...this.lastWatermarks, [tier]: value };
      },
    };
    this.runningSince = new Date(now).toISOString();
    this.running = (async () => {
      try {
        const result = await downsample(deps, now);
        result.floors = result.complete ? await applyRetention(deps, now) : result.floors;
        this.lastRun = new Date(now).toISOString();
        this.lastError = null;
        this.lastWatermarks = result.watermarks;
        if (!result.complete)
          this.deps.log.info(
            { watermarks: result.watermarks },
            'downsampling pass stopped; the next resumes it',
          );
        return result;
      } catch (e) {
        this.lastError = (e as Error).message;
        this.deps.log.error({ err: e }, 'downsampling / retention pass failed');
        throw e;
      } finally {
        this.running = null;
        this.runningSince = null;
      }
    })();
    return this.running;
  }

  status(): RetentionStatus {
    return {
      last_run: this.lastRun,
      last_error: this.lastError,
      watermarks: this.lastWatermarks,
      running_since: this.runningSince,
    };
  }
}
