// The live side of monitoring: a reading sink for the ingestion pipeline that routes each accepted
// reading to its instrument's InstrumentMonitor, hands raise / clear events to the alert aggregator,
// runs the data-gap clock and checkpoints detector state. Nothing here runs SQL per reading: the
// instrument settings come from the ingestion's InstrumentCache (followed through its onChange, the
// one copy of the register in the process), events go to the aggregator's queue, and state is saved
// in one transaction per checkpoint period.
import type { EventEmitter } from 'node:events';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AggregatorLogger, AlertAggregator } from '../alerts/aggregator.ts';
import {
  clearSourceAlert,
  openSourceAlert,
  raiseSourceAlert,
  type SourceAlertKey,
} from '../alerts/source-alerts.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { CusumLevel } from '../detection/cusum.ts';
import { GAP_INTERVAL_MULTIPLIER, SOURCE_INGESTION, SourceGapClock } from '../detection/data-gap.ts';
import { type MonitoredInstrument, referenceBaseline, watchesGaps } from '../detection/instrument-config.ts';
import type { DetectorEvent, Quality } from '../detection/types.ts';
import type { CachedInstrument, InstrumentSource } from '../ingestion/instrument-cache.ts';
import type { Clock } from '../shared/clock.ts';
import type { DomainEvents, EventBus } from '../shared/events.ts';
import type { Leases } from '../shared/leases.ts';
import {
  CheckpointWriter,
  deleteMonitorCheckpoint,
  loadMonitorCheckpoint,
  loadMonitorCheckpoints,
} from './checkpoints.ts';
import { GroupMonitors, type GroupStatusSnapshot, saveGroupCheckpoints } from './group-monitors.ts';
import {
  InstrumentMonitor,
  type InstrumentMonitorOptions,
  type MonitorSnapshot,
} from './instrument-monitor.ts';
import { loadLastSeen, recordLastSeen } from './last-seen.ts';

/** The part of an ingestion AcceptedReading the monitor needs. */
export interface MonitoredReading {
  instrumentId: number;
  /** Event time, epoch ms. */
  ts: number;
  value: number;
  quality: Quality;
  /** A connector's source called the value bad (see ingestion/pipeline.ts). */
  sourceBad?: boolean;
}

export interface InstrumentStatusSnapshot extends MonitorSnapshot {
  instrument_id: number;
  tag: string;
}

export interface DataGap {
  tag: string;
  last_seen: string | null;
}

export interface MonitorServiceDeps {
  db: Database;
  config: Config;
  clock: Clock;
  log: AggregatorLogger & { debug?(obj: object, msg?: string): void };
  events: EventBus;
  /** The one instrument cache of the process (src/ingestion/instrument-cache.ts). */
  instruments: InstrumentSource;
  /** The one alert aggregator of the process (src/alerts/aggregator.ts), loaded before start(). */
  aggregator: AlertAggregator;
  /** Several processes: only the holder of the data-gap lease judges gaps (docs/scaling.md). */
  leases?: Leases;
  metrics?: Registry;
  /** Whether the ingestion subscriber is connected (for the source alert's message). */
  sourceConnected?: () => boolean;
}

const SOURCE_KEY: SourceAlertKey = {
  source: SOURCE_INGESTION,
  alertType: 'data_gap',
  conditionKey: 'data_gap',
};

/** The alert types this service's detectors raise (the anomaly scorer raises 'anomaly'). */
export const MONITOR_ALERT_TYPES = ['rule_violation', 'instrument_fault', 'data_gap', 'drift'] as const;

interface Tracked {
  /** The cache entry the settings were taken from (a new object whenever the row was reloaded). */
  cached: CachedInstrument;
  instrument: Readonly<MonitoredInstrument>;
  monitor: InstrumentMonitor;
  /** State changed since the last checkpoint. */
  dirty: boolean;
}

const ERROR_LOG_INTERVAL_MS = 60_000;
/** The lease of the data-gap judge when several processes share the readings. */
export const DATA_GAP_LEASE = 'scan.data_gaps';

