// Tag partitions (INGEST_PARTITIONS): several processes split the instruments between them so each
// instrument's readings are handled, in order, by one process at a time, on any broker. Mosquitto
// hands the messages of a shared subscription round-robin, which would split an instrument's
// readings (and its detector state) between processes; here every process subscribes to every
// reading instead, and handles only the instruments of the partitions it holds (docs/scaling.md).
//
// - An instrument's partition is a hash of its tag, so every process agrees without asking.
// - A partition is a lease (src/shared/leases.ts) named `ingest-partition-<k>`. Each process holds
//   about its share (partitions / live processes, rounded up): it takes free or expired ones, and
//   hands back what is over its share when another process starts (after saving detector state).
// - Readings of partitions held elsewhere are not stored here but kept for a while (the standby
//   buffer, by arrival time): when a process takes a partition over (its holder died or handed it
//   back), it replays them first, so readings that arrived while the partition had no holder are
//   not lost. The primary key stores a reading the old holder had already stored once.
import type { Logger } from 'pino';
import type { Leases } from '../shared/leases.ts';
import type { CachedInstrument } from './instrument-cache.ts';

export const PARTITION_LEASE_PREFIX = 'ingest-partition-';
const PRESENCE_PREFIX = 'ingest-process-';

/** FNV-1a of the lower-cased tag: stable across processes, versions and platforms. */
export function partitionOf(tag: string, partitions: number): number {
  let h = 0x811c9dc5;
  const s = tag.toLowerCase();
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

export interface StandbyReading {
  instrument: CachedInstrument;
  ts: number;
  value: number;
  /** Wall time it arrived (ms). */
  at: number;
}

/** Readings of partitions held by other processes, kept for `keepMs` after they arrived. */
export class StandbyBuffer {
  private readonly byPartition = new Map<number, StandbyReading[]>();
  private size = 0;
  dropped = 0;

  constructor(
    private readonly keepMs: number,
    private readonly maxReadings: number,
  ) {}

  hold(partition: number, r: StandbyReading): void {
    const list = this.byPartition.get(partition);
    if (list) list.push(r);
    else this.byPartition.set(partition, [r]);
    this.size++;
    if (this.size > this.maxReadings) this.evict(r.at, true);
  }

  /** Forgets readings older than the window (and, when over the cap, the oldest of the largest list). */
  evict(now: number, overCap = false): void {
    const cutoff = now - this.keepMs;
    for (const [p, list] of this.byPartition) {
      let n = 0;
      while (n < list.length && list[n].at < cutoff) n++;
      if (n > 0) {
        list.splice(0, n);
        this.size -= n;
      }
      if (list.length === 0) this.byPartition.delete(p);
    }
    if (overCap && this.size > this.maxReadings) {
      const largest = [...this.byPartition.values()].sort((a, b) => b.length - a.length)[0];
      const n = this.size - this.maxReadings;
      largest.splice(0, n);
      this.size -= n;
      this.dropped += n;
    }
  }

  /** Takes the readings of a partition out, oldest event time first. */
  take(partition: number): StandbyReading[] {
    const list = this.byPartition.get(partition) ?? [];
    this.byPartition.delete(partition);
    this.size -= list.length;
    return list.sort((a, b) => a.ts - b.ts);
  }

  get count(): number {
    return this.size;
  }
}

export interface PartitionOwnerDeps {
  leases: Leases;
  log: Logger;
  partitions: number;
  ttlSeconds: number;
  now: () => number;
  /** Before handing partitions back: commit what arrived and save detector state, for the next holder. */
  beforeRelease: (partitions: number[]) => Promise<void>;
  /** After taking partitions: replay the standby readings of each. */
  onTaken: (partitions: number[]) => void;
}

export interface PartitionHealth {
  partitions: number;
  held: number[];
  processes: number;
  standby_readings: number;
  standby_dropped: number;
}

export class PartitionOwner {
  private readonly held = new Set<number>();
  readonly standby: StandbyBuffer;
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private processes = 1;
  private stopped = false;

  constructor(private readonly deps: PartitionOwnerDeps) {
    // A dead holder's partitions are taken within a TTL and a heartbeat: keep twice that and more.
    this.standby = new StandbyBuffer(2 * deps.ttlSeconds * 1000 + 30_000, 2_000_000);
  }

  owns(instrument: CachedInstrument): boolean {
    return this.held.has(partitionOf(instrument.tag, this.deps.partitions));
  }

  /** A reading for a partition held elsewhere: kept in the standby buffer. */
  hold(instrument: CachedInstrument, ts: number, value: number): void {
    this.standby.hold(partitionOf(instrument.tag, this.deps.partitions), {
      instrument,
      ts,
      value,
      at: this.deps.now(),
    });
  }

  /** Takes this process's share before the subscription starts, then keeps the share balanced. */
  async start(): Promise<void> {
    await this.balance();
    const everyMs = (this.deps.ttlSeconds * 1000) / 3;
    this.timer = setInterval(() => {
      this.round ??= this.balance()
        .catch((err: unknown) => this.deps.log.error({ err }, 'ingest partition heartbeat failed'))
        .finally(() => {
          this.round = null;
        });
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.round;
    // The leases themselves are handed back by Leases.stop() with every other lease.
  }

  health(): PartitionHealth {
    return {
      partitions: this.deps.partitions,
      held: [...this.held].sort((a, b) => a - b),
      processes: this.processes,
      standby_readings: this.standby.count,
      standby_dropped: this.standby.dropped,
    };
  }

  /** One heartbeat: renew what we hold, hand back what is over our share, take free partitions up to it. */
  private async balance(): Promise<void> {
    const { leases, partitions, log } = this.deps;
    this.standby.evict(this.deps.now());
    await leases.acquire(`${PRESENCE_PREFIX}${leases.holder}`);
    await leases.purgeExpired(PRESENCE_PREFIX);
    this.processes = Math.max(1, await leases.countHeld(PRESENCE_PREFIX));
    const share = Math.ceil(partitions / this.processes);

    for (const p of [...this.held]) {
      if ((await leases.acquire(name(p))) === 'none') {
        this.held.delete(p);
        log.warn({ partition: p }, 'ingest partition lost to another process');
      }
    }
    if (this.stopped) return;
    const excess = [...this.held].sort((a, b) => b - a).slice(0, Math.max(0, this.held.size - share));
    if (excess.length > 0) {
      for (const p of excess) this.held.delete(p);
      try {
        await this.deps.beforeRelease(excess);
      } finally {
        await leases.release(excess.map(name));
      }
      log.info({ partitions: excess, share, processes: this.processes }, 'ingest partitions handed back');
    }

    const taken: number[] = [];
    // Start at a different partition in each process, so processes starting together rarely race.
    const offset = partitionOf(leases.holder, partitions);
    for (let i = 0; i < partitions && this.held.size < share && !this.stopped; i++) {
      const p = (offset + i) % partitions;
      if (this.held.has(p)) continue;
      if ((await leases.acquire(name(p))) !== 'none') {
        this.held.add(p);
        taken.push(p);
      }
    }
    if (taken.length > 0) {
      log.info({ partitions: taken, share, processes: this.processes }, 'ingest partitions taken');
      this.deps.onTaken(taken);
    }
  }
}

const name = (p: number) => `${PARTITION_LEASE_PREFIX}${p}`;
