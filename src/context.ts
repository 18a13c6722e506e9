import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from './config.ts';
import type { Database, Dialect } from './db/database.ts';
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
}

/** The live side of the reading store, as the API sees it. */
export interface LiveView {
  lastReading(instrumentId: number): LastReading | null;
}

/** The live detectors, as the API sees them (GET /api/instruments/{id}/status). */
export interface MonitorView {
  /** Rule state per limit, CUSUM S+/S- vs h, stuck state, last quality; null for an unknown instrument. */
  snapshot(instrumentId: number): InstrumentStatusSnapshot | null;
  /** Residual CUSUMs and anomaly score of a model group with an active model; null otherwise. */
  groupSnapshot(groupId: number): GroupStatusSnapshot | null;
}

/** The live Isolation Forest scoring, as the API sees it (src/ml/anomaly-scorer.ts). */
export interface AnomalyView {
  /** Latest window score of an instrument with an active model; null without one. */
  snapshot(instrumentId: number): AnomalySnapshot | null;
}

/**
 * What every module gets from the composition root (main.ts). Modules take only what they need
 * from it; nothing here is a global.
 */
export interface AppContext {
  config: Config;
  db: Database;
  dialect: Dialect;
  clock: Clock;
  log: Logger;
  events: EventBus;
  /** Leases on periodic duties: with several processes each scan runs in one (src/shared/leases.ts). */
  leases: Leases;
  /** Parts that report into /health (e.g. 'ingestion', 'broker', 'jobs'), registered at start. */
  health: Map<string, HealthProvider>;
  /** Whether the database takes writes (a full disk or read-only file makes /health degraded). */
  writes: DatabaseWrites;
  /** Prometheus registry served at /metrics; one per app so test apps never collide. */
  metrics: Registry;
  /** Latest values from the in-memory reading store (empty until ingestion starts). */
  live: LiveView;
  /**
   * MQTT ingestion and the reading store (src/ingestion/ingestion-runtime.ts): the pipeline (add
   * detector sinks here), instrument cache, live store, writer, broker state, downsampling.
   */
  ingestion: IngestionRuntime | null;
  /** Background job runner: register handlers, enqueue jobs (see src/jobs/index.ts). */
  jobs: JobRunner;
  /** Live detector state per instrument (src/monitoring/); answers null until monitoring starts. */
  monitor: MonitorView;
  /** Live anomaly scores per instrument with an active model (src/ml/); null before it starts. */
  anomaly: AnomalyView;
  /** The plant simulator behind /api/simulator (src/simulator/runtime.ts); null until wired. */
  simulator: SimulatorRuntime | null;
  /** Outgoing e-mail (SMTP_HOST); sends after commit, never fails the change (src/notifications/). */
  mailer: Mailer;
}