/** The source alert of a model group's anomaly (one per group, not per member). */
const groupSourceKey = (groupId: number): SourceAlertKey => ({
  source: `model_group:${groupId}`,
  alertType: 'anomaly',
  conditionKey: 'group_anomaly',
});

export class MonitorService {
  readonly aggregator: AlertAggregator;
  private readonly tracked = new Map<number, Tracked>();
  /**
   * Several processes on a shared subscription (docs/scaling.md): when an instrument's readings
   * start (again) arriving here, another process may have run its detectors meanwhile, so its
   * state is taken from the newest checkpoint first. Wall time of the last reading handled here,
   * and the readings held while the checkpoint loads.
   */
  private readonly handover: boolean;
  /**
   * Several processes (the same switch as the handover): each records the newest reading per
   * instrument it received in instrument_last_seen, and only the holder of DATA_GAP_LEASE judges
   * data gaps, from that table, so readings moving between processes are no gap.
   */
  private readonly sharedGaps: boolean;
  /** Newest event time per instrument received here since the last write to instrument_last_seen. */
  private readonly seen = new Map<number, number>();
  private sharedTicking: Promise<void> | null = null;
  private readonly lastHere = new Map<number, number>();
  private readonly restoring = new Map<number, MonitoredReading[]>();
  private readonly errorLoggedAt = new Map<number, number>();
  private readonly monitorOptions: InstrumentMonitorOptions['cusum'];
  private gapTimer: NodeJS.Timeout | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private checkpointing: Promise<void> | null = null;
  /** Writes only the states that changed since this process last wrote them. */
  private readonly checkpoints: CheckpointWriter;
  private started = false;
  private readonly detach: (() => void)[] = [];
  private readonly eventCounter: Counter<'alert_type' | 'kind'> | null;
  private readonly stats = { readings: 0, unknown_instrument: 0, errors: 0 };
  /** The ingestion source as a whole: event-time clock of the gap checks, and its own gap. */
  private source: SourceGapClock;
  /** Source threshold (ms); null while no instrument is watched for gaps. */
  private sourceThresholdMs: number | null = null;
  /** A recount of the threshold is queued (once for a burst of register changes). */
  private thresholdRecount = false;
  /** Next event time at which the gap check runs from the readings themselves (replay). */
  private nextEventCheck = Number.NEGATIVE_INFINITY;
  /** Source alert writes, in order (raise before its clear). */
  private sourceWrites: Promise<void> = Promise.resolve();
  private sourceConnected: (() => boolean) | null;
  private handles: ((instrumentId: number) => boolean) | null = null;
  /** Model groups with an active model: residual drift and the group anomaly score. */
  private readonly groups: GroupMonitors;

  constructor(private readonly deps: MonitorServiceDeps) {
    this.handover =
      (deps.config.mqtt.sharedGroup !== null || deps.config.ingest.partitions > 0) &&
      deps.config.mqtt.target.mode !== 'embedded';
    // Tag partitions judge gaps per process (only the instruments each one handles); a shared
    // subscription moves instruments between processes at will, so one lease holder judges them all.
    this.sharedGaps = this.handover && deps.config.mqtt.sharedGroup !== null && deps.leases !== undefined;
    const { config } = deps;
    this.checkpoints = new CheckpointWriter(deps.db);
    this.source = new SourceGapClock(deps.clock.now().getTime(), config.monitoring.gapGraceSeconds * 1000);
    this.sourceConnected = deps.sourceConnected ?? null;
    this.groups = new GroupMonitors((id) => this.tracked.get(id)?.monitor.config ?? null, {
      limitFactor: config.ml.groupAnomalyLimitFactor,
      persistence: config.ml.groupAnomalyPersistence,
    });
    this.monitorOptions = {
      windowSeconds: config.cusum.windowMinutes * 60,
      warmupWindows: config.monitoring.cusumWarmupWindows,
    };
    this.aggregator = deps.aggregator;
    if (deps.metrics) {
      this.eventCounter = new Counter({
        name: 'cmms_detector_events_total',
        help: 'Detector raise and clear events, by alert type',
        labelNames: ['alert_type', 'kind'],
        registers: [deps.metrics],
      });
      const dataGaps = () => this.dataGaps().length;
      new Gauge({
        name: 'cmms_instruments_in_data_gap',
        help: 'Instruments with no reading within 2x their publish interval',
        registers: [deps.metrics],
        collect(this: Gauge) {
          this.set(dataGaps());
        },
      });
      const source = () => this.source;
      new Gauge({
        name: 'cmms_ingestion_source_gap',
        help: '1 while nothing at all arrives from the ingestion source (one data_gap alert)',
        registers: [deps.metrics],
        collect(this: Gauge) {
          this.set(source().isOpen ? 1 : 0);
        },
      });
    } else this.eventCounter = null;
  }

