import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { AlertAggregator } from './alerts/aggregator.ts';
import { startAlarmScheduler } from './alerts/alarm-scheduler.ts';
import { advanceLocalCheckpoint, startCheckpointWriter } from './audit/audit-checkpoint.ts';
import { bindAuditKey } from './audit/audit-log.ts';
import { CalibrationStates } from './calibration/calibration-states.ts';
import { type Config, keepGeneratedSecrets } from './config.ts';
import { SecretBox } from './connectors/secret-box.ts';
import { ensureSimulatorSource, SIMULATOR_SPARKPLUG_NODE } from './connectors/simulator-source.ts';
import { ConnectorManager } from './connectors/source-manager.ts';
import type { AppContext, CoreContext } from './context.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { DatabaseWrites } from './health/database-writes.ts';
import { buildApp } from './http/app.ts';
import { createIngestion } from './ingestion/ingestion-runtime.ts';
import { JobRunner } from './jobs/job-runner.ts';
import { registerTrainingJob, startAnomalyScorer } from './ml/index.ts';
import { MONITOR_ALERT_TYPES, MonitorService } from './monitoring/monitor-service.ts';
import { withAfterCommit } from './notifications/after-commit.ts';
import { createMailer } from './notifications/mailer.ts';
import { registerReportJobs } from './reports/report-jobs.ts';
import { startMaintenanceScheduler } from './scans/scheduler.ts';
import { seedDemo } from './seed/seed-demo.ts';
import { type Clock, systemClock } from './shared/clock.ts';
import { EventBridge } from './shared/event-bridge.ts';
import { EventBus } from './shared/events.ts';
import { Leases } from './shared/leases.ts';
import { brokerTarget, SimulatorRuntime, topicPrefixOf } from './simulator/runtime.ts';
import { ensureAdmin } from './users/bootstrap-admin.ts';

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Print function for the one-time admin password (tests capture it). */
  print?: (text: string) => void;
  /** Where log lines go (stdout by default; tests capture them). Ignored when `logger` is given. */
  logDestination?: DestinationStream;
}

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  stop(): Promise<void>;
}

