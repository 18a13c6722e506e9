// The subscription to an external broker (Mosquitto, EMQX, ...): mqtt.js, QoS 1, a fixed client id
// and a persistent session, with each PUBACK sent only after the message's readings are committed.
//
// mqtt.js acknowledges a QoS 1 message when its `handleMessage` hook calls back, and handles one
// message at a time until then; holding that callback until a commit would let one message through
// per transaction. So the hook hands the message to the pipeline and calls back with a marker error,
// which makes mqtt.js go on to the next packet without sending its own PUBACK; the writer sends the
// PUBACK after the commit. A PUBACK from an earlier connection is never sent on a new one: the
// broker redelivers those messages and the primary key stores them once.
//
// MQTT 5 lets us size the broker's in-flight window ourselves (Receive Maximum, MQTT_RECEIVE_MAXIMUM);
// with MQTT 3.1.1 the broker decides (Mosquitto: max_inflight_messages, default 20), which caps
// throughput at window / commit time. See docs/operations.md, "MQTT broker settings".

import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { IngestionPipeline } from './pipeline.ts';

export interface SubscriberOptions {
  url: string;
  display: string;
  clientId: string;
  username: string | null;
  password: string | null;
  topic: string;
  protocolVersion: 4 | 5;
  receiveMaximum: number;
  sessionExpirySeconds: number;
  caFile: string | null;
  /** Sees each CONNACK (the start-up check of the broker's settings, broker-check.ts). */
  onConnack?: (connack: IConnackPacket) => void;
}

/** Passed to mqtt.js's handleMessage callback: "carry on, the PUBACK is ours to send". */
const DEFERRED_ACK = Object.freeze(new Error('PUBACK deferred until the readings are committed'));

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const ERROR_LOG_MS = 60_000;

type PacketWriter = {
  _sendPacket(packet: object, cb?: () => void, cbStorePut?: () => void, noStore?: boolean): void;
};

export class ExternalSubscriber {
  private client: MqttClient | null = null;
  private generation = 0;
  private backoffMs = MIN_BACKOFF_MS;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private lastErrorLog = 0;
  private subscribed = false;
  connectedSince: string | null = null;
  lastError: string | null = null;
  /** PUBACKs sent after commit, and those skipped because the connection they belonged to is gone. */
  acksSent = 0;
  acksSkipped = 0;

  constructor(
    private readonly opts: SubscriberOptions,
    private readonly pipeline: IngestionPipeline,
    private readonly log: Logger,
  ) {}

  get connected(): boolean {
    return this.client?.connected === true && this.subscribed;
  }

  /** Starts connecting in the background; the server does not wait for the broker. */
  start(): void {
    const o = this.opts;
    const options: IClientOptions = {
      clientId: o.clientId,
      clean: false,
      protocolVersion: o.protocolVersion,
      reconnectPeriod: 0, // our own back-off below
      connectTimeout: 10_000,
      keepalive: 30,
      resubscribe: false,
      queueQoSZero: false,
      ...(o.username !== null ? { username: o.username, password: o.password ?? '' } : {}),
      ...(o.caFile ? { ca: readFileSync(o.caFile) } : {}),
      ...(o.protocolVersion === 5
        ? { properties: { receiveMaximum: o.receiveMaximum, sessionExpiryInterval: o.sessionExpirySeconds } }
        : {}),
    };
    const client = mqtt.connect(o.url, options);
    if (typeof (client as unknown as PacketWriter)._sendPacket !== 'function')
      throw new Error('this mqtt.js version has no _sendPacket; the deferred PUBACK needs it');
    this.client = client;
    client.handleMessage = (packet, callback) => this.onMessage(packet, callback);
    client.on('connect', (connack) => {
      this.generation++;
      this.backoffMs = MIN_BACKOFF_MS;
      this.connectedSince = new Date().toISOString();
      this.lastError = null;
      this.log.info(
        { broker: o.display, client_id: o.clientId, session_present: connack.sessionPresent },
        'connected to MQTT broker',
      );
      o.onConnack?.(connack);
      if (connack.sessionPresent && this.subscribed) return;
      this.subscribed = false;
      client.subscribe(o.topic, { qos: 1 }, (err, granted) => {
        const refused = granted?.some((g) => g.qos > 2);
        if (err || refused) {
          this.noteError(err ?? new Error(`subscription to ${o.topic} refused`));
          client.end(true);
          return;
        }
        this.subscribed = true;
        this.log.info({ topic: o.topic }, 'subscribed to readings');
      });
    });
    client.on('error', (err) => this.noteError(err));
    client.on('close', () => {
      this.connectedSince = null;
      if (this.stopping) return;
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.stopping) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopping && this.client && !this.client.connected) this.client.reconnect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private noteError(err: Error): void {
    this.lastError = err.message;
    const now = Date.now();
    if (now - this.lastErrorLog < ERROR_LOG_MS) return;
    this.lastErrorLog = now;
    this.log.warn(
      { err: err.message, broker: this.opts.display },
      'MQTT broker unavailable; retrying with back-off',
    );
  }

  private onMessage(packet: IPublishPacket, callback: (error?: Error) => void): void {
    // Back-pressure: when the write queue is full, stop reading (mqtt.js waits for this callback
    // before it parses the next packet, so TCP and then the broker hold the rest).
    if (this.pipeline.full) void this.pipeline.whenDrained().then(() => this.deliver(packet, callback));
    else this.deliver(packet, callback);
  }

  private deliver(packet: IPublishPacket, callback: (error?: Error) => void): void {
    const { qos, messageId } = packet;
    const payload = packet.payload;
    if (qos === 1 && messageId !== undefined) {
      this.pipeline.ingest(packet.topic, payload, this.ackFor(this.generation, messageId));
      callback(DEFERRED_ACK);
    } else if (qos === 2) {
      // Our subscription is QoS 1, so brokers downgrade QoS 2 to us; if one comes anyway,
      // mqtt.js finishes its handshake when we call back, after the commit.
      this.pipeline.ingest(packet.topic, payload, () => callback());
    } else {
      this.pipeline.ingest(packet.topic, payload, null);
      callback();
    }
  }

  private ackFor(gen: number, messageId: number): () => void {
    return () => this.puback(gen, messageId);
  }

  private puback(gen: number, messageId: number): void {
    const client = this.client;
    if (!client || gen !== this.generation || !client.connected) {
      this.acksSkipped++;
      return;
    }
    this.acksSent++;
    (client as unknown as PacketWriter)._sendPacket(
      { cmd: 'puback', messageId, reasonCode: 0 },
      undefined,
      undefined,
      true,
    );
  }

  /** Disconnects after the caller has flushed the writer (so the last PUBACKs went out). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.client;
    this.client = null;
    if (!client) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        client.end(true, () => resolve());
      }, 2_000);
      client.end(false, () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
