// The ingestion pipeline: message -> decode -> check -> quality stamp -> live store -> writer queue
// -> detector sinks. No SQL on this path: instruments come from the in-memory cache, writes are
// batched by the ReadingWriter, and the acknowledgement to the broker waits for the commit.
//
// ─── Interface for detectors (the monitoring side) ────────────────────────────────────────────────
//
//   interface ReadingSink { onReadings(batch: readonly AcceptedReading[]): void }
//   pipeline.addSink(sink)            // from main.ts: ctx.ingestion.pipeline.addSink(...)
//   pipeline.lastSeen(instrumentId)   // event time (epoch ms) of the newest reading, or null
//   pipeline.instruments              // InstrumentCache: get(id), byTagName(tag), all(), onChange(...)
//   pipeline.live                     // LiveStore: lastReading(id), window(id, fromTs), lastSeen(id)
//
// - onReadings is called synchronously, once per MQTT message that carried accepted readings, right
//   after the readings are queued for writing (detectors never wait for SQL; the commit and the
//   broker acknowledgement follow within INGEST_FLUSH_MS).
// - A batch holds only in-order readings: each has a ts later than the previous accepted reading of
//   its instrument. Late or duplicate readings (a QoS 1 redelivery, a gateway's backfill) are still
//   stored but not given to sinks, so detector state always moves forward in event time.
// - quality is 'good' | 'fault' | 'spike' from classifyReading (detection/signal.ts), against the
//   instrument's last good reading; fault and spike readings are in the batch, flagged.
// - Connectors (src/connectors/: Sparkplug B, OPC UA, Modbus) hand over readings they decoded
//   themselves through ingestDecoded(): the same tag, value and time checks, rejections counted by
//   the same reasons, the same quality stamps, live store, writer and sinks. Their own quality maps
//   onto ours: 'bad' -> 'fault' (stored flagged, raises instrument_fault with condition
//   'source_bad' unless the value itself is out of the loop window), 'uncertain' -> 'spike' (the
//   flagged-but-plausible quality: stored flagged, kept out of rules, CUSUM, stuck and the forest).
// - A sink that throws is logged (once a minute per sink) and skipped; it cannot stall ingestion.
// - Sinks run on the event loop of the ingesting process: keep onReadings cheap (pure state updates;
//   queue any SQL, such as raising an alert, without awaiting it here).

import type { Logger } from 'pino';
import { classifyReading } from '../detection/signal.ts';
import type { Quality } from '../detection/types.ts';
import type { LiveStore } from '../readings/live-store.ts';
import type { Ack, ReadingWriter, RowToWrite } from '../readings/reading-writer.ts';
import { OLDEST_ACCEPTED_MS } from '../readings/tiers.ts';
import type { Clock } from '../shared/clock.ts';
import type { IngestStats } from './ingest-stats.ts';
import type { CachedInstrument, InstrumentCache } from './instrument-cache.ts';
import {
  type CheckContext,
  type CheckedReading,
  checkDecodedReading,
  checkReading,
  decodeMessage,
  isRejection,
  tagFromTopic,
} from './payload.ts';

export interface AcceptedReading extends RowToWrite {
  instrumentId: number;
  tag: string;
  /** Event time, epoch ms. */
  ts: number;
  value: number;
  quality: Quality;
  instrument: CachedInstrument;
  /** Set when a connector's source said the value is bad (OPC UA Bad status, Sparkplug is_null...). */
  sourceBad?: true;
}

/** A reading a connector decoded and mapped to a tag, with the quality its source gave it. */
export interface DecodedReading {
  tag: string;
  /** Event time, epoch ms. */
  ts: number;
  value: number;
  quality: 'good' | 'bad' | 'uncertain';
}

export interface ReadingSink {
  /** Optional name for logs. */
  readonly name?: string;
  onReadings(batch: readonly AcceptedReading[]): void;
}

/**
 * Which instruments this process handles (INGEST_PARTITIONS, src/ingestion/partitions.ts); the
 * MQTT readings of the others are held aside, not stored or given to detectors here.
 */
export interface Ownership {
  owns(instrument: CachedInstrument): boolean;
  hold(instrument: CachedInstrument, ts: number, value: number): void;
}

export interface PipelineOptions {
  /** Readings stamped more than this ahead of the clock are refused (the spec: 5 minutes). */
  maxFutureMs: number;
  maxPayloadBytes: number;
  maxReadingsPerMessage: number;
}

export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = {
  maxFutureMs: 5 * 60_000,
  maxPayloadBytes: 1024 * 1024,
  maxReadingsPerMessage: 10_000,
};

const SINK_ERROR_LOG_MS = 60_000;

export class IngestionPipeline {
  private sinks: ReadingSink[] = [];
  private ownership: Ownership | null = null;
  private sinkErrorLogged = new Map<ReadingSink, number>();
  private readonly lookup = (tag: string) => this.instruments.byTagName(tag);

  constructor(
    readonly instruments: InstrumentCache,
    readonly live: LiveStore,
    readonly writer: ReadingWriter,
    readonly stats: IngestStats,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: PipelineOptions = DEFAULT_PIPELINE_OPTIONS,
  ) {
    instruments.onChange((id, now) => {
      if (!now) live.forget(id);
      else stats.forgetUnknown(now.tag);
    });
  }

  addSink(sink: ReadingSink): void {
    this.sinks.push(sink);
  }

  removeSink(sink: ReadingSink): void {
    this.sinks = this.sinks.filter((s) => s !== sink);
    this.sinkErrorLogged.delete(sink);
  }

  setOwnership(ownership: Ownership | null): void {
    this.ownership = ownership;
  }

