import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Issue 12: the event time of the newest reading a checkpointed state has counted, as a column, so
 * the upsert can refuse to replace a state with an older one. With several processes, one that
 * never received an instrument's readings (or stopped receiving them) may still mark the
 * instrument's state changed (an edit, a source gap re-arming every clock) and must not write its
 * stale state over the owner's. Backfilled from the JSON the rows already hold.
 */
export async function up(db: Db): Promise<void> {
  await db.schema.alterTable('detector_checkpoints').addColumn('last_ts', 'double precision').execute();
  const lastTs =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? sql`(state::jsonb ->> 'lastTs')::double precision`
      : sql`json_extract(state, '$.lastTs')`;
  await sql`update detector_checkpoints set last_ts = ${lastTs} where detector = 'monitor'`.execute(db);
}

export async function down(db: Db): Promise<void> {
  await db.schema.alterTable('detector_checkpoints').dropColumn('last_ts').execute();
}
