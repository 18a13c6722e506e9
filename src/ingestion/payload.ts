// Decoding and checking reading payloads: the spec's `{tag, timestamp, value, unit}` JSON object, or
// a JSON array of them (gateways). Pure functions: the pipeline supplies the instrument lookup and
// the time, so the same checks run live, in tests and in the property test.

import type { CachedInstrument } from './instrument-cache.ts';

/** Why a message or a reading was refused; each is counted in /health and /metrics. */
export const REJECT_REASONS = [
  'payload_too_large',
  'invalid_json',
  'invalid_payload',
  'unknown_tag',
  'invalid_value',
  'invalid_timestamp',
  'future_timestamp',
  'stale_timestamp',
  'unit_mismatch',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface CheckedReading {
  instrument: CachedInstrument;
  ts: number;
  value: number;
}

export interface CheckContext {
  lookup(tag: string): CachedInstrument | undefined;
  /** Readings stamped later than this (epoch ms) are refused as future. */
  maxTs: number;
  /** Readings stamped earlier than this are refused as stale (older than raw retention can keep). */
  minTs: number;
}

export type Rejection = { reason: RejectReason; tag: string | null; detail?: string };

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * ISO 8601 date-time to epoch ms, or NaN. Strict where Date.parse is lenient (it turns
 * 2024-02-30 into 1 March); a time without an offset is taken as UTC.
 */
export function parseIsoTimestamp(s: string): number {
  if (s.length > 40) return Number.NaN;
  const m = ISO.exec(s);
  if (!m) return Number.NaN;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  const hour = +m[4];
  const minute = +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && leap ? 29 : DAYS[month - 1])) return Number.NaN;
  const ms = m[7] === undefined ? 0 : +`${m[7]}00`.slice(0, 3);
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = +m[10];
    const om = m[11] === undefined ? 0 : +m[11];
    if (oh > 23 || om > 59) return Number.NaN;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
}

/** The last topic level, used as the tag when a single-reading payload leaves it out. */
export function tagFromTopic(topic: string): string | null {
  const i = topic.lastIndexOf('/');
  const t = i === -1 ? topic : topic.slice(i + 1);
  return t === '' ? null : t;
}

export type Decoded = { items: unknown[]; array: boolean } | { reject: RejectReason; detail: string };

/** Bytes -> the list of candidate readings, or why the whole message is refused. */
export function decodeMessage(payload: Buffer | string, maxBytes: number, maxItems: number): Decoded {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > maxBytes) return { reject: 'payload_too_large', detail: `${size} bytes > ${maxBytes}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch (e) {
    return { reject: 'invalid_json', detail: (e as Error).message.slice(0, 120) };
  }
  if (Array.isArray(parsed)) {
    if (parsed.length > maxItems)
      return { reject: 'payload_too_large', detail: `${parsed.length} readings > ${maxItems}` };
    return { items: parsed, array: true };
  }
  if (parsed !== null && typeof parsed === 'object') return { items: [parsed], array: false };
  return { reject: 'invalid_payload', detail: 'expected a JSON object or an array of objects' };
}

/**
 * Checks one candidate reading. Returns the reading, or the rejection (with the tag when one could be
 * read, so rejects are logged per tag).
 */
export function checkReading(
  item: unknown,
  fallbackTag: string | null,
  ctx: CheckContext,
): CheckedReading | Rejection {
  if (item === null || typeof item !== 'object' || Array.isArray(item))
    return { reason: 'invalid_payload', tag: null, detail: 'a reading must be a JSON object' };
  const r = item as Record<string, unknown>;
  const known = knownInstrument(r.tag === undefined ? fallbackTag : r.tag, ctx);
  if ('reason' in known) return known;
  const { instrument, tag } = known;
  const value = r.value;
  if (typeof value !== 'number' || !Number.isFinite(value))
    return { reason: 'invalid_value', tag, detail: 'value must be a finite number' };
  if (typeof r.timestamp !== 'string')
    return { reason: 'invalid_timestamp', tag, detail: 'timestamp must be an ISO 8601 string' };
  const ts = parseIsoTimestamp(r.timestamp);
  if (Number.isNaN(ts)) return { reason: 'invalid_timestamp', tag, detail: 'timestamp is not ISO 8601' };
  const late = timeRejection(ts, tag, ctx, r.timestamp);
  if (late) return late;
  if (typeof r.unit !== 'string' || r.unit.trim() !== instrument.unit)
    return {
      reason: 'unit_mismatch',
      tag,
      detail: `expected "${instrument.unit}", got ${typeof r.unit === 'string' ? `"${r.unit.slice(0, 20)}"` : 'none'}`,
    };
  return { instrument, ts, value };
}

/**
 * Checks a reading a connector has already decoded and mapped (Sparkplug B, OPC UA, Modbus): the
 * same tag, value and time checks as a JSON reading. There is no unit to compare: the point mapping
 * converts to the instrument's engineering units.
 */
export function checkDecodedReading(
  r: { tag: string; ts: number; value: number },
  ctx: CheckContext,
): CheckedReading | Rejection {
  const known = knownInstrument(r.tag, ctx);
  if ('reason' in known) return known;
  const { instrument, tag } = known;
  if (typeof r.value !== 'number' || !Number.isFinite(r.value))
    return { reason: 'invalid_value', tag, detail: 'value must be a finite number' };
  if (typeof r.ts !== 'number' || !Number.isFinite(r.ts))
    return { reason: 'invalid_timestamp', tag, detail: 'timestamp must be epoch milliseconds' };
  const late = timeRejection(r.ts, tag, ctx, new Date(r.ts).toISOString());
  if (late) return late;
  return { instrument, ts: r.ts, value: r.value };
}

function knownInstrument(
  rawTag: unknown,
  ctx: CheckContext,
): { instrument: CachedInstrument; tag: string } | Rejection {
  if (typeof rawTag !== 'string' || rawTag === '' || rawTag.length > 100)
    return { reason: 'invalid_payload', tag: null, detail: 'tag must be a non-empty string' };
  const instrument = ctx.lookup(rawTag);
  if (!instrument) return { reason: 'unknown_tag', tag: rawTag };
  return { instrument, tag: rawTag };
}

function timeRejection(ts: number, tag: string, ctx: CheckContext, shown: string): Rejection | null {
  if (ts > ctx.maxTs) return { reason: 'future_timestamp', tag, detail: shown };
  if (ts < ctx.minTs) return { reason: 'stale_timestamp', tag, detail: shown };
  return null;
}

export const isRejection = (x: CheckedReading | Rejection): x is Rejection => 'reason' in x;