  /**
   * Takes the instruments from the cache, restores checkpointed state, marks which open alerts the
   * restored detectors still hold (the aggregator is loaded), starts the clocks.
   */
  async start(): Promise<void> {
    const { db, clock } = this.deps;
    const now = clock.now().getTime();
    const checkpoints = await loadMonitorCheckpoints(db);
    const instruments = [...this.deps.instruments.all()];
    this.source = new SourceGapClock(now, this.deps.config.monitoring.gapGraceSeconds * 1000);
    for (const i of instruments) this.track(i, checkpoints.get(i.id));
    await this.primeLastSeen(
      instruments.filter((i) => !checkpoints.has(i.id)).map((i) => i.id),
      now,
    );
    // Every instrument gets the grace period from start-up: the time the process was down, or the
    // end of a seeded history, is not a gap of the instrument's; one never heard from is flagged
    // once the grace period is over.
    for (const t of this.tracked.values()) t.monitor.armGapClock(now);
    await this.loadGroups();
    this.updateSourceThreshold();
    if ((await openSourceAlert(db, SOURCE_KEY)) !== null) this.source.restoreOpen();
    for (const [id, t] of this.tracked) {
      this.aggregator.markPresent(
        id,
        [...t.monitor.activeConditions(), ...this.groups.driftConditions(id)],
        MONITOR_ALERT_TYPES,
      );
    }

    this.detach.push(this.deps.instruments.onChange(this.onInstrumentChange));
    // The suppression window itself is opened by the calibration and maintenance services, in the
    // transaction that records the work; raiseAlert applies it.
    this.listen('calibration.recorded', (id, at) => this.onCalibration(id, at));
    this.listen('model_group.changed', (groupId) => void this.loadGroups(groupId));

    const { gapCheckSeconds, checkpointSeconds } = this.deps.config.monitoring;
    if (this.sharedGaps) this.deps.leases?.want(DATA_GAP_LEASE);
    this.gapTimer = setInterval(() => {
      if (!this.sharedGaps) this.clockTick();
      else this.sharedTicking ??= this.sharedClockTick().finally(() => (this.sharedTicking = null));
    }, gapCheckSeconds * 1000);
    this.gapTimer.unref();
    this.checkpointTimer = setInterval(() => void this.checkpoint(), checkpointSeconds * 1000);
    this.checkpointTimer.unref();
    this.started = true;
    this.deps.log.info({ instruments: this.tracked.size, restored: checkpoints.size }, 'monitoring started');
  }

  /** Stops the clocks, writes queued alerts and checkpoints every instrument's state. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.gapTimer) clearInterval(this.gapTimer);
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    for (const d of this.detach.splice(0)) d();
    await this.sharedTicking;
    if (this.sharedGaps) await this.writeLastSeen();
    await this.aggregator.drain();
    await this.sourceWrites;
    await this.checkpoint();
  }

  /**
   * Tag partitions (INGEST_PARTITIONS): only the instruments this process handles are judged here
   * (data gaps, CUSUM windows); the others' readings go to another process.
   */
  setOwnership(handles: (instrumentId: number) => boolean): void {
    this.handles = handles;
  }

  /** The subscriber's connection state, known once ingestion is created (after monitoring). */
  setSourceConnected(fn: () => boolean): void {
    this.sourceConnected = fn;
  }

