// Ingestion counters for /health and /metrics. The hot path bumps plain numbers; prom-client reads
// them when /metrics is scraped (collect), so a reading costs no metric-library call.

import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { EventLoopDelay } from '../health/event-loop-delay.ts';
import { REJECT_REASONS, type RejectReason } from './payload.ts';

const UNKNOWN_TAGS_KEPT = 200;
const LOG_KEYS_KEPT = 10_000;
const LOG_EVERY_MS = 60_000;
const RATE_WINDOW_SECONDS = 10;

/** Seconds from a reading's timestamp to its commit: how far behind the plant the database is. */
const LAG_BUCKETS = [
  0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2, 5, 10, 30, 60, 300,
];

export interface UnknownTag {
  tag: string;
  count: number;
  last_seen: string;
}

export class IngestStats {
  messages = 0;
  readingsAccepted = 0;
  /** Readings of instruments another process handles (INGEST_PARTITIONS): kept aside, not stored here. */
  heldElsewhere = 0;
  /** Rows the database inserted (a redelivered reading already stored is not counted). */
  stored = 0;
  duplicates = 0;
  flushes = 0;
  flushErrors = 0;
  readonly rejected: Record<RejectReason, number> = Object.fromEntries(
    REJECT_REASONS.map((r) => [r, 0]),
  ) as Record<RejectReason, number>;
  private unknown = new Map<string, { count: number; lastSeen: number }>();
  private lastLogged = new Map<string, number>();
  private samples: { at: number; messages: number; readings: number }[] = [];
  private sampler: NodeJS.Timeout | null = null;
  readonly lag: Histogram;
  readonly flushSeconds: Histogram;
  /** This thread's event-loop delay: what any work on it adds to the acknowledgement of readings. */
  readonly loopDelay: EventLoopDelay;

  constructor(
    private readonly log: Logger,
    registry: Registry,
    gauges: { queueDepth: () => number; brokerConnected: () => boolean },
  ) {
    const stats = this;
    const plain = (name: string, help: string, get: () => number) =>
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(get());
        },
      });
    plain('cmms_ingest_messages_total', 'MQTT messages received on the readings topic', () => stats.messages);
    plain(
      'cmms_ingest_readings_accepted_total',
      'Readings that passed validation',
      () => stats.readingsAccepted,
    );
    plain('cmms_ingest_readings_stored_total', 'Readings inserted into raw_readings', () => stats.stored);
    plain(
      'cmms_ingest_readings_duplicate_total',
      'Accepted readings already stored (QoS 1 redeliveries)',
      () => stats.duplicates,
    );
    plain('cmms_ingest_flush_errors_total', 'Failed write transactions (retried)', () => stats.flushErrors);
    new Counter({
      name: 'cmms_ingest_rejected_total',
      help: 'Readings or messages refused, by reason',
      labelNames: ['reason'],
      registers: [registry],
      collect() {
        this.reset();
        for (const r of REJECT_REASONS) this.inc({ reason: r }, stats.rejected[r]);
      },
    });
    new Gauge({
      name: 'cmms_ingest_queue_depth',
      help: 'Accepted readings waiting for the next write transaction',
      registers: [registry],
      collect() {
        this.set(gauges.queueDepth());
      },
    });
    new Gauge({
      name: 'cmms_ingest_messages_per_second',
      help: `Messages per second over the last ${RATE_WINDOW_SECONDS} s`,
      registers: [registry],
      collect() {
        this.set(stats.rates().messages);
      },
    });
    new Gauge({
      name: 'cmms_ingest_unknown_tags',
      help: 'Distinct unknown tags seen recently',
      registers: [registry],
      collect() {
        this.set(stats.unknown.size);
      },
    });
    new Gauge({
      name: 'cmms_broker_connected',
      help: '1 when the ingestion side is connected to its broker (or the embedded broker listens)',
      registers: [registry],
      collect() {
        this.set(gauges.brokerConnected() ? 1 : 0);
      },
    });
    this.lag = new Histogram({
      name: 'cmms_ingest_commit_lag_seconds',
      help: 'Reading timestamp to database commit',
      buckets: LAG_BUCKETS,
      registers: [registry],
    });
    this.loopDelay = new EventLoopDelay(registry);
    this.flushSeconds = new Histogram({
      name: 'cmms_ingest_flush_seconds',
      help: 'Duration of one write transaction',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  }

  start(): void {
    this.loopDelay.start();
    this.sample();
    this.sampler = setInterval(() => this.sample(), 1000);
    this.sampler.unref();
  }

  stop(): void {
    this.loopDelay.stop();
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
  }

  private sample(): void {
    this.samples.push({ at: performance.now(), messages: this.messages, readings: this.readingsAccepted });
    if (this.samples.length > RATE_WINDOW_SECONDS + 1) this.samples.shift();
  }

  /** Messages and readings per second over the last few seconds. */
  rates(): { messages: number; readings: number } {
    const first = this.samples[0];
    if (!first) return { messages: 0, readings: 0 };
    const seconds = (performance.now() - first.at) / 1000;
    if (seconds < 0.5) return { messages: 0, readings: 0 };
    const round = (v: number) => Math.round(v * 10) / 10;
    return {
      messages: round((this.messages - first.messages) / seconds),
      readings: round((this.readingsAccepted - first.readings) / seconds),
    };
  }

  /** Counts a reject and logs it at most once per tag and reason per minute. */
  reject(reason: RejectReason, tag: string | null, detail: string | undefined, topic: string, n = 1): void {
    this.rejected[reason] += n;
    const now = Date.now();
    if (reason === 'unknown_tag' && tag !== null) this.noteUnknown(tag, now, n);
    const key = `${reason}\u0000${tag ?? ''}`;
    const last = this.lastLogged.get(key);
    if (last !== undefined && now - last < LOG_EVERY_MS) return;
    if (this.lastLogged.size >= LOG_KEYS_KEPT) this.lastLogged.clear();
    this.lastLogged.set(key, now);
    this.log.warn(
      { reason, tag, topic, detail },
      'reading rejected (logged once per tag and reason per minute)',
    );
  }

  private noteUnknown(tag: string, now: number, n: number): void {
    const u = this.unknown.get(tag);
    if (u) {
      u.count += n;
      u.lastSeen = now;
      // Map order is insertion order: re-insert so the oldest-seen tag is evicted first.
      this.unknown.delete(tag);
      this.unknown.set(tag, u);
      return;
    }
    if (this.unknown.size >= UNKNOWN_TAGS_KEPT) {
      const oldest = this.unknown.keys().next().value;
      if (oldest !== undefined) this.unknown.delete(oldest);
    }
    this.unknown.set(tag.slice(0, 100), { count: n, lastSeen: now });
  }

  /** Unknown tags, most recently seen first. */
  unknownTags(): UnknownTag[] {
    return [...this.unknown.entries()]
      .reverse()
      .map(([tag, u]) => ({ tag, count: u.count, last_seen: new Date(u.lastSeen).toISOString() }));
  }

  /** A known tag arrived (the instrument was registered): it is no longer unknown. */
  forgetUnknown(tag: string): void {
    this.unknown.delete(tag);
  }
}
