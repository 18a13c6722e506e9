// The live plant simulator: publishes every instrument's reading over MQTT on its own interval.
// One scheduler timer serves all instruments (a timer per instrument does not scale to thousands),
// and the connection retries with exponential back-off so a missing broker never crashes the app.
import mqtt, { type MqttClient } from 'mqtt';
import { type EdgeMetricValue, SparkplugEdgeNode } from '../connectors/sparkplug/edge-node.ts';
import { UnknownTagError } from './errors.ts';
import { type FaultKind, faultParams, parseFaultSpec } from './fault-spec.ts';
import { type ActiveFault, InstrumentFaults } from './faults.ts';
import { mixSeed } from './seeded-random.ts';
import {
  createSharedProcess,
  createSignal,
  type SharedProcess,
  type SignalGenerator,
  type SimInstrument,
  unitSeedId,
  validateInstrument,
} from './signals.ts';

/** The subset of a pino logger the simulator uses (a pino instance fits). */
export interface SimulatorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

export interface SimulatorOptions {
  /** e.g. mqtt://localhost:1883 (mqtts://, ws://, wss:// also work). */
  brokerUrl: string;
  username?: string;
  password?: string;
  instruments: readonly SimInstrument[];
  /**
   * Publish this many times more often than each instrument's publishIntervalSeconds (default 1).
   * Timestamps stay wall-clock time: a faster rate gives more readings, not a fast-forwarded clock.
   */
  rateMultiplier?: number;
  /** Readings go to `${topicPrefix}/${tag}`; default plant/readings. */
  topicPrefix?: string;
  /** Seed for the signals; the same seed gives the same signal for the same event times. */
  seed?: number;
  logger?: SimulatorLogger;
  clientId?: string;
  /** Scheduler period in ms; by default 200, shorter when readings are due more often. */
  tickMs?: number;
  /** Readings awaiting a broker acknowledgement above which new readings are skipped. */
  maxInFlight?: number;
  /** Event-time source (epoch ms); tests inject one. */
  clock?: () => number;
  /**
   * Publish as a Sparkplug B edge node (SIMULATOR_SPARKPLUG=true) instead of plain JSON: NBIRTH with
   * every instrument as a metric named by its tag, NDATA by alias, NDEATH as the will, and a new
   * birth when the host asks for one (NCMD Node Control/Rebirth).
   */
  sparkplug?: { group: string; node: string };
}

export interface SimulatorFaultStatus {
  tag: string;
  kind: FaultKind;
  params: Record<string, unknown>;
  started_at: string;
  ends_at: string | null;
}

export interface SimulatorStatus {
  running: boolean;
  connected: boolean;
  /** Broker URL without credentials. */
  broker: string;
  instruments: number;
  rate_multiplier: number;
  /** Readings acknowledged by the broker since start. */
  published: number;
  /** Readings due while disconnected or back-pressured, not sent. */
  skipped: number;
  started_at: string | null;
  faults: SimulatorFaultStatus[];
}

interface Track {
  instrument: SimInstrument;
  signal: SignalGenerator;
  faults: InstrumentFaults;
  intervalMs: number;
  nextDue: number;
}

const DEFAULT_TOPIC_PREFIX = 'plant/readings';
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
const STOP_GRACE_MS = 2_000;

const noopLogger: SimulatorLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** The broker URL with any user:password removed, safe to show and log. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

export class Simulator {
  private readonly opts: Required<
    Pick<SimulatorOptions, 'rateMultiplier' | 'topicPrefix' | 'seed' | 'maxInFlight'>
  > &
    SimulatorOptions;
  private readonly log: SimulatorLogger;
  private readonly clock: () => number;
  private tracks = new Map<string, Track>();
  /** Shared process state per process unit (see signals.ts createSharedProcess). */
  private units = new Map<string, SharedProcess>();
  private client: MqttClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectAttempt = 0;
  private running = false;
  private startedAt: number | null = null;
  private published = 0;
  private skipped = 0;
  private inFlight = 0;
  private readonly edge: SparkplugEdgeNode | null;
  /** Last value published per tag (a Sparkplug birth carries every metric's current value). */
  private readonly lastValues = new Map<string, number>();