  /** ReadingSink: called by the ingestion pipeline with each batch of accepted readings. */
  onReadings(batch: readonly MonitoredReading[]): void {
    const wall = this.deps.clock.now().getTime();
    const checkMs = this.deps.config.monitoring.gapCheckSeconds * 1000;
    // Several processes: a process sees a subset of the readings, so a jump of its own event time
    // is no silence of the source (that judging is the lease holder's, on wall time).
    const jumpMs = this.sharedGaps
      ? Number.POSITIVE_INFINITY
      : (this.sourceThresholdMs ?? Number.POSITIVE_INFINITY);
    for (const r of batch) {
      const src = this.source.recordReading(r.ts, wall, jumpMs);
      if (src.events.length > 0) this.submitSource(src.events);
      if (src.resumed) this.rearm(this.source.newestTs ?? r.ts);
      const t = this.tracked.get(r.instrumentId);
      if (t === undefined) {
        // Not in the register (deleted meanwhile): the cache dropped it before this batch.
        this.stats.unknown_instrument++;
        continue;
      }
      if (this.sharedGaps) {
        const prev = this.seen.get(r.instrumentId);
        if (prev === undefined || r.ts > prev) this.seen.set(r.instrumentId, r.ts);
      }
      if (this.handover && this.heldForHandover(r, wall)) continue;
      try {
        const events = t.monitor.process(r);
        t.dirty = true;
        if (events.length > 0) this.submit(r.instrumentId, events);
        if (t.monitor.hasActiveCondition()) this.aggregator.touch(r.instrumentId, r.ts);
      } catch (err) {
        this.logError(t, err, 'detector failed on a reading');
      }
      try {
        const g = this.groups.process(r.instrumentId, r);
        if (g) {
          for (const d of g.drift) this.submit(d.instrumentId, d.events);
          if (g.group) this.submitSource(g.group.events, groupSourceKey(g.group.groupId));
          if (this.groups.latched(r.instrumentId)) this.aggregator.touch(r.instrumentId, r.ts);
        }
      } catch (err) {
        this.logError(t, err, 'model group detector failed on a reading');
      }
      // The gap check on event time: every DATA_GAP_CHECK_SECONDS of it, whatever the replay speed.
      const newest = this.source.newestTs;
      if (newest !== null && newest >= this.nextEventCheck) {
        this.nextEventCheck = newest + checkMs;
        // Several processes: gaps are judged by the lease holder's timer, from every process's readings.
        this.tick(newest, this.sharedGaps ? null : newest);
      }
    }
    this.stats.readings += batch.length;
  }

  /**
   * The wall-clock timer: the source's own gap (nothing arriving at all), then the instruments'
   * gaps at the newest reading's event time. While the source is silent that time stands still,
   * so no instrument is judged: the outage is one source alert, not one per instrument.
   */
  clockTick(lagMs = 0): void {
    const wall = this.deps.clock.now().getTime();
    this.updateSourceThreshold();
    if (this.sourceThresholdMs !== null) {
      const events = this.source.check(wall, this.sourceThresholdMs, {
        ...(this.sourceConnected ? { connected: this.sourceConnected() } : {}),
      });
      if (events.length > 0) this.submitSource(events);
    }
    const newest = this.source.newestTs;
    if (newest !== null) this.tick(this.source.eventNow(wall), newest - lagMs);
  }

  /**
   * Several processes, every DATA_GAP_CHECK_SECONDS: write what this process received to
   * instrument_last_seen; the holder of the data-gap lease then reads every process's, moves its
   * gap clocks by it (a reading elsewhere ends a gap) and judges the source and the instruments, a
   * check period late (the other processes' writes lag by up to one). The others close CUSUM
   * windows only.
   */
  async sharedClockTick(): Promise<void> {
    const { leases, db, config } = this.deps;
    if (!leases) return;
    try {
      await this.writeLastSeen();
      const lease = await leases.acquire(DATA_GAP_LEASE);
      const wall = this.deps.clock.now().getTime();
      if (lease === 'none') {
        const newest = this.source.newestTs;
        if (newest !== null) this.tick(this.source.eventNow(wall), null);
        return;
      }
      // Taken over (or first held): the gaps another holder raised are cleared here when they end.
      if (lease === 'taken') await this.adoptOpenGaps();
      const seen = await loadLastSeen(db);
      let newest = Number.NEGATIVE_INFINITY;
      for (const [id, ts] of seen) {
        const t = this.tracked.get(id);
        if (!t || !watchesGaps(t.instrument)) continue;
        newest = Math.max(newest, ts);
        const events = t.monitor.noteSeen(ts);
        if (events.length > 0) {
          t.dirty = true;
          this.submit(id, events);
        }
      }
      // Readings that reached other processes show the source is alive (and end its gap).
      if (newest > (this.source.newestTs ?? Number.NEGATIVE_INFINITY)) {
        const src = this.source.recordReading(newest, wall, Number.POSITIVE_INFINITY);
        if (src.events.length > 0) this.submitSource(src.events);
        if (src.resumed) this.rearm(newest);
      }
      this.clockTick(2 * config.monitoring.gapCheckSeconds * 1000);
    } catch (err) {
      this.deps.log.error({ err }, 'data-gap check across processes failed');
    }
  }

