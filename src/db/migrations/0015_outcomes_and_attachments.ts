import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Issue 13 (outcomes, attachments):
 * - `impact_assessments`: a failed as-found opens one on the corrective work order: the period the
 *   instrument measured since its last good calibration, the readings and alerts in it, and the
 *   engineer's assessment (open -> completed).
 * - `calibration_review_flags`: a reference standard found out of tolerance flags every calibration
 *   it was used for since its last good certificate (open -> reviewed), one flag per record and report.
 * - `attachments`: photos, screenshots and PDFs on calibration and work-order records; the bytes
 *   live in ATTACHMENTS_DIR, the row holds name, checked MIME type, size and SHA-256.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ts = pg ? 'timestamptz' : 'text';
  const idCol = (t: ReturnType<Db['schema']['createTable']>) =>
    pg
      ? t.addColumn('id', 'serial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  await idCol(db.schema.createTable('impact_assessments'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('work_order_id', 'integer', (c) => c.notNull().unique().references('work_orders.id'))
    .addColumn('calibration_record_id', 'integer', (c) => c.notNull().references('calibration_records.id'))
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('period_from', ts)
    .addColumn('period_to', ts, (c) => c.notNull())
    .addColumn('readings_count', 'integer', (c) => c.notNull())
    .addColumn('alerts_count', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('assessment', 'text')
    .addColumn('completed_by', 'integer', (c) => c.references('users.id'))
    .addColumn('completed_at', ts)
    .execute();

  await idCol(db.schema.createTable('standard_oot_reports'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('reference_standard_id', 'integer', (c) => c.notNull().references('reference_standards.id'))
    .addColumn('found_at', ts, (c) => c.notNull())
    .addColumn('since', ts, (c) => c.notNull())
    .addColumn('notes', 'text', (c) => c.notNull())
    .addColumn('reported_by', 'integer', (c) => c.notNull().references('users.id'))
    .execute();

  await idCol(db.schema.createTable('calibration_review_flags'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('report_id', 'integer', (c) => c.notNull().references('standard_oot_reports.id'))
    .addColumn('calibration_record_id', 'integer', (c) => c.notNull().references('calibration_records.id'))
    .addColumn('reference_standard_id', 'integer', (c) => c.notNull().references('reference_standards.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reviewed_by', 'integer', (c) => c.references('users.id'))
    .addColumn('reviewed_at', ts)
    .addColumn('review_notes', 'text')
    .execute();
  await db.schema
    .createIndex('calibration_review_flags_record')
    .on('calibration_review_flags')
    .columns(['calibration_record_id', 'report_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('calibration_review_flags_status')
    .on('calibration_review_flags')
    .columns(['status', 'created_at'])
    .execute();

  await idCol(db.schema.createTable('attachments'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'integer', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('storage_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('uploaded_by', 'integer', (c) => c.notNull().references('users.id'))
    .execute();
  await db.schema
    .createIndex('attachments_entity')
    .on('attachments')
    .columns(['entity_type', 'entity_id', 'created_at'])
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('attachments').ifExists().execute();
  await db.schema.dropTable('calibration_review_flags').ifExists().execute();
  await db.schema.dropTable('standard_oot_reports').ifExists().execute();
  await db.schema.dropTable('impact_assessments').ifExists().execute();
}
