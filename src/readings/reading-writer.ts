// The batched writer: accepted readings queue here and go to raw_readings in one transaction per
// flush. Each queued message carries its acknowledgement, called only after the transaction that
// holds its readings has committed, so the broker redelivers anything a crash lost; the primary
// key (instrument_id, ts) with ON CONFLICT DO NOTHING stores a redelivery once.
//
// When to flush: when the batch is full (INGEST_BATCH_SIZE), when the oldest queued reading has
// waited INGEST_FLUSH_MS, or as soon as input goes quiet (a check finds nothing new arrived). The
// last rule matters with ack-after-commit: a publisher or broker that has used up its in-flight
// window sends nothing more until we ack, so waiting for the timer would only idle.

import { CompiledQuery } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Dialect } from '../db/database.ts';
import type { Quality } from '../detection/types.ts';
import { LATE_AFTER_MS, STATE } from './tiers.ts';

export interface RowToWrite {
  instrumentId: number;
  ts: number;
  value: number;
  quality: Quality;
}

export type Ack = () => void;

interface Entry {
  rows: readonly RowToWrite[];
  ack: Ack | null;
  at: number;
}

export interface WriterOptions {
  batchSize: number;
  flushMs: number;
  /** Queued readings at which producers are asked to wait (back-pressure, never dropping). */
  queueMax: number;
  /** Event-time clock (ms) for the late-reading check. */
  now: () => number;
}

export interface FlushObserver {
  /** After each committed transaction: rows offered, rows inserted, seconds taken, commit wall time. */
  committed(rows: readonly RowToWrite[], inserted: number, seconds: number, commitMs: number): void;
  failed(error: unknown): void;
}

/** Rows per INSERT statement on SQLite (4 parameters each, well under SQLite's variable limit). */
const SQLITE_CHUNK = 500;
const MAX_RETRY_MS = 5_000;

export class ReadingWriter {
  private queue: Entry[] = [];
  private queuedRows = 0;
  private inFlightRows = 0;
  private flushing = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private arrivals = 0;
  private retryMs = 0;
  private retryPending = false;
  private drainWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly sqliteSql = new Map<number, string>();

  constructor(
    private readonly db: Database,
    private readonly dialect: Dialect,
    private readonly opts: WriterOptions,
    private readonly observer: FlushObserver,
    private readonly log: Logger,
  ) {}

  /** Readings queued or being written. */
  get depth(): number {
    return this.queuedRows + this.inFlightRows;
  }

  get full(): boolean {
    return this.depth >= this.opts.queueMax;
  }

  /**
   * Queues one message's readings (possibly none) and its acknowledgement. Acks run in queue order,
   * after the commit that covers every earlier entry.
   */
  enqueue(rows: readonly RowToWrite[], ack: Ack | null): void {
    this.queue.push({ rows, ack, at: performance.now() });
    this.queuedRows += rows.length;
    this.arrivals++;
    if (this.flushing || this.retryPending) return;
    if (this.queuedRows >= this.opts.batchSize) {
      void this.flush();
      return;
    }
    if (!this.immediate && !this.timer) this.immediate = setImmediate(this.check);
  }

  /** Resolves once the queue is below half its maximum (producers wait here when `full`). */
  whenDrained(): Promise<void> {
    if (this.depth < this.opts.queueMax / 2) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Writes everything queued (used at shutdown and by tests that need the data on disk now). */
  async flushAll(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) {
      if (this.flushing) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      else if (!(await this.flush())) break;
    }
  }

  /** Flushes what is queued and stops; later enqueues are refused (their acks never run). */
  async stop(): Promise<void> {
    await this.flushAll();
    this.stopped = true;
    this.clearTimers();
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private readonly check = (): void => {
    this.timer = null;
    this.immediate = null;
    if (this.flushing || this.queue.length === 0 || this.stopped) return;
    const age = performance.now() - this.queue[0].at;
    if (this.queuedRows >= this.opts.batchSize || age >= this.opts.flushMs || this.arrivals === 0) {
      void this.flush();
      return;
    }
    this.arrivals = 0;
    this.timer = setTimeout(this.check, 1);
  };

  /** One transaction over whole entries (at least one) up to about batchSize rows. Returns success. */
  private async flush(): Promise<boolean> {
    if (this.flushing || this.queue.length === 0) return true;
    this.clearTimers();
    this.retryPending = false;
    this.flushing = true;
    let n = 0;
    let rowCount = 0;
    while (
      n < this.queue.length &&
      (n === 0 || rowCount + this.queue[n].rows.length <= this.opts.batchSize)
    ) {
      rowCount += this.queue[n].rows.length;
      n++;
    }
    const taken = this.queue.splice(0, n);
    this.queuedRows -= rowCount;
    this.inFlightRows = rowCount;
    this.arrivals = 0;
    const rows: RowToWrite[] = [];
    for (const e of taken) for (const r of e.rows) rows.push(r);
    let ok = false;
    try {
      const t0 = performance.now();
      const inserted = rows.length > 0 ? await this.write(rows) : 0;
      this.observer.committed(rows, inserted, (performance.now() - t0) / 1000, Date.now());
      this.retryMs = 0;
      ok = true;
      for (const e of taken) {
        try {
          e.ack?.();
        } catch (err) {
          this.log.error({ err }, 'acknowledging a message failed');
        }
      }
    } catch (err) {
      // Keep the readings (and their unsent acks) at the head of the queue and retry with back-off:
      // the database may be restarting. Nothing is acknowledged, so nothing is lost.
      this.queue.unshift(...taken);
      this.queuedRows += rowCount;
      this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs ? this.retryMs * 2 : 100);
      this.observer.failed(err);
      this.log.error({ err, rows: rowCount, retry_ms: this.retryMs }, 'writing readings failed; will retry');
    } finally {
      this.inFlightRows = 0;
      this.flushing = false;
    }
    this.afterFlush(ok);
    return ok;
  }