  /** Writes the newest reading per instrument received here; kept for the next try on failure. */
  private async writeLastSeen(): Promise<void> {
    if (this.seen.size === 0) return;
    const batch = new Map(this.seen);
    this.seen.clear();
    try {
      await recordLastSeen(this.deps.db, batch, this.deps.clock.now().toISOString());
    } catch (err) {
      for (const [id, ts] of batch)
        if (ts > (this.seen.get(id) ?? Number.NEGATIVE_INFINITY)) this.seen.set(id, ts);
      throw err;
    }
  }

  /** The open data_gap alerts (instrument and source) become this process's to clear. */
  private async adoptOpenGaps(): Promise<void> {
    const open = await this.aggregator.load(['data_gap']);
    for (const a of open) {
      if (a.cleared) continue;
      const last = typeof a.details?.last_seen === 'string' ? Date.parse(a.details.last_seen) : Number.NaN;
      this.tracked.get(a.instrument_id)?.monitor.restoreGapOpen(Number.isFinite(last) ? last : null);
    }
    if ((await openSourceAlert(this.deps.db, SOURCE_KEY)) !== null) this.source.restoreOpen();
  }

  /**
   * The instruments' clock at event time `now` (public so tests and replays can drive it): CUSUM
   * windows close at `now`, data gaps are judged at `gapNow` (the newest reading of any instrument;
   * null: not judged).
   */
  tick(now: number, gapNow: number | null = now): void {
    for (const [id, t] of this.tracked) {
      if (this.handles && !this.handles(id)) continue;
      try {
        const events = t.monitor.tick(now, gapNow);
        if (events.length > 0) {
          t.dirty = true;
          this.submit(id, events);
        }
        if (gapNow !== null && t.monitor.gapOpen) this.aggregator.touch(id, gapNow, 'gap');
      } catch (err) {
        this.logError(t, err, 'detector clock failed');
      }
    }
  }

  /** Live state of a model group's detectors; null when it has no active model. */
  groupSnapshot(groupId: number): GroupStatusSnapshot | null {
    return this.groups.snapshot(groupId);
  }

  /** Whether the instrument's drift CUSUM runs on its model group's residual. */
  driftByGroup(instrumentId: number): boolean {
    return this.groups.hasDriftModel(instrumentId);
  }

  /**
   * The drift CUSUM's sums against h (the residual one for a model-group member), as snapshot()
   * shows them, without building the whole snapshot: the dashboard scores every instrument.
   */
  cusumLevel(instrumentId: number): CusumLevel | null {
    const t = this.tracked.get(instrumentId);
    if (!t) return null;
    const residual = this.groups.residualSnapshot(instrumentId);
    if (residual) return { sPlus: residual.s_plus, sMinus: residual.s_minus, h: residual.h };
    return t.monitor.cusumLevel();
  }

  snapshot(instrumentId: number): InstrumentStatusSnapshot | null {
    const t = this.tracked.get(instrumentId);
    if (!t) return null;
    const snap = t.monitor.snapshot();
    // A member of a model group: its drift CUSUM is the residual one (its own is paused), and the
    // status page and the health score must show that one.
    const residual = this.groups.residualSnapshot(instrumentId);
    if (residual) {
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      snap.cusum = {
        ...snap.cusum,
        ...residual,
        run_started_at: iso(residual.run_started_at),
        last_window_end: iso(residual.last_window_end),
      };
    }
    return { instrument_id: instrumentId, tag: t.instrument.tag, ...snap };
  }