export function createLogger(
  config: Config,
  opts: { writes?: DatabaseWrites; destination?: DestinationStream } = {},
): Logger {
  const { writes } = opts;
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    hooks: {
      // A full or read-only database makes every module's writes fail at once; the fault is
      // named once (health/database-writes.ts) and their repeats of it go to debug.
      logMethod(args, method, level) {
        const first = args[0] as { err?: unknown } | null;
        if (writes && level >= 40 && first && typeof first === 'object' && writes.repeats(first.err)) {
          return this.debug.apply(this, args as Parameters<Logger['debug']>);
        }
        return method.apply(this, args);
      },
    },
    // Secrets never reach a log line, whatever a caller passes.
    redact: {
      paths: [
        'req.headers.authorization',
        '*.password',
        '*.password_hash',
        '*.token',
        'password',
        'password_hash',
      ],
      censor: '[redacted]',
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/**
 * The composition root: config -> database -> (ingestion, detectors, schedulers) -> HTTP.
 * `npm start`, the CLI and every integration test start the product through this one function.
 */
export async function startServer(loaded: Config, opts: StartOptions = {}): Promise<RunningServer> {
  // The first start-up step: secrets generated for a development start are kept in DATA_DIR
  // (loading the configuration writes nothing).
  const config = keepGeneratedSecrets(loaded);
  const clock = opts.clock ?? systemClock;
  const writes = new DatabaseWrites(clock);
  const log = opts.logger ?? createLogger(config, { writes, destination: opts.logDestination });
  writes.log = log;
  const handle = openDatabase(config.database, { writes, readWorkers: config.readWorkers });
  const stops: (() => Promise<void> | void)[] = [];
  try {
    await migrateToLatest(handle, (m) => log.info(m));
    const now = clock.now();
    // The audit key is bound before anything is audited; the DATA_DIR checkpoint follows the head.
    const audit = await bindAuditKey(handle.db, config.audit.key, now.toISOString());
    if (!audit.keyMatches) {
      log.error(
        { chain_key_id: audit.boundary.key_id, key_id: audit.key.id },
        'AUDIT_KEY differs from the key this audit trail was started with: GET /api/audit/verify will fail',
      );
    }
    await advanceLocalCheckpoint(handle.db, config.dataDir, now.toISOString(), log);
    const checkpoints = startCheckpointWriter({
      db: handle.db,
      dataDir: config.dataDir,
      everyMs: config.audit.checkpointSeconds * 1000,
      now: () => clock.now(),
      log,
    });
    stops.push(() => checkpoints.stop());
    await ensureAdmin(handle.db, config.admin, now.toISOString(), opts.print);
    if (config.seedDemo) {
      if (config.production) log.warn('SEED_DEMO=true with NODE_ENV=production: loading the demo plant');
      const seeded = await seedDemo(handle.db, now, (m) => log.info(m), config);
      if (seeded.seeded && seeded.users.length) {
        (opts.print ?? ((t: string) => process.stdout.write(t)))(
          `  Demo technicians: ${seeded.users.join(', ')}\n`,
        );
      }
    }

    const core: CoreContext = {
      config,
      db: handle.db,
      reads: handle.reads,
      dialect: handle.dialect,
      clock,
      log,
      events: new EventBus(),
      leases: new Leases({
        db: handle.db,
        dialect: handle.dialect,
        log,
        processName: config.process.name,
        ttlSeconds: config.process.leaseTtlSeconds,
      }),
      health: new Map(),
      writes,
      metrics: new Registry(),
      connectorSecrets: new SecretBox(config.connectors.secretKey),
      mailer: createMailer(config.smtp, log),
      jobs: new JobRunner({
        db: handle.db,
        clock,
        log,
        dataDir: config.dataDir,
        concurrency: config.jobs.concurrency,
        pollMs: config.jobs.pollMs,
        staleSeconds: config.jobs.staleSeconds,
      }),
    };
    core.health.set('jobs', () => core.jobs.health());
    // Stopped late (stops run in reverse): the scans stop first, then the leases are handed back.
    core.leases.start();
    stops.push(() => core.leases.stop());
    core.health.set('leases', () => ({ ...core.leases.health() }));
    // Several processes on PostgreSQL: the events that matter reach every process (LISTEN/NOTIFY).
    if (config.database.kind === 'postgres') {
      const bridge = new EventBridge({
        db: handle.db,
        url: config.database.url,
        schema: handle.schema ?? 'public',
        events: core.events,
        log,
        origin: core.leases.holder,
      });
      await bridge.start();
      stops.push(() => bridge.stop());
      core.health.set('event_bridge', () => bridge.health());
    }
    stops.push(() => core.mailer.close());

    // MQTT ingestion and the reading store: the instrument cache (the one copy of the register in
    // the process, which the detectors follow), no network yet.
    const ingestion = await createIngestion(core, { beforeHandingBack: () => monitoring.checkpoint() });
    const instruments = ingestion.instruments;
    stops.push(() => instruments.stop());

    // What the health scores need of the calibrations, in memory and following their events.
    const calibrations = new CalibrationStates(handle.reads, core.events, log);
    await calibrations.start();
    stops.push(() => calibrations.stop());

    // One alert aggregator for every detector (the monitor's and the anomaly scorer's alerts),
    // stopped after them so their last events are written.
    const alerts = new AlertAggregator({
      db: handle.db,
      log,
      now: () => clock.now().getTime(),
      tagOf: (id) => instruments.get(id)?.tag,
      flushMs: config.monitoring.alertFlushMs,
      types: [...MONITOR_ALERT_TYPES, 'anomaly'],
    });
    await alerts.load();
    const onResolved = (alertId: number, instrumentId: number | null) =>
      alerts.resolved(alertId, instrumentId);
    core.events.on('alert.resolved', onResolved);
    alerts.start();
    stops.push(async () => {
      core.events.off('alert.resolved', onResolved);
      await alerts.stop();
    });

    // Detectors per instrument, fed by the ingestion pipeline. Started before ingestion (and so
    // stopped after it) so no accepted reading misses its detectors.
    const monitoring = new MonitorService({
      db: handle.db,
      config,
      clock,
      log,
      events: core.events,
      metrics: core.metrics,
      instruments,
      aggregator: alerts,
      leases: core.leases,
    });
    await monitoring.start();
    stops.push(() => monitoring.stop());
    core.health.set('monitoring', () => monitoring.health());
    core.health.set('data_gaps', () => monitoring.dataGaps());
    ingestion.pipeline.addSink(monitoring);
    monitoring.setSourceConnected(() => ingestion.broker().connected);
    const partitions = ingestion.partitions;
    if (partitions)
      monitoring.setOwnership((id) => {
        const i = instruments.get(id);
        return i !== undefined && partitions.owns(i);
      });
    // Isolation Forest scoring of instruments with an active model.
    const anomalyScorer = await startAnomalyScorer(core, { instruments, aggregator: alerts });
    stops.push(() => anomalyScorer.stop());
    ingestion.pipeline.addSink(anomalyScorer);
    stops.push(() => ingestion.stop());
    await ingestion.start();

    // Connector sources (Sparkplug B, OPC UA, Modbus TCP) feed the same pipeline; stopped before it.
    const connectors = new ConnectorManager({
      db: handle.db,
      box: core.connectorSecrets,
      ingestion,
      events: core.events,
      leases: core.leases,
      clock,
      log: log.child({ module: 'connectors' }),
      env: {
        embeddedBroker: () => {
          const b = ingestion.broker();
          if (b.mode !== 'embedded' || !b.url) return null;
          return { url: b.url, ...(ingestion.appCredentials() ?? {}) };
        },
      },
    });
    if (config.simulatorSparkplug)
      // Its event tells the other processes (the connectors lease holder may be one of them).
      await withAfterCommit(core, (after) =>
        ensureSimulatorSource(handle.db, core.connectorSecrets, config, clock.now(), after),
      );
    await connectors.start();
    stops.push(() => connectors.stop());

    const simulator = new SimulatorRuntime({
      db: handle.db,
      events: core.events,
      log,
      // The app's own broker login (configured, or generated for the embedded broker).
      broker: () => ({
        ...brokerTarget(config.mqtt, ingestion.broker().port ?? undefined),
        ...(ingestion.appCredentials() ?? {}),
      }),
      topicPrefix: topicPrefixOf(config.mqtt.topic),
      now: () => clock.now(),
      sparkplug: config.simulatorSparkplug ? SIMULATOR_SPARKPLUG_NODE : null,
    });
    stops.push(() => simulator.close());

    // Every part exists: the context is composed once and frozen (nothing is set on it later).
    const ctx: AppContext = Object.freeze({
      ...core,
      live: ingestion.live,
      ingestion,
      monitor: monitoring,
      anomaly: anomalyScorer,
      calibrations,
      simulator,
      connectors,
    });
    // Job handlers that read the context (report exports read the live views).
    registerReportJobs(ctx);
    registerTrainingJob(ctx);

    const app = await buildApp(ctx);
    await app.listen({ port: config.port, host: config.host });
    const { port } = app.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    log.info({ url, dialect: handle.dialect }, 'CBU CMMS listening');
    // Jobs start once every module has registered its handlers and the API answers.
    await ctx.jobs.start();
    stops.push(() => ctx.jobs.stop());
    if (config.simulatorEnabled) await ctx.simulator.start();
    // Calibration overdue + PM (hourly and now), SLA breaches (5-minutely), on the injected clock.
    const scheduler = startMaintenanceScheduler(ctx);
    stops.push(() => scheduler.stop());
    // Shelf expiry and auto-resolve (ALARM_SCAN_SECONDS), on the injected clock.
    const alarmScheduler = startAlarmScheduler(ctx);
    stops.push(() => alarmScheduler.stop());

    let stopped = false;
    return {
      app,
      ctx,
      url,
      async stop() {
        if (stopped) return;
        stopped = true;
        await app.close();
        for (const s of stops.reverse()) await s();
        await handle.close();
      },
    };
  } catch (e) {
    for (const s of stops.reverse()) await s();
    await handle.close();
    throw e;
  }
}
