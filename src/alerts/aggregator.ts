// The alert aggregator: turns detector raise / clear events into alert rows without touching the
// database per reading. One per process, shared by every detector (the monitor's rules, faults,
// stuck sensors, data gaps and drift, and the anomaly scorer), created in main.ts.
//
// - Identity: one open alert per (instrument, alert type, condition). The keys of open alerts live in
//   memory (loaded at start), so a repeat of an open condition is counted in memory and written in a
//   batch every few seconds (last_seen, occurrence_count), never one UPDATE per reading.
// - A raise of a present condition with a worse severity than the open row's is written at once
//   (raiseAlert escalates the row); other repeats are counted.
// - A raise of a new condition goes through raiseAlert (which dedups against the open episode and
//   applies the instrument's suppression window); a clear goes through clearAlertCondition. Both run
//   on one sequential queue: detectors never wait for SQL, and a raise is always written before its
//   clear. A new episode of a condition whose earlier one cleared is a new alert row with its own
//   first_seen (the cleared row stays for people to acknowledge and resolve): dedup holds only
//   while the condition is present, so a recurrence is never hidden in an old row's count.
// - An alert resolved while its condition is still present is raised again (a new row) at the next
//   sign of the condition: a problem that persists must not vanish from the list.
// - Failures are logged with tag and instrument id and retried at the next sign of the condition.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { DetectorEvent, Severity } from '../detection/types.ts';
import {
  type AlertRepeat,
  clearAlertCondition,
  listOpenAlertKeys,
  type OpenAlertKey,
  raiseAlert,
  recordAlertRepeats,
} from './alert-service.ts';
import type { AlertType } from './types.ts';

export interface AggregatorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AlertAggregatorOptions {
  db: Kysely<DB>;
  log: AggregatorLogger;
  /** Wall-clock source (epoch ms) for retry throttling and updated_at. */
  now: () => number;
  /** Tag of an instrument, for log lines. */
  tagOf?: (instrumentId: number) => string | undefined;
  /**
   * Period of the batched repeat write (default 5 s). Repeats of a raise are written at the next
   * period; a last_seen that only moves because the condition persists, every 15 periods.
   */
  flushMs?: number;
  /** Operations waiting for the database above which new ones are dropped (logged, counted). */
  queueMax?: number;
  /** The alert types this aggregator owns (loaded at start). */
  types: readonly AlertType[];
}

interface Entry {
  instrumentId: number;
  alertType: AlertType;
  condition: string;
  /** The open row; null while its raise is queued, after it failed, or after it was resolved. */
  alertId: number | null;
  /** The condition is present (raised and not cleared). */
  active: boolean;
  suppressed: boolean;
  /** Severity of the open row as last written (a worse raise escalates it). */
  severity: Severity | null;
  /** last_seen known to be written (epoch ms). */
  lastSeen: number;
  /** Wall-clock time of the last write of this entry (throttles last_seen-only writes). */
  writtenAt: number;
  pendingCount: number;
  pendingLastSeen: number;
  raiseQueued: boolean;
  /** No new raise attempt before this wall-clock time (after a failure). */
  retryAfter: number;
  /** What to write if the condition must be raised again (resolved while present, or failed). */
  lastRaise: DetectorEvent | null;
}

type Op =
  | { kind: 'raise'; entry: Entry; event: DetectorEvent }
  | { kind: 'clear'; entry: Entry; event: DetectorEvent }
  | { kind: 'flush'; all: boolean };

const RETRY_MS = 5_000;
const RANK: Record<Severity, number> = { advisory: 0, warning: 1, critical: 2 };

/**
 * What a sign of life shows still present: a reading the reading-based conditions (rules, faults,
 * stuck, drift), a clock tick during silence the data gap, a scored window the anomaly.
 */
export type Evidence = 'readings' | 'gap' | 'anomaly';
const evidenceOf = (alertType: AlertType): Evidence =>
  alertType === 'data_gap' ? 'gap' : alertType === 'anomaly' ? 'anomaly' : 'readings';
const keyOf = (instrumentId: number, alertType: string, condition: string) =>
  `${instrumentId}|${alertType}|${condition}`;

