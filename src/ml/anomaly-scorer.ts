// The live side of the Isolation Forest: a reading sink for the ingestion pipeline. Instruments with
// an active model each get an InstrumentAnomalyDetector (pure, anomaly-detector.ts); a reading costs
// one Map lookup and an array push, a closed window one forest evaluation (~100 tree walks). Alerts
// go through raiseAlert / clearAlertCondition on a serial queue that onReadings never awaits.
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { clearAlertCondition, raiseAlert } from '../alerts/alert-service.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { FEATURE_SET_VERSION } from '../detection/features.ts';
import type { DetectorEvent, Quality, Severity } from '../detection/types.ts';
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
  /** The ingestion cache entry: a new object whenever the instrument's row was reloaded. */
  instrument?: {
    readonly status: string;
    readonly tag: string;
    readonly monitor: {
      rangeMin: number;
      rangeMax: number;
      nominalValue: number | null;
      publishIntervalSeconds: number;
    };
  };
}

interface Entry {
  detector: InstrumentAnomalyDetector;
  source: object | null;
  status: string;
}

export interface AnomalyScorerDeps {
  db: Database;
  config: Config;
  clock: Clock;
  log: Logger;
  events: EventBus;
}

const TICK_MS = 5_000;

export class AnomalyScorer {
  readonly name = 'anomaly-scorer';
  private readonly entries = new Map<number, Entry>();
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private readonly detach: (() => void)[] = [];
  private readonly stats = { windows_alerted: 0, alert_errors: 0, load_errors: 0 };

  constructor(private readonly deps: AnomalyScorerDeps) {}

  async start(): Promise<void> {
    await this.loadAll();
    this.listen('model.activated', (id) => void this.reload(id));
    this.listen('instrument.changed', (id) => void this.reload(id));
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
    let last: Promise<void> | null = null;
    while (last !== this.queue) {
      last = this.queue;
      await last;
    }
  }

  /** ReadingSink. */
  onReadings(batch: readonly ScoredReading[]): void {
    // Arrival time anchors each detector's event clock (see tick()).
    const arrivedAt = this.deps.clock.now().getTime();
    for (const r of batch) {
      const e = this.entries.get(r.instrumentId);
      if (e === undefined) continue;
      if (r.instrument !== undefined && r.instrument !== e.source) {
        e.source = r.instrument;
        e.status = r.instrument.status;
        e.detector.setConfig(configOf(r.instrument.tag, r.instrument.monitor));
      }
      const events = e.detector.process(r, arrivedAt);
      if (events.length > 0) this.submit(r.instrumentId, e, events);
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

  /** (Re)loads one instrument's active model and settings; drops it when it has none. */
  async reload(instrumentId: number): Promise<void> {
    try {
      const [row] = await activeModelRows(this.deps.db, instrumentId);
      if (!row) {
        this.entries.delete(instrumentId);
        return;
      }
      const current = this.entries.get(instrumentId);
      if (current && current.detector.modelVersion === row.version) {
        await this.refreshSettings([instrumentId]);
        return;
      }
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
    const { db, config } = this.deps;
    const ids = rows.map((r) => r.instrument_id);
    const instruments = await db
      .selectFrom('instruments')
      .select(SCORER_COLUMNS)
      .where('id', 'in', ids)
      .execute();
    const open = await db
      .selectFrom('alert_records')
      .select(['instrument_id', 'severity'])
      .where('instrument_id', 'in', ids)
      .where('alert_type', '=', 'anomaly')
      .where('condition_key', '=', ANOMALY_CONDITION)
      .where('status', '<>', 'resolved')
      .where('cleared_at', 'is', null)
      .execute();
    const openBy = new Map(open.map((a) => [a.instrument_id, a.severity as Severity]));
    const byId = new Map(instruments.map((i) => [i.id, i]));
    for (const row of rows) {
      const i = byId.get(row.instrument_id);
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
          rowConfig(i),
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
        const severity = openBy.get(i.id);
        if (severity) detector.restoreEpisode(severity);
        this.entries.set(i.id, { detector, source: null, status: i.status });
      } catch (err) {
        this.stats.load_errors++;
        this.deps.log.error({ err, tag: i.tag, file: row.model_file }, 'anomaly scorer: model file unusable');
      }
    }
  }

  private async refreshSettings(ids: number[]): Promise<void> {
    const rows = await this.deps.db
      .selectFrom('instruments')
      .select(SCORER_COLUMNS)
      .where('id', 'in', ids)
      .execute();
    for (const i of rows) {
      const e = this.entries.get(i.id);
      if (!e) continue;
      e.status = i.status;
      e.detector.setConfig(rowConfig(i));
    }
  }

  private submit(instrumentId: number, entry: Entry, events: readonly DetectorEvent[]): void {
    for (const e of events) {
      // An instrument under maintenance or out of service shows odd patterns on purpose.
      if (e.kind === 'raise' && entry.status !== 'active') continue;
      this.queue = this.queue.then(() => this.write(instrumentId, e));
    }
  }

  private async write(instrumentId: number, e: DetectorEvent): Promise<void> {
    const at = new Date(e.ts).toISOString();
    try {
      if (e.kind === 'raise') {
        await raiseAlert(this.deps.db, {
          instrumentId,
          alertType: 'anomaly',
          conditionKey: e.condition,
          severity: e.severity,
          message: e.message,
          details: e.details,
          at,
        });
        this.stats.windows_alerted++;
      } else {
        await clearAlertCondition(
          this.deps.db,
          { instrumentId, alertType: 'anomaly', conditionKey: e.condition },
          at,
        );
      }
    } catch (err) {
      this.stats.alert_errors++;
      this.deps.log.error({ err, instrument_id: instrumentId }, 'anomaly scorer: writing the alert failed');
    }
  }

  private listen<K extends keyof DomainEvents>(name: K, fn: (...args: DomainEvents[K]) => void): void {
    const events = this.deps.events as EventEmitter<DomainEvents>;
    events.on(name, fn as never);
    this.detach.push(() => events.off(name, fn as never));
  }
}

/** The register columns the scorer reads. */
const SCORER_COLUMNS = [
  'id',
  'tag',
  'status',
  'range_min',
  'range_max',
  'nominal_value',
  'publish_interval_seconds',
] as const;

/** The scorer's settings from a register row. */
function rowConfig(i: {
  tag: string;
  range_min: number;
  range_max: number;
  nominal_value: number | null;
  publish_interval_seconds: number;
}): AnomalyInstrumentConfig {
  return configOf(i.tag, {
    rangeMin: i.range_min,
    rangeMax: i.range_max,
    nominalValue: i.nominal_value,
    publishIntervalSeconds: i.publish_interval_seconds,
  });
}

/** The scorer's settings from the detectors' settings (the ingestion cache's entry). */
function configOf(
  tag: string,
  m: { rangeMin: number; rangeMax: number; nominalValue: number | null; publishIntervalSeconds: number },
): AnomalyInstrumentConfig {
  return {
    tag,
    rangeMin: m.rangeMin,
    rangeMax: m.rangeMax,
    nominalValue: m.nominalValue,
    publishIntervalSeconds: m.publishIntervalSeconds,
  };
}
