// Recomputing a tier's buckets from the finer tier, chunk by chunk (issue 16 item 5). Each chunk is
// one INSERT ... SELECT ... GROUP BY that computes the aggregates in SQL and upserts them, so
// running it twice, or in two processes, writes the same numbers.
//
// On SQLite every statement runs synchronously on the event loop that also acknowledges readings,
// so a chunk is a window of time AND a run of instruments: the statement walks each instrument's
// rows along the clustered primary key (instrument_id, ts), sequential pages, instead of the ts
// index, which costs a primary-key lookup per row (several times slower on a large file). Runs are
// sized from the instruments' publish intervals and the time the last statements took, so each
// stays near `targetMs`, and the loop is yielded between chunks. On PostgreSQL statements are
// asynchronous; a chunk is a window over all instruments (the heap is in time order, so the ts
// index is the right path there), sized to keep transactions short.
//
// With a watermark, the last chunk of each window advances it (on PostgreSQL in the same
// transaction): a pass that stops (crash, shutdown, lease lost) resumes at the first window not
// complete.

import { CompiledQuery } from 'kysely';
import type { Database, Dialect } from '../db/database.ts';
import { type AggregateTier, BAD_QUALITIES_SQL, DAY_MS, floorTo, HOUR_MS } from './tiers.ts';

export interface ChunkSizing {
  /** Time one statement should take (ms); on SQLite that is event-loop time. */
  targetMs: number;
  /** Source rows the first statement of a pass covers (estimated). */
  startRows: number;
  /** Most source rows one statement covers (estimated). */
  maxRows: number;
  /** Pause between statements (ms); 0 only lets what is waiting run (setImmediate). */
  pauseMs: number;
}

export const DEFAULT_SIZING: Record<Dialect, ChunkSizing> = {
  // ~1 µs per raw row on a loaded 2-core machine: 15 ms is ~15,000 rows, a 1-minute tier's hour
  // of 20 instruments publishing every 5 s.
  sqlite: { targetMs: 15, startRows: 10_000, maxRows: 100_000, pauseMs: 0 },
  postgres: { targetMs: 250, startRows: 200_000, maxRows: 2_000_000, pauseMs: 0 },
};

/** Longest window one chunk covers, per target tier: a watermark moves at least this often. */
const WINDOW_MS: Record<AggregateTier['name'], number> = { '1m': HOUR_MS, '1h': DAY_MS, '1d': 7 * DAY_MS };
/** A publish interval below this is taken as this when estimating rows. */
const MIN_ROW_MS = 100;

export type Source = 'raw' | AggregateTier;

export interface AggregationDeps {
  db: Database;
  dialect: Dialect;
}

// ── system_state ─────────────────────────────────────────────────────────────────────────────────

export async function readState(db: Database, key: string): Promise<number | null> {
  const row = await db.selectFrom('system_state').select('value').where('key', '=', key).executeTakeFirst();
  if (!row) return null;
  const v = Number(row.value);
  return Number.isFinite(v) ? v : null;
}

/** Sets key to value unless it already holds a larger one (watermarks never move back). */
export async function advanceState(
  db: Database,
  dialect: Dialect,
  key: string,
  value: number,
  at: string,
): Promise<void> {
  const pg = dialect === 'postgres';
  const int = pg ? 'bigint' : 'integer';
  await db.executeQuery(
    CompiledQuery.raw(
      `insert into system_state (key, value, updated_at) values (${pg ? '$1, $2, $3' : '?, ?, ?'}) ` +
        'on conflict (key) do update set ' +
        `value = case when cast(excluded.value as ${int}) > cast(system_state.value as ${int}) then excluded.value else system_state.value end, ` +
        'updated_at = excluded.updated_at',
      [key, String(value), at],
    ),
  );
}

// ── the statement ────────────────────────────────────────────────────────────────────────────────

/**
 * The upsert of target buckets from source rows in [$1, $2) — on SQLite also of instruments with
 * ids in [$3, $4]. Clean history: fault and spike readings stay out of avg/min/max and are counted
 * in bad_count; a bucket with only bad readings keeps count 0 and avg/min/max 0, and coarser tiers
 * skip such rows (weights of 0, min/max only over rows with count > 0).
 */
