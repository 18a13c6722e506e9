import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Work requests: a technician at an instrument (often from its QR label) reports a problem in
 * words; an admin turns it into a work order (accepted, work_order_id set) or rejects it with a
 * reason. status: open | accepted | rejected.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ts = pg ? 'timestamptz' : 'text';
  let t = db.schema.createTable('work_requests');
  t = pg
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await t
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('reported_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reviewed_by', 'integer', (c) => c.references('users.id'))
    .addColumn('reviewed_at', ts)
    .addColumn('review_notes', 'text')
    .addColumn('work_order_id', 'integer', (c) => c.references('work_orders.id'))
    .execute();
  await db.schema
    .createIndex('work_requests_status')
    .on('work_requests')
    .columns(['status', 'created_at'])
    .execute();
  await db.schema
    .createIndex('work_requests_instrument')
    .on('work_requests')
    .column('instrument_id')
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('work_requests').ifExists().execute();
}
