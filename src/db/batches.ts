import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.ts';

// Set-based writes of many rows (imports): one statement per batch instead of one per row. A
// statement carries at most 65,535 bind parameters on PostgreSQL and 32,766 on SQLite; batches stay
// under both.

export const MAX_BIND_PARAMS = 30_000;

/** `items` cut into batches whose statements bind at most MAX_BIND_PARAMS (`paramsPerItem` each). */
export function batchesOf<T>(items: readonly T[], paramsPerItem = 1): T[][] {
  const size = Math.max(1, Math.floor(MAX_BIND_PARAMS / Math.max(1, paramsPerItem)));
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += size) out.push(items.slice(at, at + size));
  return out;
}

/**
 * Sets one text column of many rows, each to its own value, in a statement per batch
 * (`update ... from (values ...)`, which both SQLite 3.33+ and PostgreSQL accept).
 */
export async function setColumnById(
  trx: Kysely<DB>,
  table: keyof DB,
  column: string,
  values: readonly { id: number; value: string | null }[],
): Promise<void> {
  for (const batch of batchesOf(values, 2)) {
    const rows = sql.join(batch.map((v) => sql`(cast(${v.id} as integer), cast(${v.value} as text))`));
    await sql`update ${sql.table(table)} set ${sql.ref(column)} = v.column2
      from (values ${rows}) as v where ${sql.ref(`${table}.id`)} = v.column1`.execute(trx);
  }
}
