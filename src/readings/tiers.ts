// The reading tiers and their retention, in one place: raw 7 days, 1-minute 90 days, hourly 2 years,
// daily forever (the issue's numbers). Buckets are UTC, keyed by their start in epoch ms.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export type TierName = 'raw' | '1m' | '1h' | '1d';
export type AggregateTable = 'readings_1m' | 'readings_1h' | 'readings_1d';

export interface AggregateTier {
  name: Exclude<TierName, 'raw'>;
  table: AggregateTable;
  bucketMs: number;
  /** Null: kept forever. */
  retentionMs: number | null;
}

export const RAW_RETENTION_MS = 7 * DAY_MS;

export const AGGREGATE_TIERS: readonly AggregateTier[] = [
  { name: '1m', table: 'readings_1m', bucketMs: MINUTE_MS, retentionMs: 90 * DAY_MS },
  { name: '1h', table: 'readings_1h', bucketMs: HOUR_MS, retentionMs: 730 * DAY_MS },
  { name: '1d', table: 'readings_1d', bucketMs: DAY_MS, retentionMs: null },
];

/**
 * Downsampling stays this far behind the clock so readings that arrive a little late (network,
 * broker queue, a batch still in flight) are in raw before their minute is aggregated.
 */
export const SETTLE_MS = 2 * MINUTE_MS;

/**
 * A reading older than now - (SETTLE_MS - this) when it is committed may belong to a minute that is
 * already aggregated: the writer marks it so the downsampler recomputes from there. The margin covers
 * a write transaction racing a downsampling pass.
 */
export const LATE_MARGIN_MS = 30_000;
export const LATE_AFTER_MS = SETTLE_MS - LATE_MARGIN_MS;

/**
 * Readings older than this are refused at ingestion: raw data that old is being deleted, so a
 * bucket recomputed from it would be incomplete. One hour of slack keeps clear of the hourly delete.
 */
export const OLDEST_ACCEPTED_MS = RAW_RETENTION_MS - HOUR_MS;

/** system_state keys (the watermarks make each step idempotent and safe with several processes). */
export const STATE = {
  /** Exclusive end (epoch ms) of the buckets a tier holds complete. */
  watermark: (tier: AggregateTier['name']) => `readings.${tier}.watermark`,
  /** Everything below this (epoch ms) has been deleted from the table. */
  floor: (tier: TierName) => `readings.${tier}.floor`,
  /** Earliest late reading committed below an aggregated minute, awaiting recomputation. */
  dirtyFrom: 'readings.dirty_from',
} as const;

/**
 * Clean history: readings of these qualities (outside the loop-current window, or faster than the
 * instrument's max rate) stay out of every tier's avg/min/max and of trend points; the tiers count
 * them apart in `bad_count`.
 */
export const BAD_QUALITIES = ['fault', 'spike'] as const;
export const BAD_QUALITIES_SQL = `(${BAD_QUALITIES.map((q) => `'${q}'`).join(', ')})`;

export const floorTo = (t: number, step: number) => Math.floor(t / step) * step;
