// One instrument's detector bundle: signal fault, rule engine (deadband + on-delay), stuck sensor,
// CUSUM on window means and the data-gap clock. Pure and clock-injected: event time comes from the
// readings and from the `now` given to tick(), never from the system clock, and there is no I/O,
// so the same object runs live (monitor-service.ts), in a faster-than-real-time replay and in tests.
//
// Faulty readings (outside the loop-current window) raise instrument_fault and spikes (faster than
// the instrument's max rate of change) are only counted: neither reaches the rule engine, the stuck
// detector or the CUSUM, so one burnt-out reading cannot move a statistic.

import {
  type CusumBaseline,
  CusumDetector,
  type CusumDetectorState,
  type CusumLevel,
  type CusumOptions,
  type CusumSnapshot,
} from '../detection/cusum.ts';
import { GAP_INTERVAL_MULTIPLIER, isGap } from '../detection/data-gap.ts';
import { formatDuration, tagLabel } from '../detection/format.ts';
import { evaluateRules, initialRuleState, RULE_DEFINITIONS, type RuleState } from '../detection/rules.ts';
import {
  classifyReading,
  evaluateSignalFault,
  initialSignalFaultState,
  type ReadingClassification,
  type SignalBound,
  type SignalFaultState,
  toMilliamps,
} from '../detection/signal.ts';
import { evaluateStuck, initialStuckState, type StuckState } from '../detection/stuck.ts';
import type {
  DetectorAlertType,
  DetectorEvent,
  MonitorConfig,
  Quality,
  Severity,
} from '../detection/types.ts';

export interface MonitorReading {
  /** Event time, epoch ms. */
  ts: number;
  value: number;
  /** As stamped by ingestion; omitted, the monitor classifies the reading itself (replays). */
  quality?: Quality;
  /** A connector's source called the value bad (ingestion stamped it 'fault' with the value in range). */
  sourceBad?: boolean;
}

export interface InstrumentMonitorOptions {
  /** Window length and warm-up of the CUSUM (window means; see detection/cusum.ts). */
  cusum?: CusumOptions;
  /** Reference baseline (mean and sigma of window means); without one the CUSUM warms up. */
  baseline?: CusumBaseline | null;
  /** Raise data_gap on silence (off for instruments out of service). Default true. */
  gapDetection?: boolean;
  /**
   * Once armed (start-up, put in service, source resumed) and until its first reading, the
   * instrument has this long (or 2x its interval, if longer) to report. Default 0.
   */
  gapGraceSeconds?: number;
}

/** Everything the monitor knows, as plain JSON (checkpointed to detector_checkpoints). */
export interface InstrumentMonitorState {
  version: 1;
  rules: RuleState;
  stuck: StuckState;
  signal: SignalFaultState;
  cusum: CusumDetectorState;
  /** Newest reading of any quality (event time). */
  lastTs: number | null;
  lastValue: number | null;
  lastQuality: Quality | null;
  /** Newest good reading: the reference for the rate-of-change (spike) check. */
  lastGoodTs: number | null;
  lastGoodValue: number | null;
  /**
   * `seenTs`: newest reading of the instrument received by another process (several processes:
   * noteSeen); the gap clock runs from the newer of it and lastTs.
   */
  gap: { open: boolean; armedAt: number | null; seenTs?: number | null };
  counts: { good: number; fault: number; spike: number };
}

export interface ActiveCondition {
  alert_type: DetectorAlertType;
  condition: string;
}

export interface RuleConditionSnapshot {
  condition: string;
  severity: Severity;
  limit: number | null;
  active: boolean;
  /** When the current violation started, while the on-delay runs. */
  pending_since: string | null;
  /** The value must come back past this to clear (limit -/+ deadband); null without a limit. */
  clears_at: number | null;
}

export type MonitorCusumSnapshot = Omit<CusumSnapshot, 'run_started_at' | 'last_window_end'> & {
  run_started_at: string | null;
  last_window_end: string | null;
};