export class AlertAggregator {
  private readonly o: Required<Omit<AlertAggregatorOptions, 'tagOf'>> & AlertAggregatorOptions;
  private readonly entries = new Map<string, Entry>();
  private readonly byInstrument = new Map<number, Set<Entry>>();
  private readonly dirty = new Set<Entry>();
  private queue: Op[] = [];
  private pumping: Promise<void> | null = null;
  private flushQueued = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly stats = { raised: 0, repeats: 0, cleared: 0, suppressed: 0, errors: 0, dropped: 0 };

  /** A condition that is only still present moves its last_seen this often at most. */
  private readonly touchMs: number;

  constructor(options: AlertAggregatorOptions) {
    this.o = { flushMs: 5_000, queueMax: 50_000, ...options };
    this.touchMs = 15 * this.o.flushMs;
  }

  /**
   * Loads the open alerts (of its types, or of `types`), so the first repeat after a restart is
   * deduplicated too; again for data_gap when this process takes the data-gap judging over.
   */
  async load(types: readonly AlertType[] = this.o.types): Promise<OpenAlertKey[]> {
    const open = await listOpenAlertKeys(this.o.db, types);
    for (const a of open) {
      // A cleared episode needs no tracking: the condition coming back is a new alert.
      if (a.cleared) continue;
      const entry = this.entry(a.instrument_id, a.alert_type, a.condition_key);
      entry.alertId = a.id;
      entry.active = true;
      entry.suppressed = a.suppressed;
      entry.severity = a.severity;
      entry.lastSeen = Date.parse(a.last_seen);
      entry.lastRaise = {
        kind: 'raise',
        alertType: a.alert_type as DetectorEvent['alertType'],
        condition: a.condition_key,
        severity: a.severity,
        message: a.message,
        ts: entry.lastSeen,
        details: a.details ?? undefined,
      };
    }
    return open;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.requestFlush(), this.o.flushMs);
    this.timer.unref();
  }

  /** Stops the timer and writes everything still queued. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.drain();
  }

  /** Resolves once every queued operation, and a repeat write of everything pending, is done. */
  async drain(): Promise<void> {
    this.enqueue({ kind: 'flush', all: true }, true);
    while (this.pumping) await this.pumping;
  }

  /** A detector event of one instrument. Never waits and never throws. */
  submit(instrumentId: number, event: DetectorEvent): void {
    if (event.kind === 'raise') this.raise(instrumentId, event);
    else this.clear(instrumentId, event);
  }

  /**
   * The instrument's active conditions are still present at time `ts`: a reading while raised shows
   * the reading-based ones (`readings`), a clock tick during silence the data gap (`gap`), a window
   * scored while an anomaly episode lasts the anomaly (`anomaly`). Their last_seen moves in a later
   * batch; one resolved meanwhile is raised again.
   */
  touch(instrumentId: number, ts: number, seen: Evidence = 'readings'): void {
    const set = this.byInstrument.get(instrumentId);
    if (!set) return;
    for (const e of set) {
      if (!e.active || evidenceOf(e.alertType) !== seen) continue;
      if (e.alertId !== null || e.raiseQueued) {
        if (ts > e.pendingLastSeen) e.pendingLastSeen = ts;
        this.dirty.add(e);
      } else if (e.lastRaise && this.o.now() >= e.retryAfter) {
        this.enqueue({ kind: 'raise', entry: e, event: { ...e.lastRaise, ts } });
        e.raiseQueued = true;
      }
    }
  }

  /**
   * After a restart: of the loaded open alerts of `types` (the calling detector's), only the
   * conditions the restored detectors still hold are present. The others are not touched; if their
   * detector raises again, the open alert counts the new occurrence.
   */
  markPresent(
    instrumentId: number,
    present: readonly { alert_type: string; condition: string }[],
    types: readonly AlertType[],
  ): void {
    const set = this.byInstrument.get(instrumentId);
    if (!set) return;
    for (const e of set) {
      if (e.raiseQueued || !types.includes(e.alertType)) continue;
      e.active = present.some((p) => p.alert_type === e.alertType && p.condition === e.condition);
    }
  }

  /** Someone resolved an alert: forget it (its condition, if still present, raises a new one). */
  resolved(alertId: number, instrumentId: number | null): void {
    if (instrumentId === null) return; // a source alert: not this aggregator's
    const set = this.byInstrument.get(instrumentId);
    if (!set) return;
    for (const e of set) {
      if (e.alertId !== alertId) continue;
      this.forgetRow(e);
    }
  }

  /** Drops every key of an instrument (deleted): nothing more is written for it. */
  forgetInstrument(instrumentId: number): void {
    const set = this.byInstrument.get(instrumentId);
    if (!set) return;
    for (const e of set) {
      this.entries.delete(keyOf(e.instrumentId, e.alertType, e.condition));
      this.dirty.delete(e);
    }
    this.byInstrument.delete(instrumentId);
  }

  /** Severity of the open, present alert of a condition; null when none (restoring a detector's episode). */
  openSeverity(instrumentId: number, alertType: AlertType, condition: string): Severity | null {
    const e = this.entries.get(keyOf(instrumentId, alertType, condition));
    return e?.active && (e.alertId !== null || e.raiseQueued)
      ? (e.severity ?? e.lastRaise?.severity ?? null)
      : null;
  }

  /** Conditions whose alert is open (for tests and the status view). */
  isOpen(instrumentId: number, alertType: AlertType, condition: string): boolean {
    const e = this.entries.get(keyOf(instrumentId, alertType, condition));
    return e !== undefined && (e.alertId !== null || e.raiseQueued);
  }

  health() {
    return { queue_depth: this.queue.length, open_conditions: this.entries.size, ...this.stats };
  }

  private raise(instrumentId: number, event: DetectorEvent): void {
    const e = this.entry(instrumentId, event.alertType as AlertType, event.condition);
    e.lastRaise = event;
    if (e.active && (e.alertId !== null || e.raiseQueued)) {
      if (
        e.alertId !== null &&
        !e.raiseQueued &&
        e.severity !== null &&
        RANK[event.severity] > RANK[e.severity]
      ) {
        // Worse than the open row: raiseAlert escalates it (severity, message, one more occurrence).
        e.raiseQueued = true;
        this.enqueue({ kind: 'raise', entry: e, event });
        return;
      }
      // A repeat of an open, present condition: counted here, written in the next batch.
      e.pendingCount++;
      if (event.ts > e.pendingLastSeen) e.pendingLastSeen = event.ts;
      this.dirty.add(e);
      return;
    }
    e.active = true;
    e.raiseQueued = true;
    this.enqueue({ kind: 'raise', entry: e, event });
  }

  private clear(instrumentId: number, event: DetectorEvent): void {
    const e = this.entries.get(keyOf(instrumentId, event.alertType, event.condition));
    if (!e?.active) return;
    e.active = false;
    if (e.alertId === null && !e.raiseQueued) {
      // Nothing open in the database (resolved, or its raise failed): nothing to record.
      this.drop(e);
      return;
    }
    this.enqueue({ kind: 'clear', entry: e, event });
  }

  private entry(instrumentId: number, alertType: AlertType, condition: string): Entry {
    const key = keyOf(instrumentId, alertType, condition);
    let e = this.entries.get(key);
    if (!e) {
      e = {
        instrumentId,
        alertType,
        condition,
        alertId: null,
        active: false,
        suppressed: false,
        severity: null,
        lastSeen: 0,
        writtenAt: 0,
        pendingCount: 0,
        pendingLastSeen: 0,
        raiseQueued: false,
        retryAfter: 0,
        lastRaise: null,
      };
      this.entries.set(key, e);
      const set = this.byInstrument.get(instrumentId);
      if (set) set.add(e);
      else this.byInstrument.set(instrumentId, new Set([e]));
    }
    return e;
  }

  private drop(e: Entry): void {
    this.entries.delete(keyOf(e.instrumentId, e.alertType, e.condition));
    this.byInstrument.get(e.instrumentId)?.delete(e);
    this.dirty.delete(e);
  }

  /** The row is gone (resolved): a present condition waits for its next sign to raise anew. */
  private forgetRow(e: Entry): void {
    e.alertId = null;
    e.pendingCount = 0;
    e.pendingLastSeen = 0;
    this.dirty.delete(e);
    if (!e.active && !e.raiseQueued) this.drop(e);
  }

  private requestFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.enqueue({ kind: 'flush', all: false }, true);
  }

  private enqueue(op: Op, force = false): void {
    if (!force && this.queue.length >= this.o.queueMax) {
      this.stats.dropped++;
      if (op.kind !== 'flush') op.entry.raiseQueued = false;
      if (this.stats.dropped === 1 || this.stats.dropped % 1000 === 0) {
        this.o.log.error(
          { dropped: this.stats.dropped, queue_depth: this.queue.length },
          'alert queue full: events dropped',
        );
      }
      return;
    }
    this.queue.push(op);
    if (!this.pumping) this.pumping = this.pump().finally(() => (this.pumping = null));
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const op = this.queue.shift() as Op;
      try {
        if (op.kind === 'raise') await this.writeRaise(op.entry, op.event);
        else if (op.kind === 'clear') await this.writeClear(op.entry, op.event);
        else {
          if (!op.all) this.flushQueued = false;
          await this.writeRepeats(op.all);
        }
      } catch (err) {
        this.stats.errors++;
        if (op.kind === 'flush') {
          this.o.log.error({ err }, 'writing alert repeats failed');
        } else {
          const { entry, event } = op;
          this.o.log.error(
            {
              err,
              tag: this.o.tagOf?.(entry.instrumentId),
              instrument_id: entry.instrumentId,
              alert_type: entry.alertType,
              condition: entry.condition,
            },
            `alert ${event.kind} failed`,
          );
          if (op.kind === 'raise') {
            entry.raiseQueued = false;
            entry.retryAfter = this.o.now() + RETRY_MS;
          }
        }
      }
    }
  }

  private async writeRaise(e: Entry, event: DetectorEvent): Promise<void> {
    const { alert, created } = await raiseAlert(this.o.db, {
      instrumentId: e.instrumentId,
      alertType: e.alertType,
      conditionKey: e.condition,
      severity: event.severity,
      message: event.message,
      details: event.details,
      at: new Date(event.ts).toISOString(),
    });
    e.raiseQueued = false;
    e.alertId = alert.id;
    e.suppressed = alert.suppressed;
    e.severity = alert.severity as Severity;
    e.lastSeen = Date.parse(alert.last_seen);
    e.writtenAt = this.o.now();
    if (created) {
      if (alert.suppressed) this.stats.suppressed++;
      else this.stats.raised++;
    }
    // Cleared again while the raise was queued: the queued clear follows and records it.
  }

  private async writeClear(e: Entry, event: DetectorEvent): Promise<void> {
    const at = new Date(event.ts).toISOString();
    const cleared = await clearAlertCondition(
      this.o.db,
      { instrumentId: e.instrumentId, alertType: e.alertType, conditionKey: e.condition },
      at,
    );
    if (cleared) this.stats.cleared++;
    else if (!e.active && !e.raiseQueued) this.drop(e); // resolved meanwhile: nothing left to track
  }

  /** `all`: also the last_seen-only moves still inside their throttle (shutdown, tests). */
  private async writeRepeats(all: boolean): Promise<void> {
    const batch: { e: Entry; r: AlertRepeat }[] = [];
    const now = this.o.now();
    const keep: Entry[] = [];
    for (const e of this.dirty) {
      if (e.alertId === null) {
        // Its raise is still queued: the repeats wait for the row.
        if (e.raiseQueued) keep.push(e);
        continue;
      }
      const lastSeen = Math.max(e.lastSeen, e.pendingLastSeen);
      if (e.pendingCount === 0 && lastSeen <= e.lastSeen) continue;
      if (!all && e.pendingCount === 0 && now - e.writtenAt < this.touchMs) {
        // Only last_seen moved (the condition is still there): not worth a write every period.
        keep.push(e);
        continue;
      }
      batch.push({
        e,
        r: {
          id: e.alertId,
          lastSeen: new Date(lastSeen).toISOString(),
          occurrences: e.pendingCount,
          suppressed: e.suppressed,
        },
      });
      this.stats.repeats += e.pendingCount;
      e.lastSeen = lastSeen;
      e.writtenAt = now;
      e.pendingCount = 0;
      e.pendingLastSeen = 0;
    }
    this.dirty.clear();
    for (const e of keep) this.dirty.add(e);
    if (batch.length === 0) return;
    const open = await recordAlertRepeats(
      this.o.db,
      batch.map((b) => b.r),
      new Date(this.o.now()).toISOString(),
    );
    for (const { e, r } of batch) {
      if (e.alertId !== r.id) continue;
      const still = open.get(r.id);
      if (!still) {
        this.forgetRow(e);
        continue;
      }
      // Still present after its instrument's suppression window: now a real alert.
      if (e.suppressed && !still.suppressed) this.stats.raised++;
      e.suppressed = still.suppressed;
    }
  }
}
