// Wires the ingestion side together for main.ts: instrument cache, live store, batched writer,
// pipeline, the broker (embedded) or subscription (external), and the downsampling schedule.
//
//   const ingestion = await createIngestion(ctx);   // loads instruments and last readings; no network
//   ingestion.pipeline.addSink(detectors);           // before start, so no reading misses them
//   await ingestion.start();                          // embedded broker listens / subscriber connects
//   ...
//   await ingestion.stop();                           // flush, acknowledge, disconnect

import type { CoreContext } from '../context.ts';
import { type GatewayBrokerAccess, gatewayBrokerAccess } from '../gateways/broker-access.ts';
import { LiveStore } from '../readings/live-store.ts';
import { ReadingWriter, type RowToWrite } from '../readings/reading-writer.ts';
import { RetentionScheduler } from '../readings/retention.ts';
import { type BrokerTarget, type EmbeddedBroker, parseBrokerSetting, startEmbeddedBroker } from './broker.ts';
import { BrokerCheck } from './broker-check.ts';
import { IngestStats } from './ingest-stats.ts';
import { InstrumentCache } from './instrument-cache.ts';
import { PartitionOwner } from './partitions.ts';
import { DEFAULT_PIPELINE_OPTIONS, IngestionPipeline } from './pipeline.ts';
import { ExternalSubscriber } from './subscriber.ts';

export interface BrokerState {
  mode: 'embedded' | 'external';
  /** Where publishers connect (embedded) or where we subscribe (external, without credentials). */
  url: string | null;
  /** The embedded broker's bound port (MQTT_PORT=0 picks a free one); null for external. */
  port: number | null;
  connected: boolean;
}