  /**
   * Readings of instruments this process has just taken over, in event-time order: stored (the
   * primary key keeps a reading the previous holder stored once) and, when newer than what was
   * seen here, given to the detectors. No acknowledgement: the broker's copy was acknowledged on arrival.
   */
  replay(readings: readonly CheckedReading[]): void {
    const accepted: AcceptedReading[] = [];
    const inOrder: AcceptedReading[] = [];
    for (const r of readings) this.stamp(r, 'good', accepted, inOrder);
    if (accepted.length > 0) this.commit(accepted, inOrder, null);
  }

  /** Event time (epoch ms) of the instrument's newest reading, or null when none was ever seen. */
  lastSeen(instrumentId: number): number | null {
    return this.live.lastSeen(instrumentId);
  }

  /** True while the writer's queue is at its maximum: transports wait on whenDrained() first. */
  get full(): boolean {
    return this.writer.full;
  }

  whenDrained(): Promise<void> {
    return this.writer.whenDrained();
  }

  /**
   * One MQTT message. Never throws on a payload: every refusal is counted by reason. `ack` runs after
   * the commit that stores the message's readings (at once in queue order when none were valid).
   */
  ingest(topic: string, payload: Buffer | string, ack: Ack | null): void {
    const stats = this.stats;
    stats.messages++;
    const decoded = decodeMessage(payload, this.opts.maxPayloadBytes, this.opts.maxReadingsPerMessage);
    if ('reject' in decoded) {
      stats.reject(decoded.reject, tagFromTopic(topic), decoded.detail, topic);
      this.writer.enqueue([], ack);
      return;
    }
    const ctx = this.checkContext();
    // A single object may leave the tag to the topic (plant/readings/<tag>); array items may not.
    const fallbackTag = decoded.array ? null : tagFromTopic(topic);
    const accepted: AcceptedReading[] = [];
    const inOrder: AcceptedReading[] = [];
    for (const item of decoded.items) {
      const checked = checkReading(item, fallbackTag, ctx);
      if (isRejection(checked)) {
        stats.reject(checked.reason, checked.tag, checked.detail, topic);
        continue;
      }
      // Tag partitions: another process handles this instrument (connector readings, below, come
      // from the one process running the connectors and are never held aside).
      if (this.ownership && !this.ownership.owns(checked.instrument)) {
        this.ownership.hold(checked.instrument, checked.ts, checked.value);
        stats.heldElsewhere++;
        continue;
      }
      this.stamp(checked, 'good', accepted, inOrder);
    }
    this.commit(accepted, inOrder, ack);
  }

  /**
   * Readings a connector decoded itself (src/connectors/). Same checks, stamps, store and sinks as
   * ingest(); `origin` names the source in reject logs. `ack` runs after the commit. Returns how
   * many were accepted.
   */
  ingestDecoded(readings: readonly DecodedReading[], origin: string, ack: Ack | null): number {
    const ctx = this.checkContext();
    const accepted: AcceptedReading[] = [];
    const inOrder: AcceptedReading[] = [];
    for (const r of readings) {
      const checked = checkDecodedReading(r, ctx);
      if (isRejection(checked)) {
        this.stats.reject(checked.reason, checked.tag, checked.detail, origin);
        continue;
      }
      this.stamp(checked, r.quality, accepted, inOrder);
    }
    this.commit(accepted, inOrder, ack);
    return accepted.length;
  }

  private checkContext(): CheckContext {
    const nowMs = this.clock.now().getTime();
    return {
      lookup: this.lookup,
      maxTs: nowMs + this.opts.maxFutureMs,
      minTs: nowMs - OLDEST_ACCEPTED_MS,
    };
  }

  /** Quality stamp and live store for one checked reading. */
  private stamp(
    checked: CheckedReading,
    sourceQuality: DecodedReading['quality'],
    accepted: AcceptedReading[],
    inOrder: AcceptedReading[],
  ): void {
    const { instrument, ts, value } = checked;
    const entry = this.live.entry(instrument.id);
    const fresh = !(ts <= entry.latestTs);
    const prev = Number.isNaN(entry.lastGoodTs)
      ? undefined
      : { ts: entry.lastGoodTs, value: entry.lastGoodValue };
    // The rate check only makes sense forward in time; a late reading is judged on its value alone.
    let quality = classifyReading(instrument.monitor, value, ts, fresh ? prev : undefined).quality;
    const sourceBad = sourceQuality === 'bad' && quality !== 'fault';
    if (sourceQuality === 'bad') quality = 'fault';
    else if (sourceQuality === 'uncertain' && quality === 'good') quality = 'spike';
    const reading: AcceptedReading = {
      instrumentId: instrument.id,
      tag: instrument.tag,
      ts,
      value,
      quality,
      instrument,
    };
    if (sourceBad) reading.sourceBad = true;
    accepted.push(reading);
    if (fresh) {
      this.live.record(entry, ts, value, quality, instrument.monitor.publishIntervalSeconds);
      inOrder.push(reading);
    }
  }

  private commit(accepted: AcceptedReading[], inOrder: AcceptedReading[], ack: Ack | null): void {
    this.stats.readingsAccepted += accepted.length;
    this.writer.enqueue(accepted, ack);
    if (inOrder.length > 0 && this.sinks.length > 0) this.deliver(inOrder);
  }

  private deliver(batch: readonly AcceptedReading[]): void {
    for (const sink of this.sinks) {
      try {
        sink.onReadings(batch);
      } catch (err) {
        const now = Date.now();
        const last = this.sinkErrorLogged.get(sink) ?? 0;
        if (now - last >= SINK_ERROR_LOG_MS) {
          this.sinkErrorLogged.set(sink, now);
          this.log.error({ err, sink: sink.name ?? 'unnamed' }, 'reading sink failed (logged once a minute)');
        }
      }
    }
  }
}
