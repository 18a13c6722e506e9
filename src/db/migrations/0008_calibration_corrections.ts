import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Corrections that need an admin's approval. A correction record keeps the original performer in
 * technician_id and names who corrected it in corrected_by. A technician's correction of someone
 * else's calibration waits in calibration_corrections (status pending) until an admin approves it
 * (then the correcting record is written and linked in record_id) or rejects it; the original stays
 * in force meanwhile. At most one pending correction per record, enforced by the database.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ts = pg ? 'timestamptz' : 'text';
  await db.schema
    .alterTable('calibration_records')
    .addColumn('corrected_by', 'integer', (c) => c.references('users.id'))
    .execute();
  // Corrections recorded before this migration were entered by their technician.
  await sql`update calibration_records set corrected_by = technician_id where corrects_id is not null`.execute(
    db,
  );

  let t = db.schema.createTable('calibration_corrections');
  t = pg
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await t
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('calibration_id', 'integer', (c) => c.notNull().references('calibration_records.id'))
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('requested_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('proposal', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reviewed_by', 'integer', (c) => c.references('users.id'))
    .addColumn('reviewed_at', ts)
    .addColumn('review_notes', 'text')
    .addColumn('record_id', 'integer', (c) => c.references('calibration_records.id'))
    .execute();
  await sql`create unique index calibration_corrections_one_pending on calibration_corrections (calibration_id) where status = 'pending'`.execute(
    db,
  );
  await db.schema
    .createIndex('calibration_corrections_status')
    .on('calibration_corrections')
    .columns(['status', 'created_at'])
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('calibration_corrections').ifExists().execute();
  await db.schema.alterTable('calibration_records').dropColumn('corrected_by').execute();
}
