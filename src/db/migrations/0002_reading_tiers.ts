import type { Kysely } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * The downsampler reads the 1-minute and hourly tiers by time across all instruments (to build the
 * next tier); their primary keys lead with instrument_id, so each gets an index on bucket.
 */
export async function up(db: Db): Promise<void> {
  await db.schema.createIndex('readings_1m_bucket').on('readings_1m').column('bucket').execute();
  await db.schema.createIndex('readings_1h_bucket').on('readings_1h').column('bucket').execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropIndex('readings_1h_bucket').execute();
  await db.schema.dropIndex('readings_1m_bucket').execute();
}
