import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Reference standard certificates (issue 13, item 4). Until now a standard's certificate number and
 * dates were edited in place; from here a new certificate is a new row in
 * reference_standard_certificates (never edited), carrying the standard's expanded uncertainty. The
 * reference_standards row keeps a copy of the current certificate (number, dates, uncertainty) for
 * listings. Every existing standard gets its current certificate as the first row of its history.
 * Records note the certificate in force when they were performed and their lowest TUR; points the
 * standard's uncertainty (in the instrument's unit) and their test uncertainty ratio.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ts = pg ? 'timestamptz' : 'text';
  const date = pg ? 'date' : 'text';
  const real = 'double precision';
  let t = db.schema.createTable('reference_standard_certificates');
  t = pg
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await t
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('reference_standard_id', 'integer', (c) => c.notNull().references('reference_standards.id'))
    .addColumn('certificate_number', 'text', (c) => c.notNull())
    .addColumn('calibrated_on', date, (c) => c.notNull())
    .addColumn('due_date', date, (c) => c.notNull())
    .addColumn('uncertainty_value', real)
    .addColumn('uncertainty_unit', 'text')
    .addColumn('issued_by', 'text')
    .addColumn('notes', 'text')
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .execute();
  await db.schema
    .createIndex('reference_standard_certificates_standard')
    .on('reference_standard_certificates')
    .columns(['reference_standard_id', 'calibrated_on'])
    .execute();

  await db.schema.alterTable('reference_standards').addColumn('uncertainty_value', real).execute();
  await db.schema.alterTable('reference_standards').addColumn('uncertainty_unit', 'text').execute();
  await db.schema
    .alterTable('reference_standards')
    .addColumn('current_certificate_id', 'integer', (c) => c.references('reference_standard_certificates.id'))
    .execute();

  await sql`insert into reference_standard_certificates
      (created_at, updated_at, reference_standard_id, certificate_number, calibrated_on, due_date)
    select created_at, updated_at, id, certificate_number, calibrated_on, due_date from reference_standards`.execute(
    db,
  );
  await sql`update reference_standards set current_certificate_id =
    (select max(c.id) from reference_standard_certificates c where c.reference_standard_id = reference_standards.id)`.execute(
    db,
  );

  await db.schema
    .alterTable('calibration_records')
    .addColumn('reference_certificate_id', 'integer', (c) =>
      c.references('reference_standard_certificates.id'),
    )
    .execute();
  await db.schema.alterTable('calibration_records').addColumn('min_tur', real).execute();
  // Records made before the history existed used the only certificate there was.
  await sql`update calibration_records set reference_certificate_id =
    (select rs.current_certificate_id from reference_standards rs where rs.id = calibration_records.reference_standard_id)
    where reference_standard_id is not null`.execute(db);
  await db.schema.alterTable('calibration_points').addColumn('std_uncertainty', real).execute();
  await db.schema.alterTable('calibration_points').addColumn('tur', real).execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.alterTable('calibration_points').dropColumn('tur').execute();
  await db.schema.alterTable('calibration_points').dropColumn('std_uncertainty').execute();
  await db.schema.alterTable('calibration_records').dropColumn('min_tur').execute();
  await db.schema.alterTable('calibration_records').dropColumn('reference_certificate_id').execute();
  await db.schema.alterTable('reference_standards').dropColumn('current_certificate_id').execute();
  await db.schema.alterTable('reference_standards').dropColumn('uncertainty_unit').execute();
  await db.schema.alterTable('reference_standards').dropColumn('uncertainty_value').execute();
  await db.schema.dropTable('reference_standard_certificates').ifExists().execute();
}
