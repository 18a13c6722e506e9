// The edge-node side of Sparkplug B, as messages: birth and death certificates, data with metric
// aliases and sequence numbers, and recognising a rebirth command. Used by the plant simulator
// (SIMULATOR_SPARKPLUG=true), the connector bench and the tests; it opens no connection itself.

import { decode, encode, type SparkplugMetric, topicOf } from './codec.ts';

export interface EdgeMessage {
  topic: string;
  payload: Buffer;
}

export interface EdgeMetricValue {
  name: string;
  value: number;
  /** Epoch ms; default the message time. */
  ts?: number;
  /** OPC-style quality code sent as the metric's Quality property (192 good). */
  quality?: number;
}

export class SparkplugEdgeNode {
  private seq = 0;
  /** Birth/death sequence: one per MQTT session, carried by NBIRTH and the NDEATH will. */
  private bdSeq = 0;
  private readonly aliases = new Map<string, number>();

  constructor(
    readonly group: string,
    readonly node: string,
  ) {}

  /** The NDEATH to register as the MQTT will of the next connection (call before each connect). */
  nextWill(): EdgeMessage {
    this.bdSeq = (this.bdSeq + 1) % 256;
    return this.death();
  }

  death(): EdgeMessage {
    return this.message('NDEATH', null, {
      timestamp: Date.now(),
      metrics: [{ name: 'bdSeq', type: 'UInt64', value: this.bdSeq }],
    });
  }

  /** NBIRTH with every metric (aliases are given here, by position); seq starts again at 0. */
  birth(metrics: readonly EdgeMetricValue[], now = Date.now()): EdgeMessage {
    this.seq = 0;
    for (const m of metrics) if (!this.aliases.has(m.name)) this.aliases.set(m.name, this.aliases.size + 1);
    return this.message('NBIRTH', null, {
      timestamp: now,
      seq: 0,
      metrics: [
        { name: 'bdSeq', type: 'UInt64', value: this.bdSeq },
        { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
        ...metrics.map((m) => this.metric(m, now, true)),
      ],
    });
  }

  deviceBirth(device: string, metrics: readonly EdgeMetricValue[], now = Date.now()): EdgeMessage {
    for (const m of metrics) if (!this.aliases.has(m.name)) this.aliases.set(m.name, this.aliases.size + 1);
    return this.message('DBIRTH', device, {
      timestamp: now,
      seq: this.nextSeq(),
      metrics: metrics.map((m) => this.metric(m, now, true)),
    });
  }

  /** NDATA (or DDATA with a device), metrics by alias only, as Sparkplug recommends. */
  data(metrics: readonly EdgeMetricValue[], now = Date.now(), device: string | null = null): EdgeMessage {
    return this.message(device ? 'DDATA' : 'NDATA', device, {
      timestamp: now,
      seq: this.nextSeq(),
      metrics: metrics.map((m) => this.metric(m, now, false)),
    });
  }

  deviceDeath(device: string, now = Date.now()): EdgeMessage {
    return this.message('DDEATH', device, { timestamp: now, seq: this.nextSeq(), metrics: [] });
  }

  /** Skips sequence numbers, as if messages were lost on the way (for tests and demos). */
  skip(n: number): void {
    this.seq = (this.seq + n) % 256;
  }

  get ncmdTopic(): string {
    return topicOf({ group: this.group, type: 'NCMD', node: this.node });
  }

  /** Whether a message on ncmdTopic asks for a rebirth. */
  static isRebirth(payload: Buffer): boolean {
    try {
      return (decode(payload).metrics ?? []).some(
        (m) => m.name === 'Node Control/Rebirth' && m.value === true,
      );
    } catch {
      return false;
    }
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % 256;
    return this.seq;
  }

  private metric(m: EdgeMetricValue, now: number, named: boolean): SparkplugMetric {
    const alias = this.aliases.get(m.name);
    return {
      ...(named || alias === undefined ? { name: m.name } : {}),
      ...(alias !== undefined ? { alias } : {}),
      type: 'Double',
      value: m.value,
      timestamp: m.ts ?? now,
      ...(m.quality !== undefined ? { properties: { Quality: { type: 'Int32', value: m.quality } } } : {}),
    } as SparkplugMetric;
  }

  private message(
    type: 'NBIRTH' | 'NDEATH' | 'DBIRTH' | 'DDEATH' | 'NDATA' | 'DDATA',
    device: string | null,
    payload: Parameters<typeof encode>[0],
  ): EdgeMessage {
    return {
      topic: topicOf({ group: this.group, type, node: this.node, device }),
      payload: Buffer.from(encode(payload)),
    };
  }
}