  /** Instruments now in a data gap, for /health. */
  dataGaps(): DataGap[] {
    const out: DataGap[] = [];
    for (const t of this.tracked.values()) {
      if (!t.monitor.gapOpen || (this.handles && !this.handles(t.instrument.id))) continue;
      const last = t.monitor.lastTs;
      out.push({ tag: t.instrument.tag, last_seen: last === null ? null : new Date(last).toISOString() });
    }
    return out.sort((a, b) => a.tag.localeCompare(b.tag));
  }

  health() {
    const newest = this.source.newestTs;
    return {
      status: this.started ? 'ok' : 'stopped',
      instruments: this.tracked.size,
      source_gap: this.source.isOpen,
      newest_reading: newest === null ? null : new Date(newest).toISOString(),
      readings_processed: this.stats.readings,
      readings_unknown_instrument: this.stats.unknown_instrument,
      detector_errors: this.stats.errors,
      alerts: this.aggregator.health(),
    };
  }

  /** Saves the state of every instrument that changed since the last checkpoint. */
  async checkpoint(): Promise<void> {
    while (this.checkpointing) await this.checkpointing;
    const states: { instrumentId: number; state: ReturnType<InstrumentMonitor['toJSON']> }[] = [];
    for (const [id, t] of this.tracked) {
      if (!t.dirty) continue;
      t.dirty = false;
      states.push({ instrumentId: id, state: t.monitor.toJSON() });
    }
    const groups = this.groups.takeDirty();
    if (states.length === 0 && groups.length === 0) return;
    const at = this.deps.clock.now().toISOString();
    this.checkpointing = this.checkpoints
      .save(states, at)
      .then(() => saveGroupCheckpoints(this.deps.db, groups, at))
      .catch((err) => {
        for (const s of states) {
          const t = this.tracked.get(s.instrumentId);
          if (t) t.dirty = true;
        }
        this.groups.markDirty(groups.map((g) => g.groupId));
        this.deps.log.error({ err, instruments: states.length }, 'detector checkpoint failed');
      })
      .finally(() => (this.checkpointing = null));
    await this.checkpointing;
  }

  /** Waits until every queued alert write is done (tests and shutdown). */
  async drain(): Promise<void> {
    await this.aggregator.drain();
    await this.sourceWrites;
  }

  /** Event time now: the newest reading's time, or the wall clock before the first reading. */
  private eventNow(): number {
    return this.source.newestTs ?? this.deps.clock.now().getTime();
  }

  /** The source threshold: DATA_GAP_SOURCE_SECONDS, or 2x the shortest publish interval if longer. */
  private updateSourceThreshold(): void {
    let shortest = Number.POSITIVE_INFINITY;
    for (const t of this.tracked.values()) {
      if (watchesGaps(t.instrument)) shortest = Math.min(shortest, t.instrument.publish_interval_seconds);
    }
    this.sourceThresholdMs = Number.isFinite(shortest)
      ? Math.max(this.deps.config.monitoring.sourceGapSeconds, GAP_INTERVAL_MULTIPLIER * shortest) * 1000
      : null;
  }

  /** Data flows again after a source gap: every instrument gets the grace period from `ts`. */
  private rearm(ts: number): void {
    for (const t of this.tracked.values()) {
      if (t.monitor.gapOpen) continue;
      t.monitor.armGapClock(ts);
      t.dirty = true;
    }
  }

  private submitSource(events: readonly DetectorEvent[], key: SourceAlertKey = SOURCE_KEY): void {
    const { db, log } = this.deps;
    for (const e of events) {
      this.eventCounter?.inc({ alert_type: e.alertType, kind: e.kind });
      const at = new Date(e.ts).toISOString();
      this.sourceWrites = this.sourceWrites
        .then(async () => {
          if (e.kind === 'raise') {
            const { alert, created } = await raiseSourceAlert(db, {
              ...key,
              severity: e.severity,
              message: e.message,
              details: e.details,
              at,
            });
            if (created) log.warn({ alert_id: alert.id, source: key.source }, e.message);
          } else {
            await clearSourceAlert(db, key, at);
            log.info({ source: key.source }, e.message);
          }
        })
        .catch((err) => log.error({ err, source: key.source }, `source alert ${e.kind} failed`));
    }
  }

