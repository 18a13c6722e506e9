import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Background jobs learn who runs them (worker_id) and when that runner was last alive
 * (heartbeat_at), so a process that starts can tell a job orphaned by a dead process from one another
 * live process is still running. Models get at most one active version per instrument, enforced by
 * the database so two concurrent activations cannot both win.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ts = pg ? 'timestamptz' : 'text';
  await db.schema.alterTable('background_jobs').addColumn('worker_id', 'text').execute();
  await db.schema.alterTable('background_jobs').addColumn('heartbeat_at', ts).execute();
  await db.schema
    .createIndex('background_jobs_created_by')
    .on('background_jobs')
    .columns(['created_by', 'created_at'])
    .execute();
  await db.schema.createIndex('ml_baselines_instrument').on('ml_baselines').column('instrument_id').execute();
  await sql`create unique index ml_model_versions_one_active on ml_model_versions (instrument_id) where is_active = 1`.execute(
    db,
  );
}

export async function down(db: Db): Promise<void> {
  await sql`drop index if exists ml_model_versions_one_active`.execute(db);
  await db.schema.dropIndex('ml_baselines_instrument').ifExists().execute();
  await db.schema.dropIndex('background_jobs_created_by').ifExists().execute();
  await db.schema.alterTable('background_jobs').dropColumn('heartbeat_at').execute();
  await db.schema.alterTable('background_jobs').dropColumn('worker_id').execute();
}
