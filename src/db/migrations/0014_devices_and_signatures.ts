import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Issue 13 (position and device, electronic signatures):
 * - `devices`: the physical transmitter (manufacturer, model, serial number, its own range); an
 *   instrument (tag) is the position in the plant it is installed into.
 * - `device_installations`: which device sat in which position, from `installed_at` to
 *   `removed_at` (null while installed). The two partial unique indexes are the rule "one device in
 *   one position, one device per position at a time": of two racing installs the database keeps one.
 * - `calibration_records.device_id`: the device calibrated (the record's instrument_id stays the
 *   position it held). The instruments table carries no manufacturer/model/serial data, so there
 *   is nothing to backfill: older records keep device_id null.
 * - `signatures`: electronic signatures (21 CFR Part 11 meaning): who, when, meaning and the SHA-256
 *   of the signed content; one signature per record and meaning.
 * - `signature_policies`: per record type, whether completing needs the performer's signature and
 *   whether a second person's approval is mandatory.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ts = pg ? 'timestamptz' : 'text';
  const idCol = (t: ReturnType<Db['schema']['createTable']>) =>
    pg
      ? t.addColumn('id', 'serial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  await idCol(db.schema.createTable('devices'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('deleted_at', ts)
    .addColumn('manufacturer', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('serial_number', 'text', (c) => c.notNull())
    .addColumn('device_type', 'text')
    .addColumn('unit', 'text')
    .addColumn('range_min', 'double precision')
    .addColumn('range_max', 'double precision')
    .addColumn('notes', 'text')
    .execute();
  // A serial number names one physical device, whatever its case, among live devices.
  await sql`create unique index devices_serial_live_ci on devices (lower(serial_number)) where deleted_at is null`.execute(
    db,
  );

  await idCol(db.schema.createTable('device_installations'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('device_id', 'integer', (c) => c.notNull().references('devices.id'))
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('installed_at', ts, (c) => c.notNull())
    .addColumn('removed_at', ts)
    .addColumn('installed_by', 'integer', (c) => c.references('users.id'))
    .addColumn('removed_by', 'integer', (c) => c.references('users.id'))
    .addColumn('reason', 'text')
    .addColumn('removal_reason', 'text')
    .execute();
  await sql`create unique index device_installations_device_current on device_installations (device_id) where removed_at is null`.execute(
    db,
  );
  await sql`create unique index device_installations_position_current on device_installations (instrument_id) where removed_at is null`.execute(
    db,
  );
  await db.schema
    .createIndex('device_installations_instrument')
    .on('device_installations')
    .columns(['instrument_id', 'installed_at'])
    .execute();
  await db.schema
    .createIndex('device_installations_device')
    .on('device_installations')
    .columns(['device_id', 'installed_at'])
    .execute();

  await db.schema
    .alterTable('calibration_records')
    .addColumn('device_id', 'integer', (c) => c.references('devices.id'))
    .execute();

  await idCol(db.schema.createTable('signatures'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'integer', (c) => c.notNull())
    .addColumn('meaning', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('signer_name', 'text', (c) => c.notNull())
    .addColumn('signed_at', ts, (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('signature_hash', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .execute();
  await sql`create unique index signatures_one_per_meaning on signatures (entity_type, entity_id, meaning)`.execute(
    db,
  );

  await db.schema
    .createTable('signature_policies')
    .addColumn('record_type', 'text', (c) => c.primaryKey())
    .addColumn('signature_required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('approval_required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('updated_by', 'integer', (c) => c.references('users.id'))
    .execute();
  const at = new Date().toISOString();
  for (const recordType of ['calibration_record', 'work_order']) {
    await db
      .insertInto('signature_policies')
      .values({ record_type: recordType, signature_required: 0, approval_required: 0, updated_at: at })
      .execute();
  }
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('signature_policies').ifExists().execute();
  await db.schema.dropTable('signatures').ifExists().execute();
  await db.schema.alterTable('calibration_records').dropColumn('device_id').execute();
  await db.schema.dropTable('device_installations').ifExists().execute();
  await db.schema.dropTable('devices').ifExists().execute();
}