  private listen<K extends keyof DomainEvents>(name: K, fn: (...args: DomainEvents[K]) => void): void {
    const events = this.deps.events as EventEmitter<DomainEvents>;
    events.on(name, fn as never);
    this.detach.push(() => events.off(name, fn as never));
  }

  private submit(instrumentId: number, events: readonly DetectorEvent[]): void {
    for (const e of events) {
      this.aggregator.submit(instrumentId, e);
      this.eventCounter?.inc({ alert_type: e.alertType, kind: e.kind });
    }
  }

  /** The instrument cache changed an entry (created, edited here or in another process, deleted). */
  private readonly onInstrumentChange = (id: number, cached: CachedInstrument | null): void => {
    const t = this.tracked.get(id);
    if (cached === null) {
      if (!t) return;
      this.tracked.delete(id);
      this.aggregator.forgetInstrument(id);
      this.checkpoints.forget(id);
      deleteMonitorCheckpoint(this.deps.db, id).catch((err) =>
        this.deps.log.error({ err, instrument_id: id }, 'deleting the detector checkpoint failed'),
      );
    } else if (!t) {
      // A new instrument: its grace period to publish runs from now.
      this.track(cached).monitor.armGapClock(this.eventNow());
    } else {
      this.applyRow(t, cached);
    }
    // The threshold looks at every instrument: recount it once after a burst of changes (an import
    // changes thousands in one go), still before any reading is processed (readings come as I/O).
    if (this.thresholdRecount) return;
    this.thresholdRecount = true;
    queueMicrotask(() => {
      this.thresholdRecount = false;
      this.updateSourceThreshold();
    });
  };

  /** New settings for a tracked instrument; a changed reference baseline starts a new CUSUM run. */
  private applyRow(t: Tracked, cached: CachedInstrument): void {
    const row = cached.row;
    const before = referenceBaseline(t.instrument);
    const after = referenceBaseline(row);
    t.cached = cached;
    t.instrument = row;
    const now = this.eventNow();
    this.submit(row.id, t.monitor.setConfig(cached.monitor, { gapDetection: watchesGaps(row), now }));
    if (before?.mean !== after?.mean || before?.sigma !== after?.sigma) {
      // Against a new reference (none: a new warm-up) the old sums mean nothing.
      this.submit(row.id, t.monitor.resetCusum(t.monitor.lastTs ?? now, after));
    }
    this.groups.refreshConfigs(row.id);
    t.dirty = true;
  }

  /**
   * (Re)loads the active model groups (one or all): members of a group with a drift model hand
   * their drift CUSUM to the group's residual; members that left get their own back.
   */
  private async loadGroups(groupId?: number): Promise<void> {
    try {
      const { added, removed } = await this.groups.load(this.deps.db, groupId);
      const now = this.eventNow();
      for (const id of [...added, ...removed]) {
        const t = this.tracked.get(id);
        if (!t) continue;
        this.submit(id, t.monitor.setGroupDrift(this.groups.hasDriftModel(id), t.monitor.lastTs ?? now));
        t.dirty = true;
      }
      this.deps.log.info(
        { groups: this.groups.groupIds().length, group_id: groupId ?? null },
        'model groups loaded',
      );
    } catch (err) {
      this.deps.log.error({ err, group_id: groupId ?? null }, 'loading model groups failed');
    }
  }

