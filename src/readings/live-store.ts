// The live side of the reading store: per instrument, the newest reading, the last good one (the
// reference for the rate-of-change check) and a ring buffer of the recent window, all in memory.
// After a restart it is primed with each instrument's last stored reading.

import type { LastReading, LiveView } from '../context.ts';
import type { Database } from '../db/database.ts';
import type { Quality } from '../detection/types.ts';

const QUALITY_CODES: readonly Quality[] = ['good', 'fault', 'spike'];
const qualityCode = (q: Quality): number => (q === 'good' ? 0 : q === 'fault' ? 1 : 2);

export interface WindowPoint {
  ts: number;
  value: number;
  quality: Quality;
}

const MIN_CAPACITY = 16;
const MAX_CAPACITY = 8192;

/** Fixed-capacity ring of (ts, value, quality), oldest overwritten first; grows by doubling up to its cap. */
export class Ring {
  private ts: Float64Array;
  private values: Float64Array;
  private quality: Uint8Array;
  private head = 0; // next write position
  private count = 0;

  constructor(private readonly cap: number) {
    const initial = Math.min(cap, 64);
    this.ts = new Float64Array(initial);
    this.values = new Float64Array(initial);
    this.quality = new Uint8Array(initial);
  }

  push(ts: number, value: number, q: number): void {
    if (this.count === this.ts.length && this.ts.length < this.cap) this.grow();
    this.ts[this.head] = ts;
    this.values[this.head] = value;
    this.quality[this.head] = q;
    this.head = (this.head + 1) % this.ts.length;
    if (this.count < this.ts.length) this.count++;
  }

  /** Points with ts >= fromTs, oldest first. */
  since(fromTs: number): WindowPoint[] {
    const out: WindowPoint[] = [];
    const n = this.ts.length;
    for (let i = 0; i < this.count; i++) {
      const k = (this.head - this.count + i + n) % n;
      if (this.ts[k] >= fromTs)
        out.push({ ts: this.ts[k], value: this.values[k], quality: QUALITY_CODES[this.quality[k]] });
    }
    return out;
  }

  private grow(): void {
    const size = Math.min(this.cap, this.ts.length * 2);
    const ts = new Float64Array(size);
    const values = new Float64Array(size);
    const quality = new Uint8Array(size);
    const n = this.ts.length;
    for (let i = 0; i < this.count; i++) {
      const k = (this.head - this.count + i + n) % n;
      ts[i] = this.ts[k];
      values[i] = this.values[k];
      quality[i] = this.quality[k];
    }
    this.ts = ts;
    this.values = values;
    this.quality = quality;
    this.head = this.count % size;
  }
}

export interface LiveEntry {
  /** Newest reading by event time (epoch ms), or null before the first. */
  latestTs: number;
  latestValue: number;
  latestQuality: Quality;
  /** Last reading with quality 'good' (NaN ts when none): the reference for the spike check. */
  lastGoodTs: number;
  lastGoodValue: number;
  /** When the source marked the data stale (NaN: current); the next reading clears it. */
  staleSince: number;
  ring: Ring | null;
}

export interface LiveStoreOptions {
  /** How much recent history each instrument keeps, in minutes of event time. */
  windowMinutes: number;
}

export class LiveStore implements LiveView {
  private entries = new Map<number, LiveEntry>();

  constructor(private readonly opts: LiveStoreOptions) {}

  /** The entry of an instrument, created empty on first use. */
  entry(instrumentId: number): LiveEntry {
    let e = this.entries.get(instrumentId);
    if (!e) {
      e = {
        latestTs: Number.NaN,
        latestValue: Number.NaN,
        latestQuality: 'good',
        lastGoodTs: Number.NaN,
        lastGoodValue: Number.NaN,
        staleSince: Number.NaN,
        ring: null,
      };
      this.entries.set(instrumentId, e);
    }
    return e;
  }

  peek(instrumentId: number): LiveEntry | undefined {
    return this.entries.get(instrumentId);
  }

  /**
   * Records an in-order reading (ts newer than the entry's latest). `publishIntervalSeconds` sizes
   * the ring the first time so a 1 s instrument keeps a full window and a 60 s one wastes nothing.
   */
  record(e: LiveEntry, ts: number, value: number, quality: Quality, publishIntervalSeconds: number): void {
    e.latestTs = ts;
    e.latestValue = value;
    e.latestQuality = quality;
    e.staleSince = Number.NaN;
    if (quality === 'good') {
      e.lastGoodTs = ts;
      e.lastGoodValue = value;
    }
    if (!e.ring) {
      const perWindow = Math.ceil((this.opts.windowMinutes * 60) / Math.max(publishIntervalSeconds, 0.001));
      e.ring = new Ring(Math.min(MAX_CAPACITY, Math.max(MIN_CAPACITY, perWindow + 8)));
    }
    e.ring.push(ts, value, qualityCode(quality));
  }

  forget(instrumentId: number): void {
    this.entries.delete(instrumentId);
  }

  /**
   * The source of these instruments went away (a connector's peer died): their last values stay,
   * shown as stale, until a newer reading arrives.
   */
  markStale(instrumentIds: readonly number[], at: number): void {
    for (const id of instrumentIds) {
      const e = this.entries.get(id);
      if (e && !Number.isNaN(e.latestTs) && Number.isNaN(e.staleSince)) e.staleSince = at;
    }
  }

  isStale(instrumentId: number): boolean {
    const e = this.entries.get(instrumentId);
    return e !== undefined && !Number.isNaN(e.staleSince);
  }

  lastReading(instrumentId: number): LastReading | null {
    const e = this.entries.get(instrumentId);
    if (!e || Number.isNaN(e.latestTs)) return null;
    const r: LastReading = {
      timestamp: new Date(e.latestTs).toISOString(),
      value: e.latestValue,
      quality: e.latestQuality,
    };
    if (!Number.isNaN(e.staleSince)) r.stale = true;
    return r;
  }

  /** Event time of the instrument's newest reading, or null if none was ever seen. */
  lastSeen(instrumentId: number): number | null {
    const e = this.entries.get(instrumentId);
    return e && !Number.isNaN(e.latestTs) ? e.latestTs : null;
  }

  /** Recent readings with ts >= fromTs (as far back as the ring reaches), oldest first. */
  window(instrumentId: number, fromTs: number): WindowPoint[] {
    return this.entries.get(instrumentId)?.ring?.since(fromTs) ?? [];
  }

  /**
   * After a restart: the newest stored reading of each instrument becomes its live value (and, when
   * good, the spike reference), so the API and the gap monitor see it before new data arrives.
   */
  async prime(db: Database, instrumentIds: Iterable<number>): Promise<void> {
    for (const id of instrumentIds) {
      // One indexed probe per instrument: (instrument_id, ts) is the clustered primary key.
      const last = await db
        .selectFrom('raw_readings')
        .select(['ts', 'value', 'quality'])
        .where('instrument_id', '=', id)
        .orderBy('ts', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!last) continue;
      const e = this.entry(id);
      if (!Number.isNaN(e.latestTs) && e.latestTs >= last.ts) continue;
      const quality = (QUALITY_CODES as readonly string[]).includes(last.quality)
        ? (last.quality as Quality)
        : 'good';
      e.latestTs = last.ts;
      e.latestValue = last.value;
      e.latestQuality = quality;
      if (quality === 'good') {
        e.lastGoodTs = last.ts;
        e.lastGoodValue = last.value;
      }
    }
  }
}
