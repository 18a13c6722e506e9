import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Issue 14: periods when an instrument's alarms are out of service (ISA-18.2): by explicit action
 * (source 'manual') or while a work order on it is in progress (source 'work_order', when the plant
 * enables it). Alarms raised in a period are recorded as suppressed; ML training leaves the periods
 * out. At most one open manual period per instrument and one open period per work order.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ts = pg ? 'timestamptz' : 'text';
  let t = db.schema.createTable('instrument_out_of_service');
  t = pg
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await t
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('instrument_id', 'integer', (c) => c.notNull().references('instruments.id'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('work_order_id', 'integer', (c) => c.references('work_orders.id'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('started_at', ts, (c) => c.notNull())
    .addColumn('started_by', 'integer', (c) => c.references('users.id'))
    .addColumn('ended_at', ts)
    .addColumn('ended_by', 'integer', (c) => c.references('users.id'))
    .addColumn('end_reason', 'text')
    .execute();
  await db.schema
    .createIndex('instrument_out_of_service_instrument')
    .on('instrument_out_of_service')
    .columns(['instrument_id', 'started_at'])
    .execute();
  await sql`create unique index instrument_out_of_service_manual_open on instrument_out_of_service (instrument_id) where source = 'manual' and ended_at is null`.execute(
    db,
  );
  await sql`create unique index instrument_out_of_service_wo_open on instrument_out_of_service (work_order_id) where ended_at is null and work_order_id is not null`.execute(
    db,
  );
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('instrument_out_of_service').ifExists().execute();
}