/** What GET /api/instruments/{id}/status shows of the live detectors. */
export interface MonitorSnapshot {
  last_reading: { timestamp: string; value: number; quality: Quality } | null;
  last_good_reading: { timestamp: string; value: number } | null;
  readings: { good: number; fault: number; spike: number };
  signal: { fault: SignalBound | null; low_ma: number; high_ma: number; last_ma: number | null };
  rules: { deadband: number; on_delay_seconds: number; conditions: RuleConditionSnapshot[] };
  stuck: {
    active: boolean;
    /** Start of the current window of "not moving". */
    since: string | null;
    /** max - min of the good values in the window. */
    band: number | null;
    deadband: number;
    window_minutes: number;
    frozen_seconds: number | null;
  };
  cusum: MonitorCusumSnapshot;
  data_gap: {
    active: boolean;
    watched: boolean;
    last_seen: string | null;
    expected_interval_seconds: number;
    threshold_seconds: number;
  };
  active_conditions: ActiveCondition[];
}

const NO_EVENTS: readonly DetectorEvent[] = Object.freeze([]);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export class InstrumentMonitor {
  private cfg: MonitorConfig;
  private s: InstrumentMonitorState;
  private cusum: CusumDetector;
  private gapDetection: boolean;
  private readonly gapGraceMs: number;
  private anyLimit: boolean;
  /** Latched drift conditions, mirrored from the CUSUM's events so the hot path needs no snapshot. */
  private driftUp = false;
  private driftDown = false;
  /** The instrument's model group runs its drift CUSUM on the residual: this one is paused. */
  private groupDrift = false;

  constructor(cfg: MonitorConfig, options: InstrumentMonitorOptions = {}, state?: InstrumentMonitorState) {
    this.cfg = cfg;
    this.anyLimit = hasLimit(cfg);
    this.gapDetection = options.gapDetection ?? true;
    this.gapGraceMs = (options.gapGraceSeconds ?? 0) * 1000;
    if (state) {
      if (state.version !== 1) throw new Error(`unsupported monitor state version ${String(state.version)}`);
      this.s = structuredClone(state);
      const windowSeconds = options.cusum?.windowSeconds;
      // A changed window length makes the old sums meaningless: start a new run.
      this.cusum =
        windowSeconds !== undefined && windowSeconds !== this.s.cusum.windowSeconds
          ? new CusumDetector(options.cusum, options.baseline ?? undefined)
          : CusumDetector.fromJSON(this.s.cusum);
      const c = this.cusum.snapshot();
      this.driftUp = c.alarm_up;
      this.driftDown = c.alarm_down;
    } else {
      this.cusum = new CusumDetector(options.cusum, options.baseline ?? undefined);
      this.s = {
        version: 1,
        rules: initialRuleState(),
        stuck: initialStuckState(),
        signal: initialSignalFaultState(),
        cusum: this.cusum.toJSON(),
        lastTs: null,
        lastValue: null,
        lastQuality: null,
        lastGoodTs: null,
        lastGoodValue: null,
        gap: { open: false, armedAt: null },
        counts: { good: 0, fault: 0, spike: 0 },
      };
    }
  }

  static fromJSON(state: InstrumentMonitorState, cfg: MonitorConfig, options: InstrumentMonitorOptions = {}) {
    return new InstrumentMonitor(cfg, options, state);
  }

  get config(): MonitorConfig {
    return this.cfg;
  }

  /**
   * New settings (instrument edited); detector state carries over, new limits apply from the next
   * reading. Turning gap detection off (taken out of service) clears an open gap at `now`; turning
   * it on (put in service) arms the gap clock at `now`, so the grace period runs from then.
   */
  setConfig(
    cfg: MonitorConfig,
    options: Pick<InstrumentMonitorOptions, 'gapDetection'> & { now?: number } = {},
  ): readonly DetectorEvent[] {
    this.cfg = cfg;
    this.anyLimit = hasLimit(cfg);
    if (options.gapDetection === undefined) return NO_EVENTS;
    const was = this.gapDetection;
    this.gapDetection = options.gapDetection;
    if (options.gapDetection && !was && options.now !== undefined) this.s.gap.armedAt = options.now;
    if (options.gapDetection || !this.s.gap.open) return NO_EVENTS;
    this.s.gap.open = false;
    return [this.gapClear(options.now ?? this.s.lastTs ?? 0, 'no longer watched (not in service)')];
  }

  /**
   * One reading in event-time order. Returns the raise / clear events it caused (a shared empty
   * array when none, which is nearly always).
   */
  process(reading: MonitorReading): readonly DetectorEvent[] {
    const s = this.s;
    const cfg = this.cfg;
    const { ts, value } = reading;
    let events: DetectorEvent[] | null = null;

    let classification: ReadingClassification | null = null;
    let quality = reading.quality;
    if (quality === undefined) {
      const prev =
        s.lastGoodTs === null || s.lastGoodValue === null
          ? undefined
          : { ts: s.lastGoodTs, value: s.lastGoodValue };
      classification = classifyReading(cfg, value, ts, prev);
      quality = classification.quality;
    }

    if (s.gap.open && (s.lastTs === null || ts > s.lastTs)) {
      s.gap.open = false;
      events = append(events, [this.gapClear(ts)]);
    }
    if (s.lastTs === null || ts >= s.lastTs) {
      s.lastTs = ts;
      s.lastValue = value;
      s.lastQuality = quality;
      s.gap.armedAt = null; // heard from: the plain 2x-interval rule applies again
    }
    s.counts[quality]++;

    // Signal faults: evaluated on a fault, and on any reading while a fault is open (to clear it).
    if (quality === 'fault' || s.signal.active !== null) {
      const c =
        classification ??
        (quality === 'fault' && reading.sourceBad
          ? { quality, bound: 'source_bad' as const, milliamps: classifyReading(cfg, value, ts).milliamps }
          : this.faultClassification(quality, value, ts));
      const out = evaluateSignalFault(s.signal, cfg, value, ts, c);
      s.signal = out.state;
      events = append(events, out.events);
    }

    if (quality === 'good') {
      const good = { ts, value, quality };
      if (this.anyLimit || ruleStateBusy(s.rules)) {
        const out = evaluateRules(s.rules, cfg, good);
        s.rules = out.state;
        events = append(events, out.events);
      }
      const stuck = evaluateStuck(s.stuck, cfg, good);
      s.stuck = stuck.state;
      events = append(events, stuck.events);
      if (!this.groupDrift) {
        const drift = this.cusum.update(cfg, good);
        if (drift.length > 0) events = append(events, this.noteDrift(drift));
      }
      if (s.lastGoodTs === null || ts >= s.lastGoodTs) {
        s.lastGoodTs = ts;
        s.lastGoodValue = value;
      }
    }
    return events ?? NO_EVENTS;
  }

  /**
   * Clock tick (live: every few seconds; replay: between readings). Raises data_gap once the
   * instrument has been silent for more than 2x its publish interval, and closes a CUSUM window
   * whose end has passed by a grace period (so a reading stamped slightly late still counts).
   */
  tick(now: number, gapNow: number | null = now): readonly DetectorEvent[] {
    // `gapNow`: the time gaps are judged at (live: the newest reading of any instrument, so a silent
    // source stops the judging; null: not judged here, another process holds the data-gap lease);
    // `now` closes CUSUM windows (the clock advanced through silence).
    const s = this.s;
    let events: DetectorEvent[] | null = null;
    if (gapNow !== null && this.gapDetection && !s.gap.open && this.gapDue(gapNow)) {
      s.gap.open = true;
      events = [this.gapRaise(gapNow)];
    }
    const graceMs = Math.max(5_000, 2_000 * this.cfg.publishIntervalSeconds);
    if (!this.groupDrift) {
      const closed = this.cusum.flush(this.cfg, now - graceMs);
      if (closed.length > 0) events = append(events, this.noteDrift(closed));
    }
    return events ?? NO_EVENTS;
  }

  /**
   * Starts the silence clock at `now` for an instrument already seen (after a restart): the time the
   * process was down is not a gap of the instrument's. `lastSeenTs` (the newest stored reading)
   * makes an instrument without saved state count as seen.
   */
  armGapClock(now: number, lastSeenTs?: number): void {
    if (this.s.lastTs === null && lastSeenTs !== undefined) this.s.lastTs = lastSeenTs;
    this.s.gap.armedAt = now;
  }

  /**
   * Several processes: a reading of this instrument at event time `ts` reached another process
   * (instrument_last_seen). It moves the gap clock like a reading here, and ends an open gap.
   */
  noteSeen(ts: number): readonly DetectorEvent[] {
    const s = this.s;
    const last = this.lastSeenTs;
    if (last !== null && ts <= last) return NO_EVENTS;
    s.gap.seenTs = ts;
    // Heard from after the clock was armed: the plain 2x-interval rule applies again.
    if (s.gap.armedAt !== null && ts >= s.gap.armedAt) s.gap.armedAt = null;
    if (!s.gap.open) return NO_EVENTS;
    s.gap.open = false;
    return [this.gapClear(ts)];
  }

  /**
   * An open data_gap alert raised by another process (the lease moved here): its end is cleared
   * here. `lastSeenTs` is the reading that process judged from (the alert's details.last_seen), so
   * only a newer reading ends the gap, not an older one this process had not heard of yet.
   */
  restoreGapOpen(lastSeenTs: number | null): void {
    if (!this.gapDetection) return;
    this.s.gap.open = true;
    if (lastSeenTs !== null && lastSeenTs > (this.lastSeenTs ?? Number.NEGATIVE_INFINITY))
      this.s.gap.seenTs = lastSeenTs;
  }

  /** Newest reading of the instrument, here or (several processes) elsewhere. */
  get lastSeenTs(): number | null {
    const { lastTs } = this.s;
    const seen = this.s.gap.seenTs ?? null;
    if (lastTs === null) return seen;
    return seen === null ? lastTs : Math.max(lastTs, seen);
  }

  /**
   * Silent past its limit at `now`: 2x the publish interval after the last reading; while armed and
   * not heard from since, the grace period (or 2x the interval) after arming. Never heard from and
   * never armed: not judged.
   */
  private gapDue(now: number): boolean {
    const { gap } = this.s;
    const lastTs = this.lastSeenTs;
    const interval = this.cfg.publishIntervalSeconds;
    if (gap.armedAt !== null) {
      const reference = Math.max(gap.armedAt, lastTs ?? gap.armedAt);
      return now - reference > Math.max(GAP_INTERVAL_MULTIPLIER * interval * 1000, this.gapGraceMs);
    }
    return lastTs !== null && isGap(now, { lastTs, publishIntervalSeconds: interval });
  }

  /**
   * The drift CUSUM moves to the instrument's model group (residual against its twins) or back. Both
   * ways the reading CUSUM starts a new run at `ts`: a drift it latched is cleared (the group's
   * residual CUSUM judges from now on), and when the group lets go it warms up afresh.
   */
  setGroupDrift(on: boolean, ts: number): readonly DetectorEvent[] {
    if (on === this.groupDrift) return NO_EVENTS;
    this.groupDrift = on;
    return this.resetCusum(ts);
  }

  /** A new CUSUM run (after a calibration). `baseline`: see CusumDetector.reset. Returns the clears. */
  resetCusum(ts: number, baseline?: CusumBaseline | null): readonly DetectorEvent[] {
    return this.noteDrift(this.cusum.reset({ ts, baseline, tag: this.cfg.tag }));
  }

  /** True while any condition is raised: its alert's last_seen keeps moving. */
  hasActiveCondition(): boolean {
    const s = this.s;
    if (s.signal.active !== null || s.stuck.active || s.gap.open) return true;
    const r = s.rules;
    return (
      r.low_critical.active ||
      r.low_warning.active ||
      r.high_warning.active ||
      r.high_critical.active ||
      this.driftUp ||
      this.driftDown
    );
  }

  activeConditions(): ActiveCondition[] {
    const s = this.s;
    const out: ActiveCondition[] = [];
    if (s.signal.active !== null) out.push({ alert_type: 'instrument_fault', condition: s.signal.active });
    if (s.stuck.active) out.push({ alert_type: 'instrument_fault', condition: 'stuck' });
    for (const def of RULE_DEFINITIONS) {
      if (s.rules[def.condition].active) out.push({ alert_type: 'rule_violation', condition: def.condition });
    }
    if (this.driftUp) out.push({ alert_type: 'drift', condition: 'cusum_up' });
    if (this.driftDown) out.push({ alert_type: 'drift', condition: 'cusum_down' });
    if (s.gap.open) out.push({ alert_type: 'data_gap', condition: 'data_gap' });
    return out;
  }

  get lastTs(): number | null {
    return this.s.lastTs;
  }

  get gapOpen(): boolean {
    return this.s.gap.open;
  }

  toJSON(): InstrumentMonitorState {
    const { cusum: _stale, ...rest } = this.s;
    return { ...structuredClone(rest), cusum: this.cusum.toJSON() };
  }

  cusumLevel(): CusumLevel {
    return this.cusum.level();
  }

  snapshot(): MonitorSnapshot {
    const s = this.s;
    const cfg = this.cfg;
    const deadband = Math.max(0, cfg.alarmDeadband);
    const cusum = this.cusum.snapshot();
    const stuckDeadband = Math.max(0, cfg.stuckDeadband);
    return {
      last_reading:
        s.lastTs === null || s.lastValue === null || s.lastQuality === null
          ? null
          : { timestamp: new Date(s.lastTs).toISOString(), value: s.lastValue, quality: s.lastQuality },
      last_good_reading:
        s.lastGoodTs === null || s.lastGoodValue === null
          ? null
          : { timestamp: new Date(s.lastGoodTs).toISOString(), value: s.lastGoodValue },
      readings: { ...s.counts },
      signal: {
        fault: s.signal.active,
        low_ma: cfg.signalLowMa,
        high_ma: cfg.signalHighMa,
        last_ma:
          s.lastValue === null || !Number.isFinite(s.lastValue) || !(cfg.rangeMax > cfg.rangeMin)
            ? null
            : toMilliamps(s.lastValue, cfg.rangeMin, cfg.rangeMax),
      },
      rules: {
        deadband,
        on_delay_seconds: cfg.alarmOnDelaySeconds,
        conditions: RULE_DEFINITIONS.map((def) => {
          const limit = cfg[def.limitKey];
          const st = s.rules[def.condition];
          return {
            condition: def.condition,
            severity: def.severity,
            limit,
            active: st.active,
            pending_since: iso(st.pendingSince),
            clears_at: limit === null ? null : def.side === 'high' ? limit - deadband : limit + deadband,
          };
        }),
      },
      stuck: {
        active: s.stuck.active,
        since: iso(s.stuck.anchorTs),
        band: s.stuck.anchorTs === null ? null : s.stuck.max - s.stuck.min,
        deadband: stuckDeadband,
        window_minutes: cfg.stuckWindowMinutes,
        frozen_seconds:
          s.stuck.anchorTs === null || s.stuck.lastTs === null
            ? null
            : (s.stuck.lastTs - s.stuck.anchorTs) / 1000,
      },
      cusum: {
        ...cusum,
        // The configured k and h (the detector records them only when it scores a window).
        k: cfg.cusumK,
        h: cfg.cusumH,
        run_started_at: iso(cusum.run_started_at),
        last_window_end: iso(cusum.last_window_end),
      },
      data_gap: {
        active: s.gap.open,
        watched: this.gapDetection,
        last_seen: iso(s.lastTs),
        expected_interval_seconds: cfg.publishIntervalSeconds,
        threshold_seconds: GAP_INTERVAL_MULTIPLIER * cfg.publishIntervalSeconds,
      },
      active_conditions: this.activeConditions(),
    };
  }

  private noteDrift(events: readonly DetectorEvent[]): readonly DetectorEvent[] {
    for (const e of events) {
      if (e.alertType !== 'drift') continue;
      if (e.condition === 'cusum_up') this.driftUp = e.kind === 'raise';
      else if (e.condition === 'cusum_down') this.driftDown = e.kind === 'raise';
    }
    return events;
  }

  /** Ingestion said 'fault'; recover which bound for the alert's condition. */
  private faultClassification(quality: Quality, value: number, ts: number): ReadingClassification {
    const c = classifyReading(this.cfg, value, ts);
    if (quality !== 'fault' || c.quality === 'fault') return { ...c, quality };
    // Ingestion judged with settings this monitor has not seen yet: name the nearer bound.
    const bound: SignalBound = c.milliamps < 12 ? 'signal_low' : 'signal_high';
    return { quality: 'fault', bound, milliamps: c.milliamps };
  }

  private gapRaise(now: number): DetectorEvent {
    const s = this.s;
    const lastTs = this.lastSeenTs;
    const every = `(expected every ${formatDuration(this.cfg.publishIntervalSeconds)})`;
    if (lastTs === null) {
      // Never published: flagged after its grace period from when it was armed.
      const since = s.gap.armedAt ?? now;
      return {
        kind: 'raise',
        alertType: 'data_gap',
        condition: 'data_gap',
        severity: 'warning',
        message: `${tagLabel(this.cfg.tag)} has never published: nothing in ${formatDuration(Math.round((now - since) / 1000))} ${every}`,
        ts: now,
        details: {
          last_seen: null,
          never_published: true,
          watched_since: new Date(since).toISOString(),
          publish_interval_seconds: this.cfg.publishIntervalSeconds,
        },
      };
    }
    const silentSeconds = Math.round((now - lastTs) / 1000);
    return {
      kind: 'raise',
      alertType: 'data_gap',
      condition: 'data_gap',
      severity: 'warning',
      message: `${tagLabel(this.cfg.tag)} no data for ${formatDuration(silentSeconds)} ${every}`,
      ts: now,
      details: {
        last_seen: new Date(lastTs).toISOString(),
        silent_seconds: silentSeconds,
        publish_interval_seconds: this.cfg.publishIntervalSeconds,
      },
    };
  }

  private gapClear(ts: number, why = 'data resumed'): DetectorEvent {
    return {
      kind: 'clear',
      alertType: 'data_gap',
      condition: 'data_gap',
      severity: 'warning',
      message: `${tagLabel(this.cfg.tag)} ${why}`,
      ts,
      details: { resumed_at: new Date(ts).toISOString() },
    };
  }
}

function append(events: DetectorEvent[] | null, list: readonly DetectorEvent[]): DetectorEvent[] | null {
  if (list.length === 0) return events;
  const out = events ?? [];
  for (const e of list) out.push(e);
  return out;
}

function hasLimit(cfg: MonitorConfig): boolean {
  return (
    cfg.alarmLowCritical !== null ||
    cfg.alarmLowWarning !== null ||
    cfg.alarmHighWarning !== null ||
    cfg.alarmHighCritical !== null
  );
}

/** A removed limit with an alarm still open must still be evaluated once to clear it. */
function ruleStateBusy(r: RuleState): boolean {
  for (const def of RULE_DEFINITIONS) {
    const c = r[def.condition];
    if (c.active || c.pendingSince !== null) return true;
  }
  return false;
}