export interface IngestionRuntime {
  pipeline: IngestionPipeline;
  instruments: InstrumentCache;
  live: LiveStore;
  writer: ReadingWriter;
  stats: IngestStats;
  retention: RetentionScheduler;
  /** The tag partitions this process holds (INGEST_PARTITIONS); null when it takes every reading. */
  partitions: PartitionOwner | null;
  broker(): BrokerState;
  /** Live connections of a gateway login on the embedded broker (0 with an external broker). */
  connectionsOf(username: string): number;
  /** The login the app's own MQTT clients (the simulator) use: configured, or generated for the embedded broker. */
  appCredentials(): { username: string; password: string } | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How often connected broker clients are re-checked against the logins in the database. */
const ACCESS_RECHECK_MS = 15_000;

/** The recent window kept in memory per instrument, in minutes (at least the stuck-sensor window). */
const liveWindowMinutes = (ctx: CoreContext) => Math.max(15, ctx.config.stuckSensorMinutes);

export interface IngestionHooks {
  /** Saves detector state before partitions are handed to another process (monitor checkpoint). */
  beforeHandingBack?: () => Promise<void>;
}

export async function createIngestion(
  ctx: CoreContext,
  hooks: IngestionHooks = {},
): Promise<IngestionRuntime> {
  const { config, log: rootLog } = ctx;
  const log = rootLog.child({ module: 'ingestion' });
  const target: BrokerTarget = parseBrokerSetting(config.mqtt.broker, config.mqtt.port);
  let embedded: EmbeddedBroker | null = null;
  let subscriber: ExternalSubscriber | null = null;
  const access: GatewayBrokerAccess | null =
    target.mode === 'embedded'
      ? gatewayBrokerAccess(ctx.db, {
          username: config.mqtt.username,
          password: config.mqtt.password,
          production: config.production,
        })
      : null;
  // Whether the embedded broker accepts anonymous clients now (for /health; refreshed on change).
  let anonymous = false;
  const refreshAccess = async (username?: string) => {
    if (!access || !embedded) return;
    anonymous = await access.anonymousAllowed();
    await embedded.revalidate(username);
  };
  const onGatewayChanged = () => {
    // Any change may also end anonymous access (the first gateway), so every client is re-checked.
    refreshAccess().catch((err: unknown) => log.error({ err }, 're-checking MQTT logins failed'));
  };
  let accessTimer: NodeJS.Timeout | null = null;
  // External broker: what its CONNACK and $SYS show of settings that would drop QoS 1 readings.
  const check =
    target.mode === 'external'
      ? new BrokerCheck(
          {
            protocolVersion: config.mqtt.protocolVersion,
            receiveMaximum: config.mqtt.receiveMaximum,
            sessionExpirySeconds: config.mqtt.sessionExpirySeconds,
            batchSize: config.ingest.batchSize,
          },
          {
            url: target.url,
            clientId: config.mqtt.clientId,
            username: config.mqtt.username,
            password: config.mqtt.password,
            caFile: config.mqtt.caFile,
          },
          (warning) =>
            log.warn({ broker: target.display }, `MQTT BROKER WARNING: ${warning} (see docs/mosquitto.conf)`),
          () => ctx.clock.now(),
        )
      : null;

  const live = new LiveStore({ windowMinutes: liveWindowMinutes(ctx) });
  const stats = new IngestStats(log, ctx.metrics, {
    queueDepth: () => writer.depth,
    brokerConnected: () => brokerState().connected,
  });
  const writer = new ReadingWriter(
    ctx.db,
    ctx.dialect,
    {
      batchSize: config.ingest.batchSize,
      flushMs: config.ingest.flushMs,
      queueMax: config.ingest.queueMax,
      now: () => ctx.clock.now().getTime(),
    },
    {
      committed(rows: readonly RowToWrite[], inserted: number, seconds: number, commitMs: number) {
        stats.flushes++;
        stats.stored += inserted;
        stats.duplicates += rows.length - inserted;
        stats.flushSeconds.observe(seconds);
        for (const r of rows) stats.lag.observe(Math.max(0, (commitMs - r.ts) / 1000));
      },
      failed() {
        stats.flushErrors++;
      },
    },
    log,
  );
  const instruments = new InstrumentCache(ctx.db, config, ctx.events, log);
  await instruments.start();
  await live.prime(
    ctx.db,
    [...instruments.all()].map((i) => i.id),
  );
  const pipeline = new IngestionPipeline(instruments, live, writer, stats, ctx.clock, log, {
    ...DEFAULT_PIPELINE_OPTIONS,
    maxPayloadBytes: config.ingest.maxPayloadBytes,
  });
  // Several processes on any broker: each handles the instruments of the tag partitions it holds.
  const partitions =
    config.ingest.partitions > 0 && target.mode === 'external'
      ? new PartitionOwner({
          leases: ctx.leases,
          log,
          partitions: config.ingest.partitions,
          ttlSeconds: config.process.leaseTtlSeconds,
          now: () => Date.now(),
          async beforeRelease() {
            await writer.flushAll();
            await hooks.beforeHandingBack?.();
          },
          onTaken(taken) {
            for (const p of taken) pipeline.replay(partitions?.standby.take(p) ?? []);
          },
        })
      : null;
  pipeline.setOwnership(partitions);
  ctx.leases.want('retention');
  const retention = new RetentionScheduler(
    { db: ctx.db, dialect: ctx.dialect, log, sizing: { pauseMs: config.ingest.downsamplePauseMs } },
    ctx.clock,
    undefined,
    (pass) => ctx.leases.runExclusive('retention', pass),
    () => ctx.leases.holds('retention'),
  );

  const brokerState = (): BrokerState =>
    target.mode === 'embedded'
      ? {
          mode: 'embedded',
          url: embedded?.url ?? null,
          port: embedded?.port ?? null,
          connected: embedded !== null,
        }
      : { mode: 'external', url: target.display, port: null, connected: subscriber?.connected ?? false };

  // Several processes: the broker hands each message of a shared subscription to one of them
  // (docs/scaling.md: how Mosquitto and EMQX choose, and what it means for order).
  const subscribedTopic =
    target.mode === 'external' && config.mqtt.sharedGroup
      ? `$share/${config.mqtt.sharedGroup}/${config.mqtt.topic}`
      : config.mqtt.topic;
  ctx.health.set('broker', () => {
    const b = brokerState();
    return {
      mode: b.mode,
      url: b.url,
      connected: b.connected,
      ...(embedded
        ? {
            port: embedded.port,
            listen_host: config.mqtt.host,
            clients: embedded.clients(),
            anonymous_allowed: anonymous,
          }
        : {}),
      ...(subscriber
        ? {
            client_id: config.mqtt.clientId,
            connected_since: subscriber.connectedSince,
            last_error: subscriber.lastError,
            acks_sent: subscriber.acksSent,
            acks_skipped: subscriber.acksSkipped,
            check: check?.report ?? null,
          }
        : {}),
    };
  });
  ctx.health.set('ingestion', () => {
    const rates = stats.rates();
    return {
      status: brokerState().connected ? 'ok' : 'degraded',
      topic: subscribedTopic,
      instruments: instruments.size,
      messages_per_second: rates.messages,
      readings_per_second: rates.readings,
      queue_depth: writer.depth,
      event_loop_delay_ms: stats.loopDelay.snapshot(),
      messages_total: stats.messages,
      accepted_total: stats.readingsAccepted,
      stored_total: stats.stored,
      duplicates_total: stats.duplicates,
      flush_errors_total: stats.flushErrors,
      rejected: { ...stats.rejected },
      unknown_tags: stats.unknownTags(),
      downsampling: retention.status(),
      ...(partitions ? { partitions: partitions.health(), held_elsewhere_total: stats.heldElsewhere } : {}),
    };
  });

  let started = false;
  return {
    pipeline,
    instruments,
    live,
    writer,
    stats,
    retention,
    partitions,
    broker: brokerState,
    connectionsOf: (username) => embedded?.connectionsOf(username) ?? 0,
    appCredentials: () =>
      access
        ? access.app
        : config.mqtt.username !== null
          ? { username: config.mqtt.username, password: config.mqtt.password ?? '' }
          : null,
    async start() {
      if (started) return;
      started = true;
      stats.start();
      if (target.mode === 'embedded') {
        embedded = await startEmbeddedBroker({
          host: config.mqtt.host,
          port: config.mqtt.port,
          fallbackToFreePort: !config.mqtt.portExplicit,
          access: access ?? undefined,
          topic: config.mqtt.topic,
          log,
          onReadings(topic, payload, done) {
            // Back-pressure: hold the publisher (its PUBACK and its next socket read) until the
            // write queue has room again.
            if (pipeline.full) void pipeline.whenDrained().then(() => pipeline.ingest(topic, payload, done));
            else pipeline.ingest(topic, payload, done);
          },
        });
        anonymous = (await access?.anonymousAllowed()) ?? false;
        const loopback = ['127.0.0.1', '::1', 'localhost'].includes(config.mqtt.host);
        if (anonymous && !loopback)
          log.warn(
            { host: config.mqtt.host },
            'the embedded MQTT broker accepts anonymous clients on a network address: set MQTT_USERNAME/MQTT_PASSWORD or add a gateway',
          );
        ctx.events.on('gateway.changed', onGatewayChanged);
        // Changes made elsewhere (the CLI, another process) reach live connections on the next check.
        accessTimer = setInterval(onGatewayChanged, ACCESS_RECHECK_MS);
        accessTimer.unref();
      } else {
        // Hold our share of the partitions before the first reading arrives.
        await partitions?.start();
        subscriber = new ExternalSubscriber(
          {
            url: target.url,
            display: target.display,
            clientId: config.mqtt.clientId,
            username: config.mqtt.username,
            password: config.mqtt.password,
            // Several processes: the broker hands each message of the shared subscription to one of
            // them (docs/scaling.md: how Mosquitto and EMQX choose, and what it means for order).
            topic: subscribedTopic,
            protocolVersion: config.mqtt.protocolVersion,
            receiveMaximum: config.mqtt.receiveMaximum,
            sessionExpirySeconds: config.mqtt.sessionExpirySeconds,
            caFile: config.mqtt.caFile,
            onConnack: (connack) => {
              check
                ?.onConnack(connack)
                .catch((err: unknown) => log.warn({ err }, 'MQTT broker check failed'));
            },
          },
          pipeline,
          log,
        );
        subscriber.start();
      }
      retention.start();
    },
    async stop() {
      // Commit (and acknowledge) what arrived, then disconnect, then write any stragglers: their
      // PUBACKs can no longer be sent, so the broker redelivers them and they are stored once.
      await retention.stop();
      if (accessTimer) clearInterval(accessTimer);
      ctx.events.off('gateway.changed', onGatewayChanged);
      await writer.flushAll();
      if (embedded) await embedded.close();
      if (subscriber) await subscriber.stop();
      await partitions?.stop();
      await writer.stop();
      embedded = null;
      stats.stop();
      instruments.stop();
    },
  };
}