export function upsertSql(dialect: Dialect, target: AggregateTier, source: Source): string {
  const pg = dialect === 'postgres';
  const p = (n: number) => (pg ? `$${n}` : '?');
  const b = target.bucketMs;
  const col = source === 'raw' ? 'ts' : 'bucket';
  const table = source === 'raw' ? 'raw_readings' : source.table;
  // SQLite: instruments drive the loop (CROSS JOIN keeps that order), each read along the primary key.
  const from = pg
    ? `from ${table} s where s.${col} >= ${p(1)} and s.${col} < ${p(2)}`
    : `from instruments i cross join ${table} s on s.instrument_id = i.id ` +
      `where s.${col} >= ${p(1)} and s.${col} < ${p(2)} and i.id >= ${p(3)} and i.id <= ${p(4)}`;
  const good = `s.quality not in ${BAD_QUALITIES_SQL}`;
  const aggregates =
    source === 'raw'
      ? `coalesce(avg(case when ${good} then s.value end), 0), coalesce(min(case when ${good} then s.value end), 0), ` +
        `coalesce(max(case when ${good} then s.value end), 0), ` +
        `sum(case when ${good} then 1 else 0 end), sum(case when ${good} then 0 else 1 end)`
      : 'coalesce(sum(s.avg * s.count) / nullif(sum(s.count), 0), 0), ' +
        'coalesce(min(case when s.count > 0 then s.min end), 0), coalesce(max(case when s.count > 0 then s.max end), 0), ' +
        'sum(s.count), sum(s.bad_count)';
  return (
    `insert into ${target.table} (instrument_id, bucket, avg, min, max, count, bad_count) ` +
    `select s.instrument_id, (s.${col} / ${b}) * ${b} as b, ${aggregates} ${from} ` +
    `group by s.instrument_id, (s.${col} / ${b}) ` +
    'on conflict (instrument_id, bucket) do update set ' +
    'avg = excluded.avg, min = excluded.min, max = excluded.max, count = excluded.count, ' +
    'bad_count = excluded.bad_count'
  );
}

// ── chunk by chunk ───────────────────────────────────────────────────────────────────────────────

interface Rate {
  id: number;
  /** Estimated raw rows per ms. */
  perMs: number;
}

/** One pass's chunked recomputations; sizes carry over from one call to the next. */
export class TierAggregation {
  statements = 0;
  /** Longest statement of the pass (ms, with its watermark update): on SQLite, the longest stall. */
  longestMs = 0;
  private rates: Rate[] | null = null;
  private readonly budget = new Map<string, number>();

  constructor(
    private readonly deps: AggregationDeps,
    private readonly sizing: ChunkSizing,
    /** Checked before each statement: false ends the work early (shutdown, lease lost). */
    private readonly keepGoing: () => boolean = () => true,
  ) {}

