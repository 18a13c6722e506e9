import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from './config.ts';
import type { Database, Dialect } from './db/database.ts';
import type { Clock } from './shared/clock.ts';
import type { EventBus } from './shared/events.ts';

/** A named part of the system that reports its state in GET /health and /metrics. */
export type HealthProvider = () => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface LastReading {
  timestamp: string;
  value: number;
  quality: string;
}

/** The live side of the reading store, as the API sees it. */
export interface LiveView {
  lastReading(instrumentId: number): LastReading | null;
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
  /** Parts that report into /health (e.g. 'ingestion', 'broker', 'jobs'), registered at start. */
  health: Map<string, HealthProvider>;
  /** Prometheus registry served at /metrics; one per app so test apps never collide. */
  metrics: Registry;
  /** Latest values from the in-memory reading store (empty until ingestion starts). */
  live: LiveView;
}
