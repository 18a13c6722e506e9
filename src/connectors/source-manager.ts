// Runs the enabled connector sources: builds each one's adapter from its kind's factory, feeds its
// readings into the ingestion pipeline (ingestDecoded: same checks, stamps, writer and detectors as
// MQTT JSON; submit resolves after the commit), turns its stale reports into one source alert per
// unit, and restarts it whenever the source changes ('connector_source.changed', bridged between
// processes on PostgreSQL).
//
// With several processes only the holder of the 'connectors' lease runs sources (a Modbus poll or an
// OPC UA subscription twice would double the load on the plant's devices); a survivor takes over
// when the holder dies. On SQLite the one process always runs them.

import type { Logger } from 'pino';
import { clearSourceAlert, raiseSourceAlert, type SourceAlertKey } from '../alerts/source-alerts.ts';
import type { Database } from '../db/database.ts';
import type { IngestionRuntime } from '../ingestion/ingestion-runtime.ts';
import type { Clock } from '../shared/clock.ts';
import type { EventBus } from '../shared/events.ts';
import type { Leases } from '../shared/leases.ts';
import { connectorKind } from './registry.ts';
import type { SecretBox } from './secret-box.ts';
import { listEnabledSourceIds, loadRunnableSource, type RunnableSource } from './source-service.ts';
import type {
  ConnectorAdapter,
  ConnectorEnv,
  ConnectorReading,
  ConnectorSink,
  ConnectorStatus,
} from './types.ts';

export interface ConnectorManagerDeps {
  db: Database;
  box: SecretBox;
  ingestion: IngestionRuntime;
  events: EventBus;
  leases: Leases;
  clock: Clock;
  log: Logger;
  env: ConnectorEnv;
  /** How often the lease is checked (ms). */
  leaseCheckMs?: number;
}

const LEASE = 'connectors';

interface Running {
  source: RunnableSource;
  adapter: ConnectorAdapter;
}

/** The source alert of one unit (edge node, device, server) of a source. */
export const staleAlertKey = (sourceId: number, unit: string): SourceAlertKey => ({
  source: `connector:${sourceId}:${unit}`.slice(0, 200),
  alertType: 'data_gap',
  conditionKey: 'source_offline',
});

export class ConnectorManager {
  private readonly running = new Map<number, Running>();
  /** Last start failure per source (bad secret, unknown kind), shown as its status. */
  private readonly failures = new Map<number, string>();
  /** Serialises restarts per source, so a burst of changes ends in the latest state. */
  private readonly chains = new Map<number, Promise<void>>();
  private alertWrites: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private active = false;
  private stopped = false;
  private readonly onChanged = (id: number) => {
    if (this.active) void this.restart(id);
  };

  constructor(private readonly deps: ConnectorManagerDeps) {}

  async start(): Promise<void> {
    this.deps.events.on('connector_source.changed', this.onChanged);
    this.deps.leases.want(LEASE, () => void this.checkLease());
    await this.checkLease();
    this.timer = setInterval(() => void this.checkLease(), this.deps.leaseCheckMs ?? 10_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.deps.events.off('connector_source.changed', this.onChanged);
    await this.stopAll();
    await this.alertWrites;
  }

  /** The live status of a source; 'stopped' when this process does not run it. */
  status(id: number): ConnectorStatus {
    const r = this.running.get(id);
    if (r) return r.adapter.status();
    const failure = this.failures.get(id) ?? null;
    return {
      state: failure ? 'error' : 'stopped',
      lastError: failure,
      lastReadingAt: null,
      readingsPerMinute: 0,
    };
  }

  /** Whether this process runs connectors (holds the lease). */
  get runsSources(): boolean {
    return this.active;
  }

  /** A one-off connection test of a config (not necessarily stored), with a throw-away adapter. */
  async test(source: RunnableSource): Promise<string> {
    const adapter = this.build(source, { submit: async () => {} });
    return adapter.testConnection();
  }

  private async checkLease(): Promise<void> {
    if (this.stopped) return;
    const held = (await this.deps.leases.runExclusive(LEASE, async () => true)) === true;
    if (held && !this.active) {
      this.active = true;
      const ids = await listEnabledSourceIds(this.deps.db);
      await Promise.all(ids.map((id) => this.restart(id)));
    } else if (!held && this.active) {
      this.active = false;
      await this.stopAll();
    }
  }

  private async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all(all.map((r) => r.adapter.stop().catch(() => {})));
  }

