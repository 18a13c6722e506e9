// The contract between the connector framework (sources, secrets, the manager that runs adapters)
// and the protocol adapters (sparkplug/, opcua/, modbus/). Adapters know their protocol and their
// point mappings; the framework knows the database, the API and the ingestion pipeline.

export type ConnectorKind = 'sparkplug' | 'opcua' | 'modbus';
export const CONNECTOR_KINDS: readonly ConnectorKind[] = ['sparkplug', 'opcua', 'modbus'];

/** A reading from a connector, already mapped to an instrument tag and engineering units. */
export interface ConnectorReading {
  tag: string;
  ts: number /* epoch ms */;
  value: number;
  quality: 'good' | 'bad' | 'uncertain';
}

/** Where adapters deliver readings: the same pipeline as MQTT JSON (validation, quality stamps, detectors). Resolves after the readings are committed. */
export interface ConnectorSink {
  submit(readings: ConnectorReading[]): Promise<void>;
  /**
   * The source lost these instruments (Sparkplug NDEATH/DDEATH, a peer that went away): their last
   * values are marked stale and one alert is raised per `unit` (an edge node, a device, a server),
   * not per instrument. Optional for adapters; the framework always provides it.
   */
  markStale?(unit: string, tags: string[], reason: string, at: number): void;
  /** The unit is back (a birth, a reconnect): its alert's condition clears. */
  clearStale?(unit: string, at: number): void;
  /** Whether the tag is a live instrument (for adapters that map by name). */
  knows?(tag: string): boolean;
}

/** What the running CMMS offers adapters beyond the sink. */
export interface ConnectorEnv {
  /** The embedded MQTT broker's URL and the app's own login; null with an external broker. */
  embeddedBroker(): { url: string; username?: string; password?: string } | null;
}

export interface ConnectorStatus {
  state: 'stopped' | 'connecting' | 'connected' | 'error';
  lastError: string | null;
  lastReadingAt: string | null;
  readingsPerMinute: number;
  /** Protocol-specific figures for the status page (e.g. rebirth requests, sequence gaps). */
  details?: Record<string, number | string | boolean | null>;
}

export interface ConnectorAdapter {
  start(): Promise<void>; // connects, then keeps itself connected (reconnect with back-off) until stop()
  stop(): Promise<void>;
  status(): ConnectorStatus;
  /** One-off connection test for the "Test connection" button: resolves with a short description or throws an Error with a clear message. */
  testConnection(): Promise<string>;
}

/** What an adapter is built from: a source's stored config (secrets already decrypted) and its point mappings. */
export interface AdapterArgs<Config, Point> {
  sourceId: number;
  name: string;
  config: Config;
  points: Point[];
  sink: ConnectorSink;
  log: import('pino').Logger;
  env: ConnectorEnv;
}

export type AdapterFactory<Config, Point> = (args: AdapterArgs<Config, Point>) => ConnectorAdapter;
