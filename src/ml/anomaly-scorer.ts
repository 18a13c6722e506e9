// The live side of the Isolation Forest: a reading sink for the ingestion pipeline. Instruments with
// an active model each get an InstrumentAnomalyDetector (pure, anomaly-detector.ts); a reading costs
// one Map lookup and an array push, a closed window one forest evaluation (~100 tree walks). Alerts
// go through the process's alert aggregator like every other detector's (episodes, dedup, the
// batched last_seen); instrument settings come from the ingestion's InstrumentCache (onChange).
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { AlertAggregator } from '../alerts/aggregator.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { FEATURE_SET_VERSION } from '../detection/features.ts';
import type { DetectorEvent, Quality } from '../detection/types.ts';
import type { CachedInstrument, InstrumentSource } from '../ingestion/instrument-cache.ts';
import type { Clock } from '../shared/clock.ts';
import type { DomainEvents, EventBus } from '../shared/events.ts';
import {
  ANOMALY_CONDITION,
  type AnomalyInstrumentConfig,
  type AnomalySnapshot,
  InstrumentAnomalyDetector,
} from './anomaly-detector.ts';
import { activeModelRows, loadModelFile } from './model-service.ts';

/** The part of an ingestion AcceptedReading the scorer reads. */
export interface ScoredReading {
  instrumentId: number;
  ts: number;
  value: number;
  quality: Quality;
}

interface Entry {
  detector: InstrumentAnomalyDetector;
  status: string;
}

export interface AnomalyScorerDeps {
  db: Database;
  config: Config;
  clock: Clock;
  log: Logger;
  events: EventBus;
  /** The one instrument cache of the process (src/ingestion/instrument-cache.ts). */
  instruments: InstrumentSource;
  /** The one alert aggregator of the process (src/alerts/aggregator.ts), loaded before start(). */
  aggregator: AlertAggregator;
}

const TICK_MS = 5_000;

export class AnomalyScorer {
  readonly name = 'anomaly-scorer';
  private readonly entries = new Map<number, Entry>();
  private timer: NodeJS.Timeout | null = null;
  private reloads: Promise<void> = Promise.resolve();
  private readonly detach: (() => void)[] = [];
  private readonly stats = { windows_alerted: 0, load_errors: 0 };

  constructor(private readonly deps: AnomalyScorerDeps) {}

  async start(): Promise<void> {
    await this.loadAll();
    this.listen('model.activated', (id) => void this.reload(id));
    this.detach.push(this.deps.instruments.onChange(this.onInstrumentChange));
    this.timer = setInterval(() => this.tick(this.deps.clock.now().getTime()), TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const d of this.detach.splice(0)) d();
    await this.drain();
  }

  /** Resolves once every queued alert write is done (tests, shutdown). */
  async drain(): Promise<void> {
    await this.deps.aggregator.drain();
  }

  /** ReadingSink. */
  onReadings(batch: readonly ScoredReading[]): void {
    // Arrival time anchors each detector's event clock (see tick()).
    const arrivedAt = this.deps.clock.now().getTime();
    for (const r of batch) {
      const e = this.entries.get(r.instrumentId);
      if (e === undefined) continue;
      const events = e.detector.process(r, arrivedAt);
      if (events.length > 0) this.submit(r.instrumentId, e, events);
      if (e.detector.episodeActive) this.deps.aggregator.touch(r.instrumentId, r.ts, 'anomaly');
    }
  }

  /**
   * Closes windows of instruments that went quiet (the clock, not a reading, ends their window). Each
   * detector reads `now` on its own event clock (last reading's time + wall time since it arrived), so
   * a replay faster than real time is judged like live data.
   */
  tick(now: number): void {
    for (const [id, e] of this.entries) {
      const events = e.detector.tick(now);
      if (events.length > 0) this.submit(id, e, events);
    }
  }

  /** The latest window's score (null before one), without building the snapshot. */
  score(instrumentId: number): number | null {
    return this.entries.get(instrumentId)?.detector.lastScore ?? null;
  }

  snapshot(instrumentId: number): AnomalySnapshot | null {
    return this.entries.get(instrumentId)?.detector.snapshot() ?? null;
  }

  health() {
    return {
      status: this.timer ? 'ok' : 'stopped',
      instruments_with_model: this.entries.size,
      ...this.stats,
    };
  }

