// Window statistics of stored readings, computed by the database (one grouped scan, a row per
// window) so the API never pulls raw readings onto the event loop to count or average them.
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';

export interface WindowAggregate {
  /** Epoch-aligned window index: floor(ts / window). */
  bucket: number;
  /** Good readings in the window. */
  n: number;
  avg: number;
}

/** Per-window count and mean of an instrument's GOOD readings inside the ranges ([start, end) epoch ms). */
export async function windowAggregates(
  db: Kysely<DB>,
  instrumentId: number,
  ranges: readonly (readonly [number, number])[],
  windowSeconds: number,
): Promise<WindowAggregate[]> {
  if (ranges.length === 0) return [];
  // A literal, not a parameter: PostgreSQL must see the same expression in SELECT and GROUP BY.
  // Readings have positive epoch ms, so integer division is floor on both dialects.
  const bucket = sql<number>`ts / ${sql.lit(Math.round(windowSeconds * 1000))}`;
  const rows = await db
    .selectFrom('raw_readings')
    .select([
      bucket.as('bucket'),
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.avg<number>('value').as('avg'),
    ])
    .where('instrument_id', '=', instrumentId)
    .where('quality', '=', 'good')
    .where((eb) => eb.or(ranges.map(([s, e]) => eb.and([eb('ts', '>=', s), eb('ts', '<', e)]))))
    .groupBy(bucket)
    .orderBy(bucket)
    .execute();
  return rows.map((r) => ({ bucket: Number(r.bucket), n: Number(r.n), avg: Number(r.avg) }));
}
