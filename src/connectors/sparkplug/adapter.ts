// The Sparkplug B host side: subscribes to spBv1.0/# (or one group), keeps each edge node's
// session (birth certificate, metric aliases, sequence numbers) and turns metrics into readings.
//
// - NBIRTH / DBIRTH: the metric names and aliases of the node / device; their values are readings.
// - NDATA / DDATA: metrics by alias (or name); each mapped metric becomes a reading.
// - NDEATH / DDEATH: the node's (or device's) instruments are marked stale, with one alert per edge
//   node (not per metric). An NDEATH whose bdSeq is not the current birth's is an old session's will
//   and is ignored. A new NBIRTH (or the device's DBIRTH) clears it.
// - seq runs 0..255 over every message of a node's session; a gap, or data from a node whose birth
//   we have not seen (after our own reconnect), sends NCMD Node Control/Rebirth (at most once per
//   node per REBIRTH_HOLDOFF_MS) and the node answers with a new birth.
// - Metric quality: the `Quality` property (192 good, 64..191 uncertain, below 64 bad).

import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { ReadingRate } from '../rate.ts';
import type { ConnectorAdapter, ConnectorReading, ConnectorSink, ConnectorStatus } from '../types.ts';
import {
  decode,
  metricQuality,
  NAMESPACE,
  numericValue,
  parseTopic,
  rebirthRequest,
  type SparkplugMetric,
  type SparkplugPayload,
  type SparkplugTopic,
  toNumber,
  topicOf,
} from './codec.ts';
import type { SparkplugConfig, SparkplugPoint } from './schemas.ts';

export interface BrokerEndpoint {
  url: string;
  username?: string;
  password?: string;
}

export interface SparkplugAdapterArgs {
  sourceId: number;
  name: string;
  config: SparkplugConfig;
  points: SparkplugPoint[];
  sink: ConnectorSink;
  log: Logger;
  /** Where "embedded" points: the CMMS's own broker and its app login (null when there is none). */
  embeddedBroker: () => BrokerEndpoint | null;
  /** Whether a tag is a known instrument (map_metric_names). */
  knownTag: (tag: string) => boolean;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const REBIRTH_HOLDOFF_MS = 5_000;
const TEST_TIMEOUT_MS = 5_000;

interface NodeSession {
  /** A birth was seen and no death since. */
  born: boolean;
  bdSeq: number | null;
  /** The seq we expect next (null: unknown, until a birth). */
  nextSeq: number | null;
  /** `device\0alias` -> metric name ('' device = the node itself). */
  aliases: Map<string, string>;
  deadDevices: Set<string>;
  /** Tags this node's metrics fed (for stale marking of name-mapped metrics). */
  tags: Map<string, Set<string>>;
  lastRebirthAt: number;
}

const unitOf = (group: string, node: string) => `${group}/${node}`;
const pointKey = (group: string, node: string, device: string | null, metric: string) =>
  `${group}\u0000${node}\u0000${device ?? ''}\u0000${metric}`;

export class SparkplugAdapter implements ConnectorAdapter {
  private client: MqttClient | null = null;
  private state: ConnectorStatus['state'] = 'stopped';
  private lastError: string | null = null;
  private readonly rate = new ReadingRate();
  private readonly sessions = new Map<string, NodeSession>();
  private readonly points = new Map<string, SparkplugPoint[]>();
  private backoffMs = MIN_BACKOFF_MS;
  private stopping = false;
  /** Counters for the status page and the tests. */
  private counts = { messages: 0, bad_payloads: 0, sequence_gaps: 0, rebirth_requests: 0, deaths: 0 };

  constructor(private readonly args: SparkplugAdapterArgs) {
    for (const p of args.points) {
      const key = pointKey(p.group_id, p.edge_node_id, p.device_id ?? null, p.metric);
      const list = this.points.get(key);
      if (list) list.push(p);
      else this.points.set(key, [p]);
    }
  }