  /**
   * (Re)loads one instrument's active model; drops it when it has none. Reloads run one at a time,
   * so a slow load of an older activation never overwrites a newer one (train, then roll back).
   */
  reload(instrumentId: number): Promise<void> {
    this.reloads = this.reloads.then(() => this.reloadNow(instrumentId));
    return this.reloads;
  }

  private async reloadNow(instrumentId: number): Promise<void> {
    try {
      const [row] = await activeModelRows(this.deps.db, instrumentId);
      if (!row) {
        this.entries.delete(instrumentId);
        return;
      }
      const current = this.entries.get(instrumentId);
      if (current && current.detector.modelVersion === row.version) return;
      await this.load([row]);
    } catch (err) {
      this.stats.load_errors++;
      this.deps.log.error({ err, instrument_id: instrumentId }, 'anomaly scorer: loading the model failed');
    }
  }

  private async loadAll(): Promise<void> {
    await this.load(await activeModelRows(this.deps.db));
  }

  private async load(rows: Awaited<ReturnType<typeof activeModelRows>>): Promise<void> {
    if (rows.length === 0) return;
    const { config, instruments, aggregator } = this.deps;
    for (const row of rows) {
      const i = instruments.get(row.instrument_id);
      if (!i) continue;
      try {
        const file = await loadModelFile(config.dataDir, row.model_file);
        if (file.feature_set_version !== FEATURE_SET_VERSION) {
          this.deps.log.warn(
            { tag: i.tag, version: row.version, feature_set_version: file.feature_set_version },
            'anomaly scorer: the active model uses another feature set version; retrain it',
          );
          this.entries.delete(i.id);
          continue;
        }
        const detector = new InstrumentAnomalyDetector(
          file.model,
          row.version,
          configOf(i),
          {
            windowSeconds: file.window_seconds,
            strideSeconds: file.stride_seconds,
            alertWindows: config.ml.anomalyAlertWindows,
            warningThreshold: config.anomaly.warningThreshold,
            criticalThreshold: config.anomaly.criticalThreshold,
            levelLatchSeconds: config.ml.levelLatchSeconds,
            levelAlerts: config.ml.levelAlerts,
          },
          file.score_p50,
        );
        // An anomaly alert still open from before a restart or an earlier model: the next normal
        // window clears its condition.
        const severity = aggregator.openSeverity(i.id, 'anomaly', ANOMALY_CONDITION);
        if (severity) detector.restoreEpisode(severity);
        this.entries.set(i.id, { detector, status: i.status });
      } catch (err) {
        this.stats.load_errors++;
        this.deps.log.error({ err, tag: i.tag, file: row.model_file }, 'anomaly scorer: model file unusable');
      }
    }
  }

  /** The instrument cache changed an entry: new settings, or the instrument is gone. */
  private readonly onInstrumentChange = (id: number, cached: CachedInstrument | null): void => {
    const e = this.entries.get(id);
    if (!e) return;
    if (cached === null) {
      this.entries.delete(id);
      return;
    }
    e.status = cached.status;
    e.detector.setConfig(configOf(cached));
  };

  private submit(instrumentId: number, entry: Entry, events: readonly DetectorEvent[]): void {
    for (const e of events) {
      // An instrument under maintenance or out of service shows odd patterns on purpose.
      if (e.kind === 'raise' && entry.status !== 'active') continue;
      if (e.kind === 'raise') this.stats.windows_alerted++;
      this.deps.aggregator.submit(instrumentId, e);
    }
  }

  private listen<K extends keyof DomainEvents>(name: K, fn: (...args: DomainEvents[K]) => void): void {
    const events = this.deps.events as EventEmitter<DomainEvents>;
    events.on(name, fn as never);
    this.detach.push(() => events.off(name, fn as never));
  }
}

/** The scorer's settings from the cache entry (the detectors' settings: one toMonitorConfig mapping). */
function configOf(i: CachedInstrument): AnomalyInstrumentConfig {
  const m = i.monitor;
  return {
    tag: i.tag,
    rangeMin: m.rangeMin,
    rangeMax: m.rangeMax,
    nominalValue: m.nominalValue,
    publishIntervalSeconds: m.publishIntervalSeconds,
  };
}
