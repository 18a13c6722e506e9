import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen in time: this file must never import application types or change once landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped by design
type Db = Kysely<any>;

/**
 * Issue 12: several processes on one PostgreSQL. A lease names a periodic duty (the maintenance
 * scans, the alarm scan, downsampling and retention) and the process that holds it until
 * `expires_at` (database time). The holder renews it; when it dies the lease expires and a survivor
 * takes it. SQLite has one process, which always holds every lease, but keeps the table so both
 * dialects share one schema.
 */
export async function up(db: Db): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', pg ? 'timestamptz' : 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('leases').execute();
}