  /**
   * Recomputes target buckets in [from, to) (bucket-aligned) from the source tier. With
   * `watermark`, advances that key to the end of each window as it completes. Returns the end
   * reached: `to`, or where it stopped.
   */
  async run(
    target: AggregateTier,
    source: Source,
    from: number,
    to: number,
    watermark: { key: string; at: string; moved?: (value: number) => void } | null = null,
  ): Promise<number> {
    const { db, dialect } = this.deps;
    const text = upsertSql(dialect, target, source);
    const rates = await this.instrumentRates();
    // Estimated source rows per ms of each instrument: its publish interval for raw, one row per
    // source bucket for a tier.
    const perMs = (r: Rate) => (source === 'raw' ? r.perMs : 1 / source.bucketMs);
    const allPerMs = rates.reduce((s, r) => s + perMs(r), 0);
    const window = WINDOW_MS[target.name];
    let t = from;
    const col = source === 'raw' ? 'ts' : 'bucket';
    const table = source === 'raw' ? 'raw_readings' : source.table;
    const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
    const firstText = `select min(${col}) as m from ${table} where ${col} >= ${p(1)} and ${col} < ${p(2)}`;
    while (t < to) {
      if (!this.keepGoing()) return t;
      // Skip what holds no source rows (a server that was off, a quiet plant): one index probe.
      const first = (
        await db.executeQuery<{ m: number | string | null }>(CompiledQuery.raw(firstText, [t, to]))
      ).rows[0]?.m;
      if (first === null || first === undefined) {
        if (watermark) {
          await advanceState(db, dialect, watermark.key, to, watermark.at);
          watermark.moved?.(to);
        }
        return to;
      }
      t = Math.max(t, floorTo(Number(first), target.bucketMs));
      let budget = this.budget.get(target.name) ?? this.sizing.startRows;
      // PostgreSQL: the window shrinks to the budget (at least one bucket). SQLite: the window is
      // fixed and the instruments are split into runs instead.
      const span =
        dialect === 'postgres' && allPerMs > 0
          ? Math.min(
              window,
              Math.max(target.bucketMs, Math.floor(budget / allPerMs / target.bucketMs) * target.bucketMs),
            )
          : window;
      const end = Math.min(to, t + span);
      const runs = dialect === 'postgres' ? [{ lo: 0, hi: 0, rows: allPerMs * (end - t) }] : [];
      if (dialect === 'sqlite') {
        let i = 0;
        do {
          let rows = 0;
          let j = i;
          do rows += rates.length ? perMs(rates[j++]) * (end - t) : 0;
          while (j < rates.length && rows + perMs(rates[j]) * (end - t) <= budget);
          runs.push({
            lo: i === 0 ? Number.MIN_SAFE_INTEGER : rates[i].id,
            hi: j >= rates.length ? Number.MAX_SAFE_INTEGER : rates[j - 1].id,
            rows,
          });
          i = j;
        } while (i < rates.length);
      }
      for (let k = 0; k < runs.length; k++) {
        if (!this.keepGoing()) return t;
        const run = runs[k];
        const params = dialect === 'postgres' ? [t, end] : [t, end, run.lo, run.hi];
        const started = performance.now();
        let changed = 0;
        const last = watermark !== null && k === runs.length - 1;
        if (last && dialect === 'postgres') {
          await db.transaction().execute(async (trx) => {
            const res = await trx.executeQuery(CompiledQuery.raw(text, params));
            changed = Number(res.numAffectedRows ?? 0);
            await advanceState(trx, dialect, watermark.key, end, watermark.at);
          });
        } else {
          const res = await db.executeQuery(CompiledQuery.raw(text, params));
          changed = Number(res.numAffectedRows ?? 0);
          // SQLite: right after, without yielding, but in a statement of its own: a transaction
          // held across an await deadlocks with a second connection in the same thread (its busy
          // wait blocks the thread that would commit). A crash between the two recomputes the
          // window, which writes the same numbers.
          if (last) await advanceState(db, dialect, watermark.key, end, watermark.at);
        }
        const took = performance.now() - started;
        this.statements++;
        this.longestMs = Math.max(this.longestMs, took);
        if (last) watermark.moved?.(end);
        // Aim the next statements at targetMs from this one's time per estimated row, at most
        // halving or doubling at a time. Statements that found nothing, or covered much less than
        // the budget (the last run of a window), say little about the cost of a full one.
        if (took > this.sizing.targetMs || (changed > 0 && run.rows >= budget / 2)) {
          const ideal = (this.sizing.targetMs * run.rows) / Math.max(took, 0.01);
          budget = Math.min(this.sizing.maxRows, Math.max(1, budget / 2, Math.min(budget * 2, ideal)));
          this.budget.set(target.name, budget);
        }
        await this.pause();
      }
      t = end;
    }
    return t;
  }

  private pause(): Promise<void> {
    return new Promise((resolve) =>
      this.sizing.pauseMs > 0 ? setTimeout(resolve, this.sizing.pauseMs) : setImmediate(resolve),
    );
  }

  private async instrumentRates(): Promise<Rate[]> {
    this.rates ??= (
      await this.deps.db
        .selectFrom('instruments')
        .select(['id', 'publish_interval_seconds'])
        .orderBy('id')
        .execute()
    ).map((r) => ({ id: r.id, perMs: 1 / Math.max(MIN_ROW_MS, Number(r.publish_interval_seconds) * 1000) }));
    return this.rates;
  }
}