  /** Stops the source if it runs, then starts it again if it is (still) enabled. */
  restart(id: number): Promise<void> {
    const run = (this.chains.get(id) ?? Promise.resolve()).then(() => this.restartNow(id));
    const settled = run.catch((err: unknown) =>
      this.deps.log.error({ err, source_id: id }, 'connector restart failed'),
    );
    this.chains.set(id, settled);
    return settled;
  }

  private async restartNow(id: number): Promise<void> {
    const prev = this.running.get(id);
    if (prev) {
      this.running.delete(id);
      await prev.adapter.stop().catch(() => {});
      this.deps.log.info({ source_id: id, source: prev.source.name }, 'connector source stopped');
    }
    this.failures.delete(id);
    if (!this.active || this.stopped) return;
    let source: RunnableSource | null;
    try {
      source = await loadRunnableSource(this.deps.db, this.deps.box, id);
    } catch (err) {
      this.failures.set(id, (err as Error).message);
      this.deps.log.error({ source_id: id, err: (err as Error).message }, 'connector source cannot start');
      return;
    }
    if (!source?.enabled) return;
    const adapter = this.build(source, this.sinkFor(source));
    this.running.set(id, { source, adapter });
    await adapter.start();
    this.deps.log.info({ source_id: id, source: source.name, kind: source.kind }, 'connector source started');
  }

  private build(source: RunnableSource, sink: ConnectorSink): ConnectorAdapter {
    const spec = connectorKind(source.kind);
    if (!spec) throw new Error(`the ${source.kind} connector is not part of this build`);
    return spec.factory({
      sourceId: source.id,
      name: source.name,
      config: source.config,
      points: source.points,
      sink,
      log: this.deps.log.child({ connector: source.kind, source_id: source.id, source: source.name }),
      env: this.deps.env,
    });
  }

  private sinkFor(source: RunnableSource): ConnectorSink {
    const { ingestion } = this.deps;
    const pipeline = ingestion.pipeline;
    const origin = `connector:${source.name}`;
    return {
      submit: (readings: ConnectorReading[]) =>
        new Promise<void>((resolve) => {
          const go = () => pipeline.ingestDecoded(readings, origin, resolve);
          // Back-pressure: hold the adapter until the write queue has room again.
          if (pipeline.full) void pipeline.whenDrained().then(go);
          else go();
        }),
      knows: (tag) => ingestion.instruments.byTagName(tag) !== undefined,
      markStale: (unit, tags, reason, at) => {
        const ids = tags.flatMap((t) => {
          const i = ingestion.instruments.byTagName(t);
          return i ? [i.id] : [];
        });
        ingestion.live.markStale(ids, at);
        const shown = tags.slice(0, 20).join(', ') + (tags.length > 20 ? `, … (${tags.length})` : '');
        const message =
          `${source.name}: ${unit} ${reason}; ` +
          (tags.length > 0
            ? `data of ${tags.length} instrument(s) is stale: ${shown}`
            : 'no mapped instruments');
        this.writeAlert(source, unit, 'raise', at, message, { unit, reason, tags });
      },
      clearStale: (unit, at) => this.writeAlert(source, unit, 'clear', at, `${source.name}: ${unit} is back`),
    };
  }

  private writeAlert(
    source: RunnableSource,
    unit: string,
    kind: 'raise' | 'clear',
    at: number,
    message: string,
    details?: Record<string, unknown>,
  ): void {
    const { db, log } = this.deps;
    const key = staleAlertKey(source.id, unit);
    const iso = new Date(at).toISOString();
    this.alertWrites = this.alertWrites
      .then(async () => {
        if (kind === 'clear') {
          if (await clearSourceAlert(db, key, iso)) log.info({ source: source.name, unit }, message);
          return;
        }
        const { alert, created } = await raiseSourceAlert(db, {
          ...key,
          severity: 'warning',
          message,
          details: { source_id: source.id, ...details },
          at: iso,
        });
        if (created) log.warn({ alert_id: alert.id, source: source.name, unit }, message);
      })
      .catch((err: unknown) =>
        log.error({ err, source: source.name, unit }, `connector alert ${kind} failed`),
      );
  }
}