  constructor(options: SimulatorOptions) {
    const rateMultiplier = options.rateMultiplier ?? 1;
    if (!Number.isFinite(rateMultiplier) || rateMultiplier <= 0) {
      throw new RangeError('rateMultiplier must be a positive number');
    }
    this.opts = {
      ...options,
      rateMultiplier,
      topicPrefix: (options.topicPrefix ?? DEFAULT_TOPIC_PREFIX).replace(/\/+$/, ''),
      seed: options.seed ?? Date.now() >>> 0,
      maxInFlight: options.maxInFlight ?? 10_000,
    };
    this.log = options.logger ?? noopLogger;
    this.clock = options.clock ?? Date.now;
    this.edge = options.sparkplug
      ? new SparkplugEdgeNode(options.sparkplug.group, options.sparkplug.node)
      : null;
    this.setInstruments(options.instruments);
  }

  /** Starts publishing; returns at once (the broker connection is made, and retried, in the background). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.clock();
    this.startedAt = now;
    this.published = 0;
    this.skipped = 0;
    for (const t of this.tracks.values()) t.nextDue = this.firstDue(t, now);
    this.connect();
    this.restartTimer();
    this.log.info(
      {
        instruments: this.tracks.size,
        rate: this.opts.rateMultiplier,
        broker: redactUrl(this.opts.brokerUrl),
      },
      'simulator started',
    );
  }

  /** Stops publishing and closes the broker connection. */
  async stop(): Promise<void> {
    if (!this.running && !this.client) return;
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.timer = null;
    this.reconnectTimer = null;
    const client = this.client;
    this.client = null;
    if (client) {
      // Let in-flight QoS 1 readings be acknowledged, but never hang on an unresponsive broker.
      const graceful = client.connected ? client.endAsync(false) : Promise.resolve();
      const timedOut = await Promise.race([
        graceful.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), STOP_GRACE_MS).unref()),
      ]);
      if (timedOut || !client.disconnected) await client.endAsync(true);
    }
    this.log.info({ published: this.published, skipped: this.skipped }, 'simulator stopped');
  }

  status(): SimulatorStatus {
    return {
      running: this.running,
      connected: this.client?.connected ?? false,
      broker: redactUrl(this.opts.brokerUrl),
      instruments: this.tracks.size,
      rate_multiplier: this.opts.rateMultiplier,
      published: this.published,
      skipped: this.skipped,
      started_at: this.startedAt === null ? null : new Date(this.startedAt).toISOString(),
      faults: this.listFaults(),
    };
  }

  /**
   * Injects a fault starting now. `spec` may be untrusted input (an API body): it is validated and
   * InvalidFaultError names the bad field; UnknownTagError if the tag is not simulated.
   */
  injectFault(tag: string, spec: unknown, startedAt?: number): SimulatorFaultStatus {
    const track = this.track(tag);
    const parsed = parseFaultSpec(spec);
    // `startedAt` in the past continues a fault a backfilled history already shows (the demo's drift).
    const fault = track.faults.add(parsed, startedAt ?? this.clock());
    this.log.info({ tag, kind: parsed.kind, params: faultParams(parsed) }, 'simulator fault injected');
    return toFaultStatus(tag, fault);
  }

  /** Clears the faults of one instrument (optionally of one kind), or of all; returns how many. */
  clearFaults(tag?: string, kind?: FaultKind): number {
    const tracks = tag === undefined ? [...this.tracks.values()] : [this.track(tag)];
    const cleared = tracks.reduce((n, t) => n + t.faults.clear(kind), 0);
    if (cleared > 0)
      this.log.info({ tag: tag ?? '*', kind: kind ?? '*', cleared }, 'simulator faults cleared');
    return cleared;
  }

  /**
   * Replaces the simulated instruments (e.g. after an instrument was added or edited). Unchanged
   * instruments keep their signal and schedule; edited ones keep their faults. The whole list is
   * validated first, so a bad entry changes nothing.
   */
  setInstruments(list: readonly SimInstrument[]): void {
    const seen = new Set<string>();
    for (const i of list) {
      validateInstrument(i);
      if (seen.has(i.tag)) throw new RangeError(`duplicate instrument tag ${i.tag}`);
      seen.add(i.tag);
    }
    const now = this.clock();
    const next = new Map<string, Track>();
    for (const given of list) {
      // A private copy: a caller editing its object later must not change a running signal.
      const instrument = { ...given };
      const old = this.tracks.get(instrument.tag);
      if (old && sameDefinition(old.instrument, instrument)) {
        next.set(instrument.tag, old);
        continue;
      }
      const track: Track = {
        instrument,
        signal: createSignal(
          instrument,
          mixSeed(this.opts.seed, instrument.id),
          {},
          this.unitProcess(instrument),
        ),
        faults: new InstrumentFaults(instrument),
        intervalMs: (instrument.publishIntervalSeconds * 1000) / this.opts.rateMultiplier,
        nextDue: 0,
      };
      track.nextDue = old ? Math.min(old.nextDue, now + track.intervalMs) : this.firstDue(track, now);
      for (const f of old?.faults.list(now) ?? []) track.faults.add(f.spec, f.startedAt);
      next.set(instrument.tag, track);
    }
    this.tracks = next;
    if (this.running) this.restartTimer();
  }

  /** Publishes every reading that is due. Public so tests can drive it with an injected clock. */
  tick(): void {
    const now = this.clock();
    const client = this.client;
    const metrics: EdgeMetricValue[] = [];
    for (const t of this.tracks.values()) {
      if (t.nextDue > now) continue;
      t.nextDue += t.intervalMs;
      // After a stall (or a very high rate) skip ahead rather than publish a burst of catch-up readings.
      if (t.nextDue <= now) t.nextDue = now + t.intervalMs;
      const value = t.faults.apply(t.signal.next(now), now);
      if (value === null) continue; // dropout: the instrument is silent
      if (!client?.connected || this.inFlight >= this.opts.maxInFlight) {
        this.skipped++;
        continue;
      }
      const { tag, unit } = t.instrument;
      this.lastValues.set(tag, value);
      if (this.edge) {
        metrics.push({ name: tag, value, ts: now });
        continue;
      }
      const payload = JSON.stringify({ tag, timestamp: new Date(now).toISOString(), value, unit });
      this.inFlight++;
      client.publish(`${this.opts.topicPrefix}/${tag}`, payload, { qos: 1 }, (err) => {
        this.inFlight--;
        if (err) this.skipped++;
        else this.published++;
      });
    }
    if (this.edge && metrics.length > 0 && client?.connected) {
      const m = this.edge.data(metrics, now);
      // Sparkplug data goes at QoS 0; a lost message shows as a sequence gap and a rebirth.
      client.publish(m.topic, m.payload, { qos: 0 });
      this.published += metrics.length;
    }
  }

  /** The NBIRTH: every simulated instrument with its latest (or nominal) value. */
  private publishBirth(client: MqttClient): void {
    if (!this.edge) return;
    const now = this.clock();
    const metrics = [...this.tracks.values()].map((t) => ({
      name: t.instrument.tag,
      value:
        this.lastValues.get(t.instrument.tag) ??
        t.instrument.nominalValue ??
        (t.instrument.rangeMin + t.instrument.rangeMax) / 2,
      ts: now,
    }));
    const m = this.edge.birth(metrics, now);
    client.publish(m.topic, m.payload, { qos: 0 });
  }

  private track(tag: string): Track {
    const t = this.tracks.get(tag);
    if (!t) throw new UnknownTagError(tag);
    return t;
  }

  private listFaults(): SimulatorFaultStatus[] {
    const now = this.clock();
    const out: SimulatorFaultStatus[] = [];
    for (const [tag, t] of this.tracks) for (const f of t.faults.list(now)) out.push(toFaultStatus(tag, f));
    return out;
  }

  /** Spreads first readings over one interval so instruments do not all publish in the same tick. */
  private unitProcess(instrument: SimInstrument): SharedProcess | undefined {
    const unit = instrument.processUnit;
    if (!unit) return undefined;
    let p = this.units.get(unit);
    if (!p) {
      p = createSharedProcess(mixSeed(this.opts.seed ^ 0x2545f491, unitSeedId(unit)));
      this.units.set(unit, p);
    }
    return p;
  }

  private firstDue(t: Track, now: number): number {
    const fraction = mixSeed(this.opts.seed ^ 0x5bd1e995, t.instrument.id) / 4294967296;
    return now + fraction * t.intervalMs;
  }

  private restartTimer(): void {
    if (this.timer) clearInterval(this.timer);
    const shortest = Math.min(...[...this.tracks.values()].map((t) => t.intervalMs));
    const tickMs = this.opts.tickMs ?? Math.min(200, Math.max(20, Math.floor(shortest / 4)));
    this.timer = setInterval(() => this.tick(), tickMs);
  }

  private connect(): void {
    const client = mqtt.connect(this.opts.brokerUrl, {
      username: this.opts.username,
      password: this.opts.password,
      clientId: this.opts.clientId ?? `cbu-cmms-sim-${Math.random().toString(16).slice(2, 10)}`,
      clean: true,
      // Reconnection is ours (below), with back-off; mqtt.js would retry at a fixed period.
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      keepalive: 30,
      ...(this.edge ? { will: { ...this.edge.nextWill(), qos: 1 as const, retain: false } } : {}),
    });
    this.client = client;
    let wasConnected = false;
    client.on('connect', () => {
      wasConnected = true;
      this.reconnectAttempt = 0;
      const edge = this.edge;
      if (edge) {
        client.subscribe(edge.ncmdTopic, { qos: 0 });
        this.publishBirth(client);
      }
      this.log.info({ broker: redactUrl(this.opts.brokerUrl) }, 'simulator connected to broker');
    });
    client.on('message', (topic, payload) => {
      if (this.edge && topic === this.edge.ncmdTopic && SparkplugEdgeNode.isRebirth(payload)) {
        this.log.info({ node: this.edge.node }, 'simulator: Sparkplug rebirth requested');
        this.publishBirth(client);
      }
    });
    client.on('error', (err) => {
      // Repeated while the broker is down; only the first of an outage is worth a warning.
      const log = this.reconnectAttempt === 0 ? this.log.warn : (this.log.debug ?? (() => {}));
      log.call(this.log, { err: err.message }, 'simulator broker connection error');
    });
    client.on('close', () => {
      if (!this.running || this.client !== client) return;
      if (wasConnected) this.log.warn({}, 'simulator lost the broker connection; reconnecting');
      wasConnected = false;
      this.scheduleReconnect(client);
    });
  }

  private scheduleReconnect(client: MqttClient): void {
    if (this.reconnectTimer) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.reconnectAttempt);
    const delay = base * (0.8 + 0.4 * Math.random()); // jitter: many simulators do not retry in step
    this.reconnectAttempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.running || this.client !== client) return;
      // Keeping the stores resends unacknowledged QoS 1 readings after the reconnect.
      client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, delay);
  }
}

function toFaultStatus(tag: string, f: ActiveFault): SimulatorFaultStatus {
  return {
    tag,
    kind: f.spec.kind,
    params: faultParams(f.spec),
    started_at: new Date(f.startedAt).toISOString(),
    ends_at: f.endsAt === null ? null : new Date(f.endsAt).toISOString(),
  };
}

function sameDefinition(a: SimInstrument, b: SimInstrument): boolean {
  return (
    a.id === b.id &&
    a.type === b.type &&
    a.unit === b.unit &&
    a.rangeMin === b.rangeMin &&
    a.rangeMax === b.rangeMax &&
    a.nominalValue === b.nominalValue &&
    a.publishIntervalSeconds === b.publishIntervalSeconds &&
    (a.processUnit ?? null) === (b.processUnit ?? null)
  );
}