  private track(cached: CachedInstrument, saved?: ReturnType<InstrumentMonitor['toJSON']>): Tracked {
    const i = cached.row;
    const cfg = cached.monitor;
    const options: InstrumentMonitorOptions = {
      cusum: this.monitorOptions,
      baseline: referenceBaseline(i),
      gapDetection: watchesGaps(i),
      gapGraceSeconds: this.deps.config.monitoring.gapGraceSeconds,
    };
    let monitor: InstrumentMonitor | null = null;
    if (saved) {
      try {
        monitor = InstrumentMonitor.fromJSON(saved, cfg, options);
      } catch (err) {
        this.deps.log.warn(
          { err, tag: i.tag, instrument_id: i.id },
          'detector checkpoint unusable: starting fresh',
        );
      }
    }
    const t: Tracked = {
      cached,
      instrument: i,
      monitor: monitor ?? new InstrumentMonitor(cfg, options),
      dirty: false,
    };
    this.tracked.set(i.id, t);
    return t;
  }

  /** True when the reading waits for the instrument's checkpoint (first reading here in a while). */
  private heldForHandover(r: MonitoredReading, wall: number): boolean {
    const held = this.restoring.get(r.instrumentId);
    if (held) {
      held.push(r);
      return true;
    }
    const last = this.lastHere.get(r.instrumentId);
    this.lastHere.set(r.instrumentId, wall);
    const quietMs = 2 * this.deps.config.monitoring.checkpointSeconds * 1000;
    if (last !== undefined && wall - last <= quietMs) return false;
    this.restoring.set(r.instrumentId, [r]);
    void this.takeOverCheckpoint(r.instrumentId);
    return true;
  }

  /** Adopts the saved state when it is newer than ours, then processes the held readings in order. */
  private async takeOverCheckpoint(id: number): Promise<void> {
    try {
      const saved = await loadMonitorCheckpoint(this.deps.db, id);
      const t = this.tracked.get(id);
      if (
        saved &&
        t &&
        (saved.lastTs ?? Number.NEGATIVE_INFINITY) > (t.monitor.lastTs ?? Number.NEGATIVE_INFINITY)
      ) {
        this.track(t.cached, saved);
        this.checkpoints.forget(id);
        // Readings the other process had already counted (a replay after a partition moved) are not counted twice.
        const upTo = saved.lastTs ?? Number.NEGATIVE_INFINITY;
        const held = this.restoring.get(id) ?? [];
        this.restoring.set(
          id,
          held.filter((r) => r.ts > upTo),
        );
        this.deps.log.info(
          { instrument_id: id, tag: t.instrument.tag, last_ts: saved.lastTs },
          'detector state taken over from the checkpoint of another process',
        );
      }
    } catch (err) {
      this.deps.log.error({ err, instrument_id: id }, 'loading a detector checkpoint on handover failed');
    } finally {
      const held = this.restoring.get(id) ?? [];
      this.restoring.delete(id);
      if (held.length > 0 && this.started) this.onReadings(held);
    }
  }

  /** Without a checkpoint, the newest stored reading still starts the gap clock. */
  private async primeLastSeen(ids: readonly number[], now: number): Promise<void> {
    for (const id of ids) {
      const row = await this.deps.db
        .selectFrom('raw_readings')
        .select((eb) => eb.fn.max('ts').as('ts'))
        .where('instrument_id', '=', id)
        .executeTakeFirst();
      const ts = row?.ts === null || row?.ts === undefined ? null : Number(row.ts);
      const t = this.tracked.get(id);
      if (t && ts !== null) t.monitor.armGapClock(now, ts);
    }
  }

  /** A calibration moves zero and span: the old CUSUM run says nothing about the new output. */
  private onCalibration(id: number, at: string): void {
    const t = this.tracked.get(id);
    if (!t) return;
    const parsed = Date.parse(at);
    const ts = Number.isFinite(parsed) ? parsed : this.deps.clock.now().getTime();
    this.submit(id, t.monitor.resetCusum(ts));
    this.submit(id, this.groups.resetMember(id, ts));
    t.dirty = true;
  }

  private logError(t: Tracked, err: unknown, msg: string): void {
    this.stats.errors++;
    const now = this.deps.clock.now().getTime();
    const last = this.errorLoggedAt.get(t.instrument.id) ?? 0;
    if (now - last < ERROR_LOG_INTERVAL_MS) return;
    this.errorLoggedAt.set(t.instrument.id, now);
    this.deps.log.error({ err, tag: t.instrument.tag, instrument_id: t.instrument.id }, msg);
  }
}
