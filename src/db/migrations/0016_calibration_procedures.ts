import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Calibration procedures (issue 13, items 2 and 3): templates of test points (% of span), direction,
 * cycles, tolerance rule (JSON: mode, adjust and fail limits, guard band) and transfer function
 * (JSON: linear, square root, Pt100, type K), assigned to one instrument or to an instrument type.
 * Each record notes the procedure (and its revision) it followed, whether it was a reduced check and
 * whether it resets the due date, and its hysteresis and repeatability; each point its direction,
 * nominal % of span, applied input, limits and verdicts.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ts = pg ? 'timestamptz' : 'text';
  const real = 'double precision';
  const id = (t: ReturnType<Db['schema']['createTable']>) =>
    pg
      ? t.addColumn('id', 'serial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  await id(db.schema.createTable('calibration_procedures'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('deleted_at', ts)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('test_points', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('cycles', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('tolerance', 'text', (c) => c.notNull())
    .addColumn('transfer_function', 'text')
    .addColumn('allow_reduced_check', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .execute();
  await sql`create unique index calibration_procedures_name_live on calibration_procedures (lower(name)) where deleted_at is null`.execute(
    db,
  );

  await id(db.schema.createTable('calibration_procedure_assignments'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('procedure_id', 'integer', (c) => c.notNull().references('calibration_procedures.id'))
    .addColumn('instrument_id', 'integer', (c) => c.references('instruments.id'))
    .addColumn('instrument_type', 'text')
    .execute();
  // One assignment per instrument and one per type: concurrent assignments upsert one row.
  await sql`create unique index calibration_procedure_assignments_instrument on calibration_procedure_assignments (instrument_id) where instrument_id is not null`.execute(
    db,
  );
  await sql`create unique index calibration_procedure_assignments_type on calibration_procedure_assignments (instrument_type) where instrument_type is not null`.execute(
    db,
  );

  await db.schema
    .alterTable('calibration_records')
    .addColumn('procedure_id', 'integer', (c) => c.references('calibration_procedures.id'))
    .execute();
  for (const [name, type] of [
    ['procedure_revision', 'integer'],
    ['hysteresis_as_found_pct', real],
    ['hysteresis_as_left_pct', real],
    ['repeatability_as_found_pct', real],
    ['repeatability_as_left_pct', real],
  ] as const) {
    await db.schema.alterTable('calibration_records').addColumn(name, type).execute();
  }
  await db.schema
    .alterTable('calibration_records')
    .addColumn('reduced_check', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('calibration_records')
    .addColumn('resets_due_date', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  for (const [name, type] of [
    ['direction', 'text'],
    ['nominal_pct', real],
    ['input_value', real],
    ['adjust_limit', real],
    ['fail_limit', real],
    ['acceptance_limit', real],
    ['as_found_verdict', 'text'],
    ['as_left_verdict', 'text'],
  ] as const) {
    await db.schema.alterTable('calibration_points').addColumn(name, type).execute();
  }
}

export async function down(db: Db): Promise<void> {
  for (const c of [
    'direction',
    'nominal_pct',
    'input_value',
    'adjust_limit',
    'fail_limit',
    'acceptance_limit',
    'as_found_verdict',
    'as_left_verdict',
  ]) {
    await db.schema.alterTable('calibration_points').dropColumn(c).execute();
  }
  for (const c of [
    'procedure_id',
    'procedure_revision',
    'hysteresis_as_found_pct',
    'hysteresis_as_left_pct',
    'repeatability_as_found_pct',
    'repeatability_as_left_pct',
    'reduced_check',
    'resets_due_date',
  ]) {
    await db.schema.alterTable('calibration_records').dropColumn(c).execute();
  }
  await db.schema.dropTable('calibration_procedure_assignments').ifExists().execute();
  await db.schema.dropTable('calibration_procedures').ifExists().execute();
}
