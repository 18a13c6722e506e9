import {
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  type Kysely,
  PostgresAdapter,
  sql,
} from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;
type Col = (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

function isPg(db: Db) {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Columns every table gets, in dialect-correct types. */
function base<T extends string>(db: Db, t: CreateTableBuilder<T, never>, opts: { soft?: boolean } = {}) {
  const ts = isPg(db) ? 'timestamptz' : 'text';
  let b = isPg(db)
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  b = b.addColumn('created_at', ts, (c) => c.notNull()).addColumn('updated_at', ts, (c) => c.notNull());
  if (opts.soft) b = b.addColumn('deleted_at', ts);
  return b;
}

export async function up(db: Db): Promise<void> {
  const pg = isPg(db);
  const ts = pg ? 'timestamptz' : 'text';
  const date = pg ? 'date' : 'text';
  const real = 'double precision';
  const notNull: Col = (c) => c.notNull();
  const fk =
    (table: string): Col =>
    (c) =>
      c.references(`${table}.id`);

  await base(db, db.schema.createTable('users'))
    .addColumn('employee_number', 'text', (c) => c.notNull().unique())
    .addColumn('full_name', 'text', notNull)
    .addColumn('email', 'text')
    .addColumn('role', 'text', notNull)
    .addColumn('password_hash', 'text', notNull)
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('password_changed_at', ts)
    .addColumn('last_login_at', ts)
    .execute();

  await base(db, db.schema.createTable('process_units'), { soft: true })
    .addColumn('name', 'text', notNull)
    .addColumn('description', 'text')
    .addColumn('plant_area', 'text')
    .execute();
  await sql`create unique index process_units_name_live on process_units (name) where deleted_at is null`.execute(
    db,
  );

  await base(db, db.schema.createTable('instruments'), { soft: true })
    .addColumn('tag', 'text', notNull)
    .addColumn('type', 'text', notNull)
    .addColumn('measured_variable', 'text')
    .addColumn('unit', 'text', notNull)
    .addColumn('range_min', real, notNull)
    .addColumn('range_max', real, notNull)
    .addColumn('nominal_value', real)
    .addColumn('location', 'text')
    .addColumn('equipment', 'text')
    .addColumn('accuracy_class', real, notNull)
    .addColumn('criticality', 'text', notNull)
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('process_unit_id', 'integer', fk('process_units'))
    .addColumn('calibration_interval_days', 'integer', notNull)
    .addColumn('use_predicted_interval', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('description', 'text')
    .addColumn('alarm_low_critical', real)
    .addColumn('alarm_low_warning', real)
    .addColumn('alarm_high_warning', real)
    .addColumn('alarm_high_critical', real)
    .addColumn('alarm_deadband', real, notNull)
    .addColumn('alarm_on_delay_seconds', 'integer', notNull)
    .addColumn('publish_interval_seconds', real, notNull)
    .addColumn('stuck_deadband', real, notNull)
    .addColumn('stuck_window_minutes', real)
    .addColumn('signal_low_ma', real, notNull)
    .addColumn('signal_high_ma', real, notNull)
    .addColumn('max_rate_per_second', real)
    .addColumn('cusum_k', real)
    .addColumn('cusum_h', real)
    .addColumn('baseline_mean', real)
    .addColumn('baseline_std', real)
    .addColumn('suppressed_until', ts)
    .execute();
  // Tags are unique among live instruments; a soft-deleted tag keeps its history and may be reused.
  await sql`create unique index instruments_tag_live on instruments (tag) where deleted_at is null`.execute(
    db,
  );
  await db.schema
    .createIndex('instruments_process_unit')
    .on('instruments')
    .column('process_unit_id')
    .execute();

  await base(db, db.schema.createTable('reference_standards'), { soft: true })
    .addColumn('identifier', 'text', notNull)
    .addColumn('description', 'text', notNull)
    .addColumn('certificate_number', 'text', notNull)
    .addColumn('accuracy', 'text', notNull)
    .addColumn('calibrated_on', date, notNull)
    .addColumn('due_date', date, notNull)
    .execute();
  await sql`create unique index reference_standards_identifier_live on reference_standards (identifier) where deleted_at is null`.execute(
    db,
  );

  await base(db, db.schema.createTable('calibration_records'))
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('performed_at', ts, notNull)
    .addColumn('technician_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('reference_standard_id', 'integer', fk('reference_standards'))
    .addColumn('notes', 'text')
    .addColumn('tolerance_pct', real, notNull)
    .addColumn('as_found_passed', 'integer', notNull)
    .addColumn('as_left_passed', 'integer', notNull)
    .addColumn('passed', 'integer', notNull)
    .addColumn('max_as_found_error_pct', real, notNull)
    .addColumn('max_as_left_error_pct', real, notNull)
    .addColumn('corrects_id', 'integer', fk('calibration_records'))
    .addColumn('work_order_id', 'integer')
    .addColumn('next_due_at', ts)
    .execute();
  await db.schema
    .createIndex('calibration_records_instrument')
    .on('calibration_records')
    .columns(['instrument_id', 'performed_at'])
    .execute();
  await db.schema
    .createIndex('calibration_records_standard')
    .on('calibration_records')
    .column('reference_standard_id')
    .execute();

  await base(db, db.schema.createTable('calibration_points'))
    .addColumn('calibration_id', 'integer', (c) => c.notNull().references('calibration_records.id'))
    .addColumn('seq', 'integer', notNull)
    .addColumn('reference_value', real, notNull)
    .addColumn('as_found', real, notNull)
    .addColumn('as_left', real, notNull)
    .addColumn('as_found_error_pct', real, notNull)
    .addColumn('as_left_error_pct', real, notNull)
    .addColumn('as_found_passed', 'integer', notNull)
    .addColumn('as_left_passed', 'integer', notNull)
    .execute();
  await db.schema
    .createIndex('calibration_points_calibration')
    .on('calibration_points')
    .column('calibration_id')
    .execute();

  await base(db, db.schema.createTable('maintenance_records'), { soft: true })
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('performed_at', ts, notNull)
    .addColumn('action_type', 'text', notNull)
    .addColumn('technician_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('description', 'text', notNull)
    .addColumn('parts_used', 'text')
    .addColumn('duration_minutes', 'integer')
    .addColumn('work_order_id', 'integer')
    .execute();
  await db.schema
    .createIndex('maintenance_records_instrument')
    .on('maintenance_records')
    .columns(['instrument_id', 'performed_at'])
    .execute();

  await base(db, db.schema.createTable('alert_records'))
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('alert_type', 'text', notNull)
    .addColumn('condition_key', 'text', notNull)
    .addColumn('severity', 'text', notNull)
    .addColumn('status', 'text', notNull)
    .addColumn('message', 'text', notNull)
    .addColumn('details', 'text')
    .addColumn('first_seen', ts, notNull)
    .addColumn('last_seen', ts, notNull)
    .addColumn('occurrence_count', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('cleared_at', ts)
    .addColumn('suppressed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('acknowledged_by', 'integer', fk('users'))
    .addColumn('acknowledged_at', ts)
    .addColumn('resolved_by', 'integer', fk('users'))
    .addColumn('resolved_at', ts)
    .addColumn('resolution_notes', 'text')
    .execute();
  // One open alert per (instrument, type, condition): the database enforces the dedup rule too.
  await sql`create unique index alert_records_open on alert_records (instrument_id, alert_type, condition_key) where status <> 'resolved'`.execute(
    db,
  );
  await db.schema
    .createIndex('alert_records_status')
    .on('alert_records')
    .columns(['status', 'last_seen'])
    .execute();
  await db.schema
    .createIndex('alert_records_instrument')
    .on('alert_records')
    .columns(['instrument_id', 'first_seen'])
    .execute();

  await base(db, db.schema.createTable('work_orders'))
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('title', 'text', notNull)
    .addColumn('description', 'text')
    .addColumn('type', 'text', notNull)
    .addColumn('priority', 'text', notNull)
    .addColumn('status', 'text', notNull)
    .addColumn('assigned_to', 'integer', fk('users'))
    .addColumn('created_by', 'integer', fk('users'))
    .addColumn('due_date', ts)
    .addColumn('estimated_duration_minutes', 'integer')
    .addColumn('actual_duration_minutes', 'integer')
    .addColumn('parts_used', 'text')
    .addColumn('completion_notes', 'text')
    .addColumn('cancel_reason', 'text')
    .addColumn('calibration_record_id', 'integer', fk('calibration_records'))
    .addColumn('alert_id', 'integer', fk('alert_records'))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('manual'))
    // Idempotency key for generated work (e.g. "calibration_overdue:12:2026-11-01"): created once.
    .addColumn('source_key', 'text', (c) => c.unique())
    .addColumn('started_at', ts)
    .addColumn('completed_at', ts)
    .addColumn('cancelled_at', ts)
    .execute();
  await db.schema
    .createIndex('work_orders_status')
    .on('work_orders')
    .columns(['status', 'due_date'])
    .execute();
  await db.schema.createIndex('work_orders_instrument').on('work_orders').column('instrument_id').execute();
  await db.schema.createIndex('work_orders_assigned').on('work_orders').column('assigned_to').execute();

  await base(db, db.schema.createTable('pm_plans'), { soft: true })
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('task', 'text', notNull)
    .addColumn('interval_days', 'integer', notNull)
    .addColumn('next_due', ts, notNull)
    .addColumn('priority', 'text', (c) => c.notNull().defaultTo('medium'))
    .addColumn('assigned_to', 'integer', fk('users'))
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await base(db, db.schema.createTable('notifications'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('work_order_id', 'integer', fk('work_orders'))
    .addColumn('message', 'text', notNull)
    .addColumn('read_at', ts)
    .execute();
  await db.schema
    .createIndex('notifications_user')
    .on('notifications')
    .columns(['user_id', 'read_at'])
    .execute();

  await base(db, db.schema.createTable('password_reset_tokens'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', ts, notNull)
    .addColumn('used_at', ts)
    .execute();

  // The audit trail: append-only (triggers below) and hash-chained row to row.
  await (pg
    ? db.schema.createTable('audit_log').addColumn('id', 'serial', (c) => c.primaryKey())
    : db.schema.createTable('audit_log').addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
  )
    .addColumn('created_at', ts, notNull)
    .addColumn('user_id', 'integer')
    .addColumn('action', 'text', notNull)
    .addColumn('entity_type', 'text', notNull)
    .addColumn('entity_id', 'text')
    .addColumn('old_value', 'text')
    .addColumn('new_value', 'text')
    .addColumn('prev_hash', 'text', notNull)
    .addColumn('hash', 'text', notNull)
    .execute();
  await db.schema
    .createIndex('audit_log_entity')
    .on('audit_log')
    .columns(['entity_type', 'entity_id'])
    .execute();
  await db.schema.createIndex('audit_log_created').on('audit_log').column('created_at').execute();
  if (pg) {
    await sql`create function audit_log_append_only() returns trigger language plpgsql as $$
      begin raise exception 'audit_log is append-only: % refused', tg_op; end $$`.execute(db);
    await sql`create trigger audit_log_no_update before update or delete on audit_log
      for each row execute function audit_log_append_only()`.execute(db);
    await sql`create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function audit_log_append_only()`.execute(db);
  } else {
    await sql`create trigger audit_log_no_update before update on audit_log
      begin select raise(abort, 'audit_log is append-only: UPDATE refused'); end`.execute(db);
    await sql`create trigger audit_log_no_delete before delete on audit_log
      begin select raise(abort, 'audit_log is append-only: DELETE refused'); end`.execute(db);
  }

  await base(db, db.schema.createTable('background_jobs'))
    .addColumn('job_type', 'text', notNull)
    .addColumn('status', 'text', notNull)
    .addColumn('progress', real, (c) => c.notNull().defaultTo(0))
    .addColumn('params', 'text')
    .addColumn('result_summary', 'text')
    .addColumn('result_file', 'text')
    .addColumn('error', 'text')
    .addColumn('created_by', 'integer', fk('users'))
    .addColumn('started_at', ts)
    .addColumn('completed_at', ts)
    .execute();
  await db.schema
    .createIndex('background_jobs_status')
    .on('background_jobs')
    .columns(['status', 'created_at'])
    .execute();

  await base(db, db.schema.createTable('ml_baselines'), { soft: true })
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('start_at', ts, notNull)
    .addColumn('end_at', ts, notNull)
    .addColumn('created_by', 'integer', fk('users'))
    .execute();

  await base(db, db.schema.createTable('ml_model_versions'))
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('tag', 'text', notNull)
    .addColumn('version', 'integer', notNull)
    .addColumn('trained_at', ts, notNull)
    .addColumn('trained_by', 'integer', fk('users'))
    .addColumn('windows_used', 'integer', notNull)
    .addColumn('contamination', real, notNull)
    .addColumn('threshold', real, notNull)
    .addColumn('feature_set_version', 'integer', notNull)
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('model_file', 'text', notNull)
    .addColumn('metrics', 'text')
    .execute();
  await db.schema
    .createIndex('ml_model_versions_tag_version')
    .on('ml_model_versions')
    .columns(['instrument_id', 'version'])
    .unique()
    .execute();

  // Detector state that must survive a restart (CUSUM sums and baseline, stuck timers, ...).
  await db.schema
    .createTable('detector_checkpoints')
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('detector', 'text', notNull)
    .addColumn('state', 'text', notNull)
    .addColumn('updated_at', ts, notNull)
    .addPrimaryKeyConstraint('detector_checkpoints_pk', ['instrument_id', 'detector'])
    .execute();

  // Readings: integer instrument id and epoch-millisecond timestamps, clustered by (instrument, ts)
  // so the hot insert path and range scans touch one B-tree (see docs/architecture.md).
  const clustered = (t: CreateTableBuilder<string, never>) => (pg ? t : t.modifyEnd(sql`without rowid`));
  await clustered(
    db.schema
      .createTable('raw_readings')
      .addColumn('instrument_id', 'integer', notNull)
      .addColumn('ts', 'bigint', notNull)
      .addColumn('value', real, notNull)
      .addColumn('quality', 'text', notNull)
      .addPrimaryKeyConstraint('raw_readings_pk', ['instrument_id', 'ts']),
  ).execute();
  await db.schema.createIndex('raw_readings_ts').on('raw_readings').column('ts').execute();
  for (const tier of ['readings_1m', 'readings_1h', 'readings_1d']) {
    await clustered(
      db.schema
        .createTable(tier)
        .addColumn('instrument_id', 'integer', notNull)
        .addColumn('bucket', 'bigint', notNull)
        .addColumn('avg', real, notNull)
        .addColumn('min', real, notNull)
        .addColumn('max', real, notNull)
        .addColumn('count', 'integer', notNull)
        .addPrimaryKeyConstraint(`${tier}_pk`, ['instrument_id', 'bucket']),
    ).execute();
  }

  // Small key/value table for scheduler watermarks (last downsampled bucket, last scan).
  await db.schema
    .createTable('system_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', notNull)
    .addColumn('updated_at', ts, notNull)
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('the initial migration cannot be reverted');
}
