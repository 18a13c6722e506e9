// What a client can see of an external broker's settings, checked when the subscriber connects, with
// a loud warning for each setting that would drop QoS 1 readings. Through a default Mosquitto a
// SIGKILL test lost 12,118 of 24,000 acknowledged readings (docs/operations.md): the queue limits
// that cause it are invisible to clients, but these are visible:
//
// - the CONNACK of our own session (MQTT 5): maximum QoS, the session expiry the broker grants,
//   wildcard subscriptions; and whether it kept our session when we come back;
// - a second, short MQTT 5 connection's CONNACK: the broker's receive maximum (Mosquitto sends its
//   max_inflight_messages), the in-flight window that applies to an MQTT 3.1.1 subscriber;
// - $SYS topics when the broker lets us read them: version, uptime, messages dropped so far.
// The result is in /health (broker.check) and each warning is logged once per connection.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt, { type IConnackPacket } from 'mqtt';

export interface BrokerCheckSettings {
  protocolVersion: 4 | 5;
  receiveMaximum: number;
  sessionExpirySeconds: number;
  batchSize: number;
}

/** What the broker showed of itself. */
export interface BrokerObservation {
  /** CONNACK of the ingestion session. */
  session: {
    session_present: boolean;
    reconnect: boolean;
    maximum_qos?: number;
    session_expiry_interval?: number;
    wildcard_subscription_available?: boolean;
    retain_available?: boolean;
    receive_maximum?: number;
  } | null;
  /** CONNACK of an MQTT 5 probe connection; null when the broker refused MQTT 5 or was not probed. */
  probe: { receive_maximum?: number; maximum_qos?: number; topic_alias_maximum?: number } | null;
  probe_error?: string;
  /** $SYS values read, by topic suffix (after `$SYS/broker/`); null when $SYS could not be read. */
  sys: Record<string, string> | null;
}

export interface BrokerCheckReport extends BrokerObservation {
  checked_at: string;
  protocol_version: 4 | 5;
  /** Settings that can lose QoS 1 readings. */
  warnings: string[];
  /** What could not be checked, or is worth knowing. */
  notes: string[];
}

/** The warnings and notes for what was seen (pure: unit-tested). */
export function assessBroker(
  s: BrokerCheckSettings,
  o: BrokerObservation,
): { warnings: string[]; notes: string[] } {
  const warnings: string[] = [];
  const notes: string[] = [];
  const conn = o.session;
  if (s.sessionExpirySeconds === 0 && s.protocolVersion === 5)
    warnings.push(
      'MQTT_SESSION_EXPIRY_SECONDS=0: the broker forgets our session at each disconnect, so readings published while the CMMS is down are dropped',
    );
  if (conn) {
    if (conn.maximum_qos === 0)
      warnings.push(
        'the broker grants QoS 0 only (maximum QoS 0): readings are not acknowledged and are lost in any outage; allow QoS 1 (Mosquitto: remove max_qos)',
      );
    if (
      s.protocolVersion === 5 &&
      conn.session_expiry_interval !== undefined &&
      conn.session_expiry_interval < s.sessionExpirySeconds
    )
      warnings.push(
        conn.session_expiry_interval === 0
          ? 'the broker does not keep our session (session expiry 0): readings published while the CMMS is down are dropped'
          : `the broker keeps our session only ${conn.session_expiry_interval} s (asked for ${s.sessionExpirySeconds} s): readings published during a longer CMMS outage are dropped`,
      );
    if (conn.wildcard_subscription_available === false)
      warnings.push(
        'the broker does not allow wildcard subscriptions: the readings subscription (MQTT_TOPIC) fails',
      );
    if (conn.reconnect && !conn.session_present)
      warnings.push(
        'the broker did not keep our session across a reconnect: readings published meanwhile were lost (broker restarted without persistence, or the session expired)',
      );
  }
  const window = s.protocolVersion === 5 ? s.receiveMaximum : o.probe?.receive_maximum;
  if (s.protocolVersion === 5 && s.receiveMaximum < s.batchSize)
    warnings.push(
      `MQTT_RECEIVE_MAXIMUM ${s.receiveMaximum} is below INGEST_BATCH_SIZE ${s.batchSize}: each commit acknowledges at most ${s.receiveMaximum} readings, so a fast plant fills the broker's queue, which then drops QoS 1 messages`,
    );
  if (s.protocolVersion === 4) {
    if (window === undefined)
      notes.push(
        "MQTT 3.1.1: the broker's in-flight window (Mosquitto: max_inflight_messages, default 20) applies and is not visible; set it to 0 or use MQTT_PROTOCOL_VERSION=5",
      );
    else if (window < s.batchSize)
      warnings.push(
        `MQTT 3.1.1: the broker sends at most ${window} unacknowledged readings (its receive maximum / max_inflight_messages), below INGEST_BATCH_SIZE ${s.batchSize}: ingestion is capped near ${window} per commit and the broker's queue overflows (drops QoS 1) under load; set max_inflight_messages 0 or use MQTT_PROTOCOL_VERSION=5`,
      );
  }
  const dropped = Number(o.sys?.['publish/messages/dropped'] ?? 0);
  if (dropped > 0)
    warnings.push(
      `the broker reports ${dropped} messages dropped since it started ($SYS/broker/publish/messages/dropped): raise max_queued_messages / max_queued_bytes`,
    );
  if (o.sys === null)
    notes.push('$SYS is not readable with our login: broker version and drop counters unknown');
  notes.push(
    "the broker's queue limits (Mosquitto: max_queued_messages, max_queued_bytes) and persistence are not visible to a client: see docs/mosquitto.conf",
  );
  return { warnings, notes };
}

