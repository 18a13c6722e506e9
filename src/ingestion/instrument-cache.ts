// In-memory copy of the live instrument register, so validating a reading costs a Map lookup and
// never a SQL round trip. Loaded at start, reloaded per instrument on 'instrument.changed', re-read
// whole on 'instruments.changed' (an import changed many at once), and fully refreshed now and then
// because another process may have changed the register (scale-out).

import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { InstrumentRow } from '../db/schema.ts';
import { monitorDefaults, toMonitorConfig } from '../detection/instrument-config.ts';
import type { MonitorConfig } from '../detection/types.ts';
import type { EventBus } from '../shared/events.ts';

export interface CachedInstrument {
  readonly id: number;
  readonly tag: string;
  readonly unit: string;
  /** 'active' | 'maintenance' | 'out_of_service' */
  readonly status: string;
  /** Detector settings, with the configured defaults filled in (STUCK_SENSOR_MINUTES, CUSUM_K/H). */
  readonly monitor: MonitorConfig;
  /** The register row as loaded (baseline, suppression, ...), for detectors that need more. */
  readonly row: Readonly<InstrumentRow>;
}

/** The instrument register as the detectors see it (the monitor, the anomaly scorer): this cache. */
export interface InstrumentSource {
  all(): Iterable<CachedInstrument>;
  get(id: number): CachedInstrument | undefined;
  /** Synchronous, before a reading carries the new entry; returns the unsubscribe function. */
  onChange(listener: InstrumentChangeListener): () => void;
}

export type InstrumentChangeListener = (id: number, now: CachedInstrument | null) => void;

const FULL_REFRESH_MS = 60_000;

export function toCachedInstrument(row: InstrumentRow, config: Config): CachedInstrument {
  return Object.freeze({
    id: row.id,
    tag: row.tag,
    unit: row.unit.trim(),
    status: row.status,
    row: Object.freeze({ ...row }),
    monitor: Object.freeze(toMonitorConfig(row, monitorDefaults(config))),
  });
}

export class InstrumentCache {
  private byTag = new Map<string, CachedInstrument>();
  private byId = new Map<number, CachedInstrument>();
  private listeners: InstrumentChangeListener[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly onManyChanged = () => {
    this.refresh().catch((e) => this.log.error({ err: e }, 'instrument cache refresh failed'));
  };
  private readonly onChanged = (id: number) => {
    this.reload(id).catch((e) =>
      this.log.error({ err: e, instrument_id: id }, 'instrument cache reload failed'),
    );
  };

  constructor(
    private readonly db: Database,
    private readonly config: Config,
    private readonly events: EventBus,
    private readonly log: Logger,
  ) {}

  /** Loads every live instrument and starts following changes. */
  async start(): Promise<void> {
    await this.refresh();
    this.events.on('instrument.changed', this.onChanged);
    this.events.on('instruments.changed', this.onManyChanged);
    this.timer = setInterval(() => {
      this.refresh().catch((e) => this.log.error({ err: e }, 'instrument cache refresh failed'));
    }, FULL_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    this.events.off('instrument.changed', this.onChanged);
    this.events.off('instruments.changed', this.onManyChanged);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  byTagName(tag: string): CachedInstrument | undefined {
    return this.byTag.get(tag);
  }

  get(id: number): CachedInstrument | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<CachedInstrument> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * Called with (id, instrument) after a change and (id, null) after a delete, synchronously, before
   * any reading carries the new entry: the detectors (monitoring, the anomaly scorer) follow the
   * register through this one cache. Returns the unsubscribe function.
   */
  onChange(listener: InstrumentChangeListener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Re-reads one instrument (after 'instrument.changed'). */
  async reload(id: number): Promise<void> {
    const row = await this.db
      .selectFrom('instruments')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    this.apply(id, row ? toCachedInstrument(row, this.config) : null);
  }

  /** Re-reads the whole register and applies the differences. */
  async refresh(): Promise<void> {
    const rows = await this.db
      .selectFrom('instruments')
      .selectAll()
      .where('deleted_at', 'is', null)
      .execute();
    const seen = new Set<number>();
    for (const row of rows) {
      seen.add(row.id);
      const old = this.byId.get(row.id);
      if (!old || old.row.updated_at !== row.updated_at)
        this.apply(row.id, toCachedInstrument(row, this.config));
    }
    for (const id of [...this.byId.keys()]) if (!seen.has(id)) this.apply(id, null);
  }

  private apply(id: number, next: CachedInstrument | null): void {
    const old = this.byId.get(id);
    if (old && this.byTag.get(old.tag) === old) this.byTag.delete(old.tag);
    if (next) {
      this.byId.set(id, next);
      this.byTag.set(next.tag, next);
    } else {
      this.byId.delete(id);
    }
    if (!old && !next) return;
    for (const l of this.listeners) {
      try {
        l(id, next);
      } catch (e) {
        this.log.error({ err: e, instrument_id: id }, 'instrument change listener failed');
      }
    }
  }
}
