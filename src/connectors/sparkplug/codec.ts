// Sparkplug B payloads (protobuf) through Eclipse Tahu's `sparkplug-payload`, and the topic
// namespace spBv1.0/<group>/<message type>/<edge node>[/<device>]. Longs (seq, timestamps, int64
// values) come back as `long` objects; everything leaves here as plain numbers.

import { createRequire } from 'node:module';
import type * as Spb from 'sparkplug-payload/lib/sparkplugbpayload.js';

const require = createRequire(import.meta.url);
const tahu = (require('sparkplug-payload') as { get(ns: string): typeof Spb | null }).get('spBv1.0');
if (!tahu) throw new Error('sparkplug-payload has no spBv1.0 codec');
const codec = tahu;

export type SparkplugPayload = Spb.UPayload;
export type SparkplugMetric = Spb.UMetric;

export const NAMESPACE = 'spBv1.0';

export type MessageType =
  | 'NBIRTH'
  | 'NDEATH'
  | 'DBIRTH'
  | 'DDEATH'
  | 'NDATA'
  | 'DDATA'
  | 'NCMD'
  | 'DCMD'
  | 'STATE';

const TYPES = new Set<string>([
  'NBIRTH',
  'NDEATH',
  'DBIRTH',
  'DDEATH',
  'NDATA',
  'DDATA',
  'NCMD',
  'DCMD',
  'STATE',
]);

export interface SparkplugTopic {
  group: string;
  type: MessageType;
  node: string;
  device: string | null;
}

/** Parses spBv1.0/group/TYPE/node[/device]; null for anything else (STATE is not an edge message). */
export function parseTopic(topic: string): SparkplugTopic | null {
  const p = topic.split('/');
  if (p[0] !== NAMESPACE || (p.length !== 4 && p.length !== 5)) return null;
  const [, group, type, node, device] = p;
  if (!group || !node || !TYPES.has(type) || type === 'STATE') return null;
  if (p.length === 5 && !device) return null;
  return { group, type: type as MessageType, node, device: device ?? null };
}

export function topicOf(t: {
  group: string;
  type: MessageType;
  node: string;
  device?: string | null;
}): string {
  return `${NAMESPACE}/${t.group}/${t.type}/${t.node}${t.device ? `/${t.device}` : ''}`;
}

export function decode(payload: Uint8Array): SparkplugPayload {
  return codec.decodePayload(payload);
}

export function encode(payload: SparkplugPayload): Uint8Array {
  return codec.encodePayload(payload);
}

/** A protobuf uint64 / int64 (a `long`), a number, or nothing, as a number. */
export function toNumber(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && typeof (v as { toNumber?: unknown }).toNumber === 'function')
    return (v as { toNumber(): number }).toNumber();
  return null;
}

/** The metric's value as a number when it is numeric or boolean (1/0); null otherwise. */
export function numericValue(m: SparkplugMetric): number | null {
  if (m.isNull) return null;
  const v = m.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return toNumber(v);
}

/**
 * Quality from the metric's `Quality` property (the OPC-style code Ignition and most gateways send:
 * 192 good, 64-191 uncertain, below 64 bad); no property means good.
 */
export function metricQuality(m: SparkplugMetric): 'good' | 'bad' | 'uncertain' {
  const q = m.properties?.Quality ?? m.properties?.quality;
  const code = q ? toNumber(q.value) : null;
  if (code === null) return 'good';
  if (code >= 192) return 'good';
  if (code >= 64) return 'uncertain';
  return 'bad';
}

/** The Node Control/Rebirth command an edge node answers with a new NBIRTH (and its DBIRTHs). */
export function rebirthRequest(now: number): Uint8Array {
  return encode({
    timestamp: now,
    metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true, timestamp: now }],
  });
}
