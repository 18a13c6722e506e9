import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Issue 11: model groups. An admin groups instruments that move together (redundant sensors, a flow
 * balance, a pump's pressure / flow / temperature); the product trains a multivariate model per
 * group (PCA) and runs drift detection on each member's residual and an anomaly score on the group.
 * An instrument belongs to at most one group (its drift CUSUM runs on one model's residual).
 * Versions are immutable: training adds one and activates it; an older one can be re-activated.
 * The live state of a group's detectors is checkpointed beside the instruments' own.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ts = pg ? 'timestamptz' : 'text';
  const id = (t: ReturnType<Db['schema']['createTable']>) =>
    pg
      ? t.addColumn('id', 'serial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  await id(db.schema.createTable('model_groups'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('process_unit_id', 'integer', (c) => c.references('process_units.id'))
    .addColumn('drift_window_seconds', 'integer', (c) => c.notNull().defaultTo(3600))
    .addColumn('anomaly_window_samples', 'integer', (c) => c.notNull().defaultTo(5))
    .addColumn('is_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .execute();
  await sql`create unique index model_groups_name on model_groups (lower(name))`.execute(db);

  await db.schema
    .createTable('model_group_members')
    .addColumn('group_id', 'integer', (c) => c.notNull().references('model_groups.id').onDelete('cascade'))
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_group_members_pk', ['group_id', 'instrument_id'])
    .execute();
  await sql`create unique index model_group_members_one_group on model_group_members (instrument_id)`.execute(
    db,
  );

  await id(db.schema.createTable('model_group_versions'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('group_id', 'integer', (c) => c.notNull().references('model_groups.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('trained_at', ts, (c) => c.notNull())
    .addColumn('trained_by', 'integer', (c) => c.references('users.id'))
    .addColumn('member_ids', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('metrics', 'text', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`create unique index model_group_versions_number on model_group_versions (group_id, version)`.execute(
    db,
  );
  await sql`create unique index model_group_versions_one_active on model_group_versions (group_id) where is_active = 1`.execute(
    db,
  );

  await db.schema
    .createTable('model_group_checkpoints')
    .addColumn('group_id', 'integer', (c) => c.primaryKey().references('model_groups.id').onDelete('cascade'))
    .addColumn('version_id', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('model_group_checkpoints').ifExists().execute();
  await db.schema.dropTable('model_group_versions').ifExists().execute();
  await db.schema.dropTable('model_group_members').ifExists().execute();
  await db.schema.dropTable('model_groups').ifExists().execute();
}
