import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Issue 12: data gaps with several processes. Each process records, in batches, the event time of
 * the newest reading it received per instrument; the one process holding the data-gap lease judges
 * gaps from this table, so an instrument whose readings moved to another process is not a gap.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('instrument_last_seen')
    .addColumn('instrument_id', 'integer', (c) =>
      c.primaryKey().references('instruments.id').onDelete('cascade'),
    )
    .addColumn('last_ts', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', pg ? 'timestamptz' : 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('instrument_last_seen').execute();
}