  private endpoint(): BrokerEndpoint {
    const c = this.args.config;
    if (c.broker === 'embedded') {
      const e = this.args.embeddedBroker();
      if (!e)
        throw new Error(
          'this CMMS runs no embedded MQTT broker (MQTT_BROKER is external): give a broker URL',
        );
      return e;
    }
    return { url: c.broker, username: c.username, password: c.password };
  }

  private filter(): string {
    const g = this.args.config.group_id;
    return g ? `${NAMESPACE}/${g}/#` : `${NAMESPACE}/#`;
  }

  private clientOptions(e: BrokerEndpoint, suffix: string): mqtt.IClientOptions {
    const c = this.args.config;
    return {
      clientId: `${c.client_id ?? `cmms-spb-${this.args.sourceId}`}${suffix}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: TEST_TIMEOUT_MS,
      keepalive: 30,
      ...(e.username !== undefined ? { username: e.username, password: e.password ?? '' } : {}),
    };
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.state = 'connecting';
    let e: BrokerEndpoint;
    try {
      e = this.endpoint();
    } catch (err) {
      this.noteError(err as Error);
      return;
    }
    const client = mqtt.connect(e.url, this.clientOptions(e, ''));
    this.client = client;
    client.on('connect', () => {
      this.backoffMs = MIN_BACKOFF_MS;
      // Our own reconnect loses track of every session: the next message of each node asks for a birth.
      for (const s of this.sessions.values()) s.nextSeq = null;
      client.subscribe(this.filter(), { qos: 1 }, (err, granted) => {
        if (err || granted?.some((g) => g.qos > 2)) {
          this.noteError(err ?? new Error(`the broker refused the subscription to ${this.filter()}`));
          return;
        }
        this.state = 'connected';
        this.lastError = null;
        this.args.log.info({ topic: this.filter() }, 'Sparkplug B source subscribed');
      });
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err) => this.noteError(err));
    client.on('close', () => {
      if (this.stopping) return;
      if (this.state === 'connected') this.state = 'connecting';
      const delay = this.backoffMs;
      this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
      setTimeout(() => {
        if (!this.stopping && this.client === client && !client.connected) client.reconnect();
      }, delay).unref();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.state = 'stopped';
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync(true).catch(() => {});
  }

  status(): ConnectorStatus {
    return {
      state: this.state,
      lastError: this.lastError,
      lastReadingAt: this.rate.lastReadingAt(),
      readingsPerMinute: this.rate.perMinute(),
      details: {
        ...this.counts,
        edge_nodes_online: [...this.sessions.values()].filter((s) => s.born).length,
      },
    };
  }

  async testConnection(): Promise<string> {
    const e = this.endpoint();
    const client = mqtt.connect(e.url, this.clientOptions(e, `-test-${Date.now() % 100000}`));
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`no answer from ${safeUrl(e.url)} within 5 s`)),
          TEST_TIMEOUT_MS,
        );
        client.once('connect', () => {
          clearTimeout(t);
          resolve();
        });
        client.once('error', (err) => {
          clearTimeout(t);
          reject(new Error(`${safeUrl(e.url)}: ${err.message}`));
        });
      });
      const granted = await client.subscribeAsync(this.filter(), { qos: 1 });
      if (granted.some((g) => g.qos > 2))
        throw new Error(`the broker refused the subscription to ${this.filter()}`);
      return `connected to ${safeUrl(e.url)} and subscribed to ${this.filter()}`;
    } finally {
      await client.endAsync(true).catch(() => {});
    }
  }

  private noteError(err: Error): void {
    if (this.lastError !== err.message)
      this.args.log.warn({ err: err.message }, 'Sparkplug B source error; retrying with back-off');
    this.lastError = err.message;
    if (!this.stopping) this.state = 'error';
  }

  private session(group: string, node: string): NodeSession {
    const key = unitOf(group, node);
    let s = this.sessions.get(key);
    if (!s) {
      s = {
        born: false,
        bdSeq: null,
        nextSeq: null,
        aliases: new Map(),
        deadDevices: new Set(),
        tags: new Map(),
        lastRebirthAt: Number.NEGATIVE_INFINITY,
      };
      this.sessions.set(key, s);
    }
    return s;
  }

  /** Handles one message; never throws (a bad payload is counted and logged once a minute). */
  onMessage(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if (!t || t.type === 'NCMD' || t.type === 'DCMD') return;
    this.counts.messages++;
    let p: SparkplugPayload;
    try {
      p = decode(payload);
    } catch (err) {
      this.counts.bad_payloads++;
      this.badPayload(topic, (err as Error).message);
      return;
    }
    const s = this.session(t.group, t.node);
    const now = Date.now();
    switch (t.type) {
      case 'NBIRTH':
        this.onNodeBirth(t, s, p, now);
        break;
      case 'DBIRTH':
        this.checkSeq(t, s, p, now);
        this.learnAliases(s, t.device ?? '', p.metrics ?? []);
        if (t.device && s.deadDevices.delete(t.device) && s.born && s.deadDevices.size === 0)
          this.args.sink.clearStale?.(unitOf(t.group, t.node), now);
        this.deliver(t, s, p, now);
        break;
      case 'NDATA':
      case 'DDATA':
        if (this.checkSeq(t, s, p, now)) this.deliver(t, s, p, now);
        break;
      case 'DDEATH':
        this.checkSeq(t, s, p, now);
        if (t.device) {
          s.deadDevices.add(t.device);
          this.counts.deaths++;
          this.stale(t, s, [t.device], `device ${t.device} went offline (DDEATH)`, now);
        }
        break;
      case 'NDEATH':
        this.onNodeDeath(t, s, p, now);
        break;
    }
  }

  private onNodeBirth(t: SparkplugTopic, s: NodeSession, p: SparkplugPayload, now: number): void {
    s.born = true;
    s.bdSeq = toNumber((p.metrics ?? []).find((m) => m.name === 'bdSeq')?.value) ?? null;
    s.aliases.clear();
    this.learnAliases(s, '', p.metrics ?? []);
    const seq = toNumber(p.seq);
    s.nextSeq = seq === null ? null : (seq + 1) % 256;
    const wasDead = s.deadDevices.size > 0;
    s.deadDevices.clear();
    this.args.sink.clearStale?.(unitOf(t.group, t.node), now);
    if (wasDead) this.args.log.info({ edge_node: unitOf(t.group, t.node) }, 'Sparkplug edge node reborn');
    this.deliver(t, s, p, now);
  }

  private onNodeDeath(t: SparkplugTopic, s: NodeSession, p: SparkplugPayload, now: number): void {
    const bdSeq = toNumber((p.metrics ?? []).find((m) => m.name === 'bdSeq')?.value);
    // The will of an earlier session (the node has since reconnected and been born again).
    if (bdSeq !== null && s.bdSeq !== null && bdSeq !== s.bdSeq) return;
    s.born = false;
    s.nextSeq = null;
    this.counts.deaths++;
    this.stale(t, s, null, 'edge node went offline (NDEATH)', now);
  }

  /** Marks the node's (devices === null) or the given devices' instruments stale: one alert per node. */
  private stale(
    t: SparkplugTopic,
    s: NodeSession,
    devices: string[] | null,
    reason: string,
    now: number,
  ): void {
    const tags = new Set<string>();
    const inScope = (device: string) => devices === null || devices.includes(device);
    for (const p of this.args.points) {
      if (p.group_id !== t.group || p.edge_node_id !== t.node) continue;
      if (inScope(p.device_id ?? '')) tags.add(p.tag);
    }
    for (const [device, seen] of s.tags) if (inScope(device)) for (const tag of seen) tags.add(tag);
    this.args.sink.markStale?.(unitOf(t.group, t.node), [...tags], reason, now);
  }

  /** True when the message may be used; a gap (or an unknown session) asks the node for a rebirth. */
  private checkSeq(t: SparkplugTopic, s: NodeSession, p: SparkplugPayload, now: number): boolean {
    const seq = toNumber(p.seq);
    if (!s.born || s.nextSeq === null) {
      this.requestRebirth(t, s, now, 'data before a birth certificate');
      // Without the birth the aliases are unknown; metrics sent by name are still usable.
      return true;
    }
    if (seq !== null && seq !== s.nextSeq) {
      this.counts.sequence_gaps++;
      this.args.log.warn(
        { edge_node: unitOf(t.group, t.node), expected: s.nextSeq, got: seq },
        'Sparkplug sequence gap: messages were lost',
      );
      this.requestRebirth(t, s, now, `sequence gap (expected ${s.nextSeq}, got ${seq})`);
    }
    if (seq !== null) s.nextSeq = (seq + 1) % 256;
    return true;
  }

  private requestRebirth(t: SparkplugTopic, s: NodeSession, now: number, why: string): void {
    if (this.args.config.rebirth_on_gap === false) return;
    if (now - s.lastRebirthAt < REBIRTH_HOLDOFF_MS) return;
    const client = this.client;
    if (!client?.connected) return;
    s.lastRebirthAt = now;
    this.counts.rebirth_requests++;
    this.args.log.info({ edge_node: unitOf(t.group, t.node), why }, 'Sparkplug rebirth requested');
    client.publish(
      topicOf({ group: t.group, type: 'NCMD', node: t.node }),
      Buffer.from(rebirthRequest(now)),
      {
        qos: 0,
      },
    );
  }

  private learnAliases(s: NodeSession, device: string, metrics: SparkplugMetric[]): void {
    for (const m of metrics) {
      const alias = toNumber(m.alias);
      if (alias !== null && m.name) s.aliases.set(`${device}\u0000${alias}`, m.name);
    }
  }

  private deliver(t: SparkplugTopic, s: NodeSession, p: SparkplugPayload, now: number): void {
    const device = t.device ?? '';
    const payloadTs = toNumber(p.timestamp) ?? now;
    const out: ConnectorReading[] = [];
    for (const m of p.metrics ?? []) {
      const alias = toNumber(m.alias);
      const name = m.name || (alias === null ? undefined : s.aliases.get(`${device}\u0000${alias}`));
      if (!name) continue;
      const raw = numericValue(m);
      const ts = toNumber(m.timestamp) ?? payloadTs;
      const quality = metricQuality(m);
      const mapped = this.points.get(pointKey(t.group, t.node, t.device, name));
      if (mapped) {
        for (const pt of mapped) {
          if (raw === null) continue;
          out.push({ tag: pt.tag, ts, value: raw * (pt.scale ?? 1) + (pt.offset ?? 0), quality });
          this.noteTag(s, device, pt.tag);
        }
      } else if (this.args.config.map_metric_names && raw !== null && this.args.knownTag(name)) {
        out.push({ tag: name, ts, value: raw, quality });
        this.noteTag(s, device, name);
      }
    }
    if (out.length === 0) return;
    this.rate.add(out.length);
    this.args.sink.submit(out).catch((err: unknown) => this.noteError(err as Error));
  }

  private noteTag(s: NodeSession, device: string, tag: string): void {
    let set = s.tags.get(device);
    if (!set) {
      set = new Set();
      s.tags.set(device, set);
    }
    set.add(tag);
  }

  private lastBadLog = 0;
  private badPayload(topic: string, detail: string): void {
    const now = Date.now();
    if (now - this.lastBadLog < 60_000) return;
    this.lastBadLog = now;
    this.args.log.warn({ topic, detail }, 'Sparkplug payload does not decode (logged once a minute)');
  }
}

/** A URL without its credentials, for messages. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'the broker';
  }
}
