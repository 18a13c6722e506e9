// Data-gap monitor: an instrument that publishes every T seconds is in a gap once the injected clock
// is more than 2 T past its last reading (the spec's rule). Driven by a clock tick (checkGaps / check)
// for the raise, and by the next reading for the clear, so it works the same live and in replay.

import { formatDuration } from './format.ts';
import type { DetectorEvent } from './types.ts';

export interface LastSeen {
  /** Event time (epoch ms) of the newest reading. */
  lastTs: number;
  publishIntervalSeconds: number;
}

export interface GapEvent<Id> {
  id: Id;
  event: DetectorEvent;
}

export const GAP_INTERVAL_MULTIPLIER = 2;

export function isGap(now: number, seen: LastSeen): boolean {
  return now - seen.lastTs > GAP_INTERVAL_MULTIPLIER * seen.publishIntervalSeconds * 1000;
}

/**
 * Pure scan: raises once for every instrument newly in a gap, clears every open gap whose instrument
 * has a fresh reading again (timestamped at that reading), and clears gaps of instruments no longer
 * monitored. Returns the new open set; the inputs are not modified.
 */
export function checkGaps<Id>(
  now: number,
  lastSeen: ReadonlyMap<Id, LastSeen>,
  open: ReadonlySet<Id>,
): { open: Set<Id>; events: GapEvent<Id>[] } {
  const nextOpen = new Set<Id>(open);
  const events: GapEvent<Id>[] = [];
  for (const [id, seen] of lastSeen) {
    const gap = isGap(now, seen);
    if (gap && !open.has(id)) {
      nextOpen.add(id);
      events.push({ id, event: raiseEvent(id, now, seen) });
    } else if (!gap && open.has(id)) {
      nextOpen.delete(id);
      events.push({ id, event: clearEvent(id, seen.lastTs, 'data resumed') });
    }
  }
  for (const id of open) {
    if (!lastSeen.has(id)) {
      nextOpen.delete(id);
      events.push({ id, event: clearEvent(id, now, 'no longer monitored') });
    }
  }
  return { open: nextOpen, events };
}

function raiseEvent<Id>(id: Id, now: number, seen: LastSeen): DetectorEvent {
  const silentSeconds = (now - seen.lastTs) / 1000;
  return {
    kind: 'raise',
    alertType: 'data_gap',
    condition: 'data_gap',
    severity: 'warning',
    message:
      `${String(id)} no data for ${formatDuration(Math.round(silentSeconds))}` +
      ` (expected every ${formatDuration(seen.publishIntervalSeconds)})`,
    ts: now,
    details: {
      last_seen_ts: seen.lastTs,
      silent_seconds: silentSeconds,
      publish_interval_seconds: seen.publishIntervalSeconds,
    },
  };
}

function clearEvent<Id>(id: Id, ts: number, why: string): DetectorEvent {
  return {
    kind: 'clear',
    alertType: 'data_gap',
    condition: 'data_gap',
    severity: 'warning',
    message: `${String(id)} ${why}`,
    ts,
  };
}

export interface DataGapMonitorJSON<Id> {
  lastSeen: Array<[Id, LastSeen]>;
  open: Id[];
}

/** Stateful wrapper for the ingestion loop; state round-trips through toJSON / fromJSON. */
export class DataGapMonitor<Id extends string | number = string> {
  private lastSeen = new Map<Id, LastSeen>();
  private open = new Set<Id>();

  /** Records a reading; returns the clear of an open gap at once, timestamped at this reading. */
  recordReading(id: Id, ts: number, publishIntervalSeconds: number): DetectorEvent[] {
    const prev = this.lastSeen.get(id);
    const fresh = prev === undefined || ts > prev.lastTs;
    this.lastSeen.set(id, { lastTs: fresh ? ts : prev.lastTs, publishIntervalSeconds });
    if (fresh && this.open.has(id)) {
      this.open.delete(id);
      return [clearEvent(id, ts, 'data resumed')];
    }
    return [];
  }

  /** Clock tick. */
  check(now: number): GapEvent<Id>[] {
    const { open, events } = checkGaps(now, this.lastSeen, this.open);
    this.open = open;
    return events;
  }

  /** Stop monitoring an instrument (deleted or disabled); an open gap is cleared on the next check. */
  forget(id: Id): void {
    this.lastSeen.delete(id);
  }

  openGaps(): Id[] {
    return [...this.open];
  }

  toJSON(): DataGapMonitorJSON<Id> {
    return { lastSeen: [...this.lastSeen].map(([id, s]) => [id, { ...s }]), open: [...this.open] };
  }

  static fromJSON<Id extends string | number = string>(json: DataGapMonitorJSON<Id>): DataGapMonitor<Id> {
    const m = new DataGapMonitor<Id>();
    for (const [id, s] of json.lastSeen) m.lastSeen.set(id, { ...s });
    for (const id of json.open) m.open.add(id);
    return m;
  }
}
