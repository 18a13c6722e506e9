import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Tags are unique among live instruments regardless of case (PT-101 and pt-101 name one loop), and
 * a re-ranged instrument keeps the history of its unit and range, so readings stored before a
 * change are read against the range they were taken in.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ts = pg ? 'timestamptz' : 'text';
  const real = 'double precision';

  // A plant that already has two live tags differing only in case must rename one first: say which.
  const dupes = await sql<{ tags: string }>`
    select min(tag) || ' / ' || max(tag) as tags from instruments
    where deleted_at is null group by lower(tag) having count(*) > 1`.execute(db);
  if (dupes.rows.length > 0) {
    throw new Error(
      `instrument tags differ only in case: ${dupes.rows.map((r) => r.tags).join(', ')}; ` +
        'rename or delete one of each pair, then migrate again',
    );
  }
  await sql`create unique index instruments_tag_live_ci on instruments (lower(tag)) where deleted_at is null`.execute(
    db,
  );

  await db.schema
    .createTable('instrument_range_changes')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('effective_at', ts, (c) => c.notNull())
    .addColumn('old_unit', 'text', (c) => c.notNull())
    .addColumn('old_range_min', real, (c) => c.notNull())
    .addColumn('old_range_max', real, (c) => c.notNull())
    .addColumn('new_unit', 'text', (c) => c.notNull())
    .addColumn('new_range_min', real, (c) => c.notNull())
    .addColumn('new_range_max', real, (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('changed_by', 'integer', (c) => c.references('users.id'))
    .execute();
  await db.schema
    .createIndex('instrument_range_changes_instrument')
    .on('instrument_range_changes')
    .columns(['instrument_id', 'effective_at'])
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('instrument_range_changes').ifExists().execute();
  await sql`drop index if exists instruments_tag_live_ci`.execute(db);
}
