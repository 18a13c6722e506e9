import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Issue 18: calibration records that came from a plant's spreadsheets.
 * - `import_kind`: null for work recorded here; 'history' for a record imported with its test
 *   points; 'summary' for a register's last-calibration date alone ("imported, no test points").
 * - `performed_by_name` / `reference_standard_text`: the performer and the standard as the file
 *   named them, kept as text when they are not a user or a registered standard here.
 * - One imported record per instrument, time and kind: re-importing a file, or two imports racing,
 *   cannot write the same calibration twice (the index decides the one winner).
 */
export async function up(db: Db): Promise<void> {
  await db.schema.alterTable('calibration_records').addColumn('import_kind', 'text').execute();
  await db.schema.alterTable('calibration_records').addColumn('performed_by_name', 'text').execute();
  await db.schema.alterTable('calibration_records').addColumn('reference_standard_text', 'text').execute();
  await db.schema
    .createIndex('calibration_records_imported_once')
    .on('calibration_records')
    .columns(['instrument_id', 'performed_at', 'import_kind'])
    .unique()
    .where(sql.ref('import_kind'), 'is not', null)
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropIndex('calibration_records_imported_once').execute();
  for (const c of ['reference_standard_text', 'performed_by_name', 'import_kind'])
    await db.schema.alterTable('calibration_records').dropColumn(c).execute();
}
