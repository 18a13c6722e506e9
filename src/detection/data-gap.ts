// Data gaps: an instrument that publishes every T seconds is in a gap once the clock is more than
// 2 T past its last reading (the spec's rule, `isGap`; the live monitor applies it per instrument),
// and the ingestion source as a whole is in a gap when nothing at all arrives (SourceGapClock).

import { formatDuration } from './format.ts';
import type { DetectorEvent } from './types.ts';

export interface LastSeen {
  /** Event time (epoch ms) of the newest reading. */
  lastTs: number;
  publishIntervalSeconds: number;
}

export const GAP_INTERVAL_MULTIPLIER = 2;

export function isGap(now: number, seen: LastSeen): boolean {
  return now - seen.lastTs > GAP_INTERVAL_MULTIPLIER * seen.publishIntervalSeconds * 1000;
}

// ── The ingestion source as a whole ──────────────────────────────────────────────────────────────
//
// Storm rules (issue 11):
// - The gap clock runs on EVENT time: "now" for an instrument is the newest reading of any instrument
//   (`newestTs`), so a replay faster than real time sees the same gaps as live, and no false ones.
// - When nothing at all arrives (broker down, subscriber disconnected, gateway off) the newest
//   reading stops moving, so no instrument can be judged: the source raises ONE data_gap alert once
//   the silence (wall time since the newest reading arrived) passes the source threshold.
// - The same silence inside a replayed export shows as a jump of event time larger than the
//   threshold: raised and cleared at once, stamped in event time.
// - When data flows again the source alert clears and every instrument gets a grace period from
//   that moment (`resumed`), so the outage does not become one gap per instrument.

export const SOURCE_INGESTION = 'ingestion';

export interface SourceGapDetails {
  /** Subscriber connection state, when known (for the message). */
  connected?: boolean;
}

export interface SourceReadingResult {
  events: DetectorEvent[];
  /** Data flows again after a source gap: instruments should be re-armed at `newestTs`. */
  resumed: boolean;
}

export class SourceGapClock {
  /** Event time of the newest reading of any instrument; null before the first. */
  newestTs: number | null = null;
  /** Wall time the newest reading arrived (or the clock started). */
  private newestWall: number;
  private open = false;

  /**
   * `startWall`: wall time monitoring started; before any reading the source gets `graceMs` (or the
   * threshold, if longer) from then.
   */
  constructor(
    private readonly startWall: number,
    private readonly graceMs: number,
  ) {
    this.newestWall = startWall;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** An open source alert found at start: the first reading clears it, no second one is raised. */
  restoreOpen(): void {
    this.open = true;
  }

  /** Event time now: the newest reading's time advanced by the wall time since it arrived. */
  eventNow(wall: number): number {
    return this.newestTs === null ? wall : this.newestTs + Math.max(0, wall - this.newestWall);
  }

  /** A reading (event time `ts`) arrived at wall time `wall`. */
  recordReading(ts: number, wall: number, thresholdMs: number): SourceReadingResult {
    const prev = this.newestTs;
    if (prev === null || ts > prev) {
      this.newestTs = ts;
      this.newestWall = wall;
    }
    const newest = this.newestTs as number;
    if (this.open) {
      this.open = false;
      return { events: [sourceClear(newest)], resumed: true };
    }
    if (prev !== null && ts - prev > thresholdMs) {
      // A silence of the whole source in event time (a replayed export): raised and cleared at once.
      return {
        events: [sourceRaise(prev + thresholdMs, prev, thresholdMs, {}), sourceClear(ts)],
        resumed: true,
      };
    }
    return { events: [], resumed: false };
  }

  /** Wall-clock tick: raises once when nothing has arrived for longer than the threshold. */
  check(wall: number, thresholdMs: number, details: SourceGapDetails = {}): DetectorEvent[] {
    if (this.open) return [];
    const limit = this.newestTs === null ? Math.max(thresholdMs, this.graceMs) : thresholdMs;
    const since = this.newestTs === null ? this.startWall : this.newestWall;
    if (wall - since <= limit) return [];
    this.open = true;
    return [sourceRaise(this.eventNow(wall), this.newestTs, wall - since, details)];
  }
}

function sourceRaise(
  at: number,
  lastTs: number | null,
  silentMs: number,
  details: SourceGapDetails,
): DetectorEvent {
  const silent = formatDuration(Math.round(silentMs / 1000));
  const why = details.connected === false ? ' (MQTT subscriber disconnected)' : '';
  return {
    kind: 'raise',
    alertType: 'data_gap',
    condition: 'data_gap',
    severity: 'warning',
    message:
      lastTs === null
        ? `Ingestion: no reading from any instrument since start-up, ${silent} ago${why}`
        : `Ingestion: no reading from any instrument for ${silent}${why}`,
    ts: at,
    details: {
      source: SOURCE_INGESTION,
      last_seen: lastTs === null ? null : new Date(lastTs).toISOString(),
      silent_seconds: silentMs / 1000,
      ...(details.connected === undefined ? {} : { subscriber_connected: details.connected }),
    },
  };
}

function sourceClear(ts: number): DetectorEvent {
  return {
    kind: 'clear',
    alertType: 'data_gap',
    condition: 'data_gap',
    severity: 'warning',
    message: 'Ingestion: data resumed',
    ts,
  };
}