export interface ProbeOptions {
  url: string;
  clientId: string;
  username: string | null;
  password: string | null;
  caFile: string | null;
  /** How long to collect retained $SYS values after subscribing. */
  sysWaitMs?: number;
}

const SYS_TOPICS = [
  '$SYS/broker/version',
  '$SYS/broker/uptime',
  '$SYS/broker/publish/messages/dropped',
  '$SYS/broker/clients/connected',
  '$SYS/broker/store/messages/count',
];

/** A short MQTT 5 connection (clean, its own client id): its CONNACK and the $SYS values it can read. */
export async function probeBroker(
  o: ProbeOptions,
): Promise<Pick<BrokerObservation, 'probe' | 'probe_error' | 'sys'>> {
  let client: mqtt.MqttClient | null = null;
  try {
    client = mqtt.connect(o.url, {
      clientId: `${o.clientId}-check-${randomBytes(3).toString('hex')}`,
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ...(o.username !== null ? { username: o.username, password: o.password ?? '' } : {}),
      ...(o.caFile ? { ca: readFileSync(o.caFile) } : {}),
    });
    const c = client;
    const connack = await new Promise<IConnackPacket>((resolve, reject) => {
      c.once('connect', resolve);
      c.once('error', reject);
      c.once('close', () => reject(new Error('connection closed')));
    });
    const p = connack.properties ?? {};
    const probe = {
      receive_maximum: p.receiveMaximum,
      maximum_qos: p.maximumQoS,
      topic_alias_maximum: p.topicAliasMaximum,
    };
    const sys: Record<string, string> = {};
    let versionSeen: () => void = () => {};
    const version = new Promise<void>((resolve) => {
      versionSeen = resolve;
    });
    c.on('message', (topic, payload) => {
      sys[topic.replace(/^\$SYS\/broker\//, '')] = payload.toString('utf8').slice(0, 200);
      if (topic === '$SYS/broker/version') versionSeen();
    });
    const granted = await c.subscribeAsync(SYS_TOPICS, { qos: 0 }).then(
      (g) => g.map((x) => x.qos),
      () => [] as number[],
    );
    const readable = granted.some((q) => q < 128);
    // Mosquitto retains its $SYS values, so they arrive right after the SUBACK (the version last
    // of the static ones); without retained messages they come at its next sys_interval.
    if (readable) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        version.then(() => new Promise((r) => setTimeout(r, 200))),
        new Promise((r) => {
          timer = setTimeout(r, o.sysWaitMs ?? 3_000);
        }),
      ]);
      clearTimeout(timer);
    }
    return { probe, sys: readable && Object.keys(sys).length > 0 ? sys : null };
  } catch (e) {
    return { probe: null, probe_error: (e as Error).message, sys: null };
  } finally {
    client?.end(true);
  }
}

/** The latest check of the external broker, for /health and the log. */
export class BrokerCheck {
  report: BrokerCheckReport | null = null;
  private probed: Pick<BrokerObservation, 'probe' | 'probe_error' | 'sys'> | null = null;
  private probing: Promise<void> | null = null;
  private connects = 0;

  constructor(
    private readonly settings: BrokerCheckSettings,
    private readonly probeOptions: ProbeOptions,
    private readonly warn: (message: string, report: BrokerCheckReport) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Called with each CONNACK of the ingestion session; probes the broker at the first one. */
  onConnack(connack: IConnackPacket): Promise<void> {
    const p = connack.properties ?? {};
    const session: NonNullable<BrokerObservation['session']> = {
      session_present: connack.sessionPresent,
      reconnect: this.connects++ > 0,
      maximum_qos: p.maximumQoS,
      session_expiry_interval: p.sessionExpiryInterval,
      wildcard_subscription_available: p.wildcardSubscriptionAvailable,
      retain_available: p.retainAvailable,
      receive_maximum: p.receiveMaximum,
    };
    this.probing ??= probeBroker(this.probeOptions).then((r) => {
      this.probed = r;
    });
    return this.probing.then(() => this.assess(session));
  }

  private assess(session: BrokerObservation['session']) {
    const o: BrokerObservation = {
      session,
      probe: this.probed?.probe ?? null,
      ...(this.probed?.probe_error ? { probe_error: this.probed.probe_error } : {}),
      sys: this.probed?.sys ?? null,
    };
    const { warnings, notes } = assessBroker(this.settings, o);
    this.report = {
      checked_at: this.now().toISOString(),
      protocol_version: this.settings.protocolVersion,
      ...o,
      warnings,
      notes,
    };
    for (const w of warnings) this.warn(w, this.report);
  }
}