  private afterFlush(ok: boolean): void {
    if (this.drainWaiters.length > 0 && this.depth < this.opts.queueMax / 2) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
    if (this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
    if (this.stopped || this.queue.length === 0) return;
    if (!ok) {
      this.retryPending = true;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.retryPending = false;
        void this.flush();
      }, this.retryMs);
      return;
    }
    if (this.queuedRows >= this.opts.batchSize) void this.flush();
    else this.immediate = setImmediate(this.check);
  }

  /** Inserts the rows in one transaction; returns how many were new. */
  private async write(rows: RowToWrite[]): Promise<number> {
    const lateBefore = this.opts.now() - LATE_AFTER_MS;
    let minTs = Number.POSITIVE_INFINITY;
    for (const r of rows) if (r.ts < minTs) minTs = r.ts;
    return this.db.transaction().execute(async (trx) => {
      let inserted = 0;
      if (this.dialect === 'postgres') {
        const ids = new Array<number>(rows.length);
        const ts = new Array<number>(rows.length);
        const values = new Array<number>(rows.length);
        const quality = new Array<string>(rows.length);
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i];
          ids[i] = r.instrumentId;
          ts[i] = r.ts;
          values[i] = r.value;
          quality[i] = r.quality;
        }
        // One statement whatever the batch size: four array parameters, unnested server-side.
        const res = await trx.executeQuery(
          CompiledQuery.raw(
            'insert into raw_readings (instrument_id, ts, value, quality) ' +
              'select * from unnest($1::integer[], $2::bigint[], $3::double precision[], $4::text[]) ' +
              'on conflict do nothing',
            [ids, ts, values, quality],
          ),
        );
        inserted = Number(res.numAffectedRows ?? 0n);
      } else {
        for (let start = 0; start < rows.length; start += SQLITE_CHUNK) {
          const end = Math.min(rows.length, start + SQLITE_CHUNK);
          const params: unknown[] = new Array((end - start) * 4);
          let p = 0;
          for (let i = start; i < end; i++) {
            const r = rows[i];
            params[p++] = r.instrumentId;
            params[p++] = r.ts;
            params[p++] = r.value;
            params[p++] = r.quality;
          }
          const res = await trx.executeQuery(CompiledQuery.raw(this.sqliteInsert(end - start), params));
          inserted += Number(res.numAffectedRows ?? 0n);
        }
      }
      if (minTs < lateBefore)
        await markDirty(trx, this.dialect, minTs, new Date(this.opts.now()).toISOString());
      return inserted;
    });
  }

  private sqliteInsert(n: number): string {
    let s = this.sqliteSql.get(n);
    if (!s) {
      s = `insert into raw_readings (instrument_id, ts, value, quality) values ${new Array(n).fill('(?,?,?,?)').join(',')} on conflict do nothing`;
      this.sqliteSql.set(n, s);
    }
    return s;
  }
}

/**
 * Lowers the 'dirty from' mark to `ts` (never raises it), in the writer's transaction, so the
 * downsampler recomputes the aggregates a late reading belongs to.
 */
export async function markDirty(db: Database, dialect: Dialect, ts: number, at: string): Promise<void> {
  const int = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.executeQuery(
    CompiledQuery.raw(
      `insert into system_state (key, value, updated_at) values (${dialect === 'postgres' ? '$1, $2, $3' : '?, ?, ?'}) ` +
        'on conflict (key) do update set ' +
        `value = case when cast(excluded.value as ${int}) < cast(system_state.value as ${int}) then excluded.value else system_state.value end, ` +
        'updated_at = excluded.updated_at',
      [STATE.dirtyFrom, String(Math.floor(ts)), at],
    ),
  );
}
