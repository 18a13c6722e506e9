import { type Kysely, PostgresAdapter } from 'kysely';
import type { DB } from './schema.ts';

type LockableTable = 'calibration_records' | 'instruments' | 'model_groups';

/**
 * Locks one row for the rest of the transaction on PostgreSQL (SQLite writers are serial already).
 * Changes that touch several rows of one owner (the active model among its versions, a correction of
 * a record) take their owner's lock first: concurrent changes then queue in one order instead of
 * deadlocking on each other's row and unique-index locks. "No key update" leaves foreign-key checks
 * (readings inserted for the instrument) unblocked.
 */
export async function lockRow(trx: Kysely<DB>, table: LockableTable, id: number): Promise<void> {
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
  await trx.selectFrom(table).select('id').where('id', '=', id).forNoKeyUpdate().execute();
}
