import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CalibrationStates } from './calibration/calibration-states.ts';
import type { Config } from './config.ts';
import type { SecretBox } from './connectors/secret-box.ts';
import type { ConnectorManager } from './connectors/source-manager.ts';
import type { Database, Dialect } from './db/database.ts';
import type { CusumLevel } from './detection/cusum.ts';
import type { DatabaseWrites } from './health/database-writes.ts';
import type { IngestionRuntime } from './ingestion/ingestion-runtime.ts';
import type { JobRunner } from './jobs/job-runner.ts';
import type { AnomalySnapshot } from './ml/anomaly-detector.ts';
import type { GroupStatusSnapshot } from './monitoring/group-monitors.ts';
import type { InstrumentStatusSnapshot } from './monitoring/monitor-service.ts';
import type { Mailer } from './notifications/mailer.ts';
import type { Clock } from './shared/clock.ts';
import type { EventBus } from './shared/events.ts';
import type { Leases } from './shared/leases.ts';
import type { SimulatorRuntime } from './simulator/runtime.ts';

/** A named part of the system that reports its state in GET /health (an object, or a list such as data_gaps). */
export type HealthProvider = () =>
  | Record<string, unknown>
  | unknown[]
  | Promise<Record<string, unknown> | unknown[]>;

export interface LastReading {
  timestamp: string;
  value: number;
  quality: string;
  /** The source said this value is no longer current (e.g. a Sparkplug edge node died). */
  stale?: boolean;
}

/** The live side of the reading store, as the API sees it. */
export interface LiveView {
  lastReading(instrumentId: number): LastReading | null;
  /** Event time (epoch ms) of the newest reading, or null: the cheap form for every instrument. */
  lastSeen(instrumentId: number): number | null;
}

/** The live detectors, as the API sees them (GET /api/instruments/{id}/status). */
export interface MonitorView {
  /** Rule state per limit, CUSUM S+/S- vs h, stuck state, last quality; null for an unknown instrument. */
  snapshot(instrumentId: number): InstrumentStatusSnapshot | null;
  /** The drift CUSUM's sums against h, as the snapshot shows them, without building it. */
  cusumLevel(instrumentId: number): CusumLevel | null;
  /** Residual CUSUMs and anomaly score of a model group with an active model; null otherwise. */
  groupSnapshot(groupId: number): GroupStatusSnapshot | null;
}

/** The live Isolation Forest scoring, as the API sees it (src/ml/anomaly-scorer.ts). */
export interface AnomalyView {
  /** Latest window score of an instrument with an active model; null without one. */
  snapshot(instrumentId: number): AnomalySnapshot | null;
  /** The latest window's score alone (null without a model or a window). */
  score(instrumentId: number): number | null;
}

/**
 * The shared services the composition root (main.ts) builds first; the parts built from them
 * (ingestion, detectors, simulator) take this, not the whole context.
 */
export interface CoreContext {
  readonly config: Config;
  readonly db: Database;
  /**
   * Heavy reads (reports, reading histories, long lists): on SQLite they run in worker threads, so
   * they never hold up the acknowledgement of readings; on PostgreSQL this is `db`. Reads only, no
   * transactions; a read that must see a write of the same request reads `db` (src/db/read-worker-dialect.ts).
   */
  readonly reads: Database;
  readonly dialect: Dialect;
  readonly clock: Clock;
  readonly log: Logger;
  readonly events: EventBus;
  /** Leases on periodic duties: with several processes each scan runs in one (src/shared/leases.ts). */
  readonly leases: Leases;
  /** Parts that report into /health (e.g. 'ingestion', 'broker', 'jobs'), registered at start. */
  readonly health: Map<string, HealthProvider>;
  /** Whether the database takes writes (a full disk or read-only file makes /health degraded). */
  readonly writes: DatabaseWrites;
  /** Prometheus registry served at /metrics; one per app so test apps never collide. */
  readonly metrics: Registry;
  /** Background job runner: register handlers, enqueue jobs (see src/jobs/index.ts). */
  readonly jobs: JobRunner;
  /** Seals and opens connector secrets with the key kept outside the database (src/connectors/). */
  readonly connectorSecrets: SecretBox;
  /** Outgoing e-mail (SMTP_HOST); sends after commit, never fails the change (src/notifications/). */
  readonly mailer: Mailer;
}

/**
 * What every module gets from the composition root (main.ts): built once, after every part exists,
 * and frozen (nothing is set on it later). Modules take only what they need from it; nothing here
 * is a global.
 */
export interface AppContext extends CoreContext {
  /** Latest values from the in-memory reading store. */
  readonly live: LiveView;
  /**
   * MQTT ingestion and the reading store (src/ingestion/ingestion-runtime.ts): the pipeline,
   * instrument cache, live store, writer, broker state, downsampling.
   */
  readonly ingestion: IngestionRuntime;
  /** Live detector state per instrument (src/monitoring/). */
  readonly monitor: MonitorView;
  /** Live anomaly scores per instrument with an active model (src/ml/). */
  readonly anomaly: AnomalyView;
  /** Each instrument's last calibration in force and out-of-tolerance state, in memory (src/calibration/calibration-states.ts). */
  readonly calibrations: CalibrationStates;
  /** The plant simulator behind /api/simulator (src/simulator/runtime.ts). */
  readonly simulator: SimulatorRuntime;
  /** Runs the enabled connector sources (src/connectors/). */
  readonly connectors: ConnectorManager;
}
